// Package hdl builds and runs the synthesizable Verilog RTL of the htmhw
// accelerator, architecture 3 (hdl/rtl3, top htm3_accel), in Verilator,
// driven over its Wishbone bus by a C++ harness (hdl/harness) as a host
// would drive it, and compares what it computes with the cycle-level
// simulator (package sim).
//
// The RTL implements docs/ARCHITECTURE.md's host interface, memories and
// every phase of a STEP (Implemented lists them), cycle for cycle.
package hdl

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/sim"
)

//go:generate go run ../arch/cmd/archgen -verilog rtl3/htm_arch.vh -c harness/htm_arch.h

// The RTL includes rtl3/htm_arch.vh and the harness harness/htm_arch.h,
// both generated from package arch (TestGeneratedHeaders fails when they
// are stale). hdl/rtl3
// (sources3) the accelerator.
//
//go:embed rtl3/*.vh harness/*.cpp harness/*.h boards/*.pcf
var sources embed.FS

// Implemented lists the step phases the RTL implements, cycle for cycle.
var Implemented = []sim.Phase{sim.PhaseLoad, sim.PhaseSPOverlap, sim.PhaseSPInhibit, sim.PhaseSPLearn, sim.PhaseSPDuty,
	sim.PhaseTMPredict, sim.PhaseTMCells, sim.PhaseTMSwap, sim.PhaseTMDendrite, sim.PhaseOutput}

// ErrNoVerilator is returned when verilator is not on PATH.
var ErrNoVerilator = errors.New("hdl: verilator not found on PATH (Debian: apt-get install verilator)")

// Params are the RTL's parameters: the model dimensions.
type Params struct {
	N, C, Q, K, S, M, B, G int
}

// ParamsOf reads an image's parameters from its cfg words; the
// architecture parameters (words 28 to 30) must be architecture 3's.
func ParamsOf(im *image.Image) (Params, error) {
	cfg := im.Section(arch.MemCfg.String())
	if cfg == nil || len(cfg.Words) != arch.CfgWords {
		return Params{}, fmt.Errorf("hdl: the image has no cfg memory of %d words", arch.CfgWords)
	}
	w := func(i int) int { return int(cfg.Words[i]) }
	p := Params{N: w(arch.CfgN), C: w(arch.CfgC), Q: w(arch.CfgQ), B: w(arch.CfgB), G: w(arch.CfgG), M: w(arch.CfgM),
		S: w(arch.CfgS), K: w(arch.CfgK)}
	a := arch.Params{LanesOV: w(arch.CfgLanesOV), LanesSyn: w(arch.CfgLanesSyn), DivLat: w(arch.CfgDivLat)}
	if err := a.Validate(); err != nil {
		return p, fmt.Errorf("hdl: cfg words %d to %d: %w", arch.CfgLanesOV, arch.CfgDivLat, err)
	}
	if p.B > 16 {
		return p, fmt.Errorf("hdl: permanence bits %d: the RTL handles at most 16", p.B)
	}
	return p, nil
}

// Defines returns the Verilog parameter overrides (-G options): the
// dimensions, and the architecture parameters that CAPS reports.
func (p Params) Defines() []string {
	a := arch.DefaultParams()
	return []string{"N=" + strconv.Itoa(p.N), "C=" + strconv.Itoa(p.C), "Q=" + strconv.Itoa(p.Q),
		"K=" + strconv.Itoa(p.K), "S=" + strconv.Itoa(p.S), "M=" + strconv.Itoa(p.M), "B=" + strconv.Itoa(p.B),
		"G=" + strconv.Itoa(p.G), "LANES_OV=" + strconv.Itoa(a.LanesOV), "LANES_SYN=" + strconv.Itoa(a.LanesSyn),
		"DIV_LAT=" + strconv.Itoa(a.DivLat)}
}

// WriteSources writes the RTL (rtl3/, with its testbenches in rtl3/tb),
// the harness (harness/) and the pin files (boards/) into dir and returns
// the RTL's Verilog files: hdl/rtl3's top-level ones (the accelerator, its
// engines, the UART, the UARTBone bridge, the iCEBreaker top and the
// engines' test tops and place-and-route wrappers). The RTL includes rtl3/htm_arch.vh: tools need
// IncludeDir(dir) on their include path.
func WriteSources(dir string) ([]string, error) {
	var vs []string
	for _, src := range []embed.FS{sources, sources3} {
		err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := src.ReadFile(path)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, path)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if d := filepath.Dir(path); (d == "rtl" || d == "rtl3") && strings.HasSuffix(path, ".v") {
				vs = append(vs, dst)
			}
			return os.WriteFile(dst, b, 0o644)
		})
		if err != nil {
			return nil, fmt.Errorf("hdl: %w", err)
		}
	}
	return vs, nil
}

// IncludeDir returns the directory of the RTL's include file (htm_arch.vh)
// under a directory WriteSources wrote.
func IncludeDir(dir string) string { return filepath.Join(dir, "rtl3") }

// sourceHash hashes the embedded sources.
func sourceHash() string {
	h := sha256.New()
	for _, src := range []embed.FS{sources, sources3} {
		_ = fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := src.ReadFile(path)
			fmt.Fprintf(h, "%s %d\n", path, len(b))
			h.Write(b)
			return nil
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CacheDir is where built models are kept: os.UserCacheDir()/htmhw-hdl,
// or HTMHW_HDL_CACHE when set.
func CacheDir() (string, error) {
	if d := os.Getenv("HTMHW_HDL_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("hdl: %w", err)
	}
	return filepath.Join(d, "htmhw-hdl"), nil
}

// Model is a built Verilator model.
type Model struct {
	Params Params
	Bin    string // the simulation binary
	Cached bool   // whether Build found it in the cache

}

// Build compiles htm3_accel with the bus harness (harness/harness.cpp,
// serve.cpp; the model's classes take the prefix Vhtm_accel that the
// harness names) for these parameters with Verilator, or returns the cached
// build of the same sources, parameters and Verilator version. The binary
// takes the harness's arguments (Model.Run, RTLTarget); its memories are
// the files WriteMemFiles writes.
func Build(ctx context.Context, p Params) (*Model, error) {
	return build(ctx, p, verilatorTop{module: "htm3_accel", prefix: "Vhtm_accel", harness: []string{"harness.cpp", "serve.cpp"}})
}

// verilatorTop is what a build compiles: the top module, the prefix of its
// Verilated classes ("V" + module when empty), its extra parameters and the
// harness files that hold its main.
type verilatorTop struct {
	module, prefix string
	defines        []string
	harness        []string
}

func build(ctx context.Context, p Params, top verilatorTop) (*Model, error) {
	vl, err := exec.LookPath("verilator")
	if err != nil {
		return nil, ErrNoVerilator
	}
	ver, err := exec.CommandContext(ctx, vl, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("hdl: verilator --version: %w", err)
	}
	defines := append(p.Defines(), top.defines...)
	name := top.prefix
	if name == "" {
		name = "V" + top.module
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%v\n%s %s %v\n", sourceHash(), strings.TrimSpace(string(ver)), defines, top.module, name, top.harness)
	key := hex.EncodeToString(h.Sum(nil))[:24]
	bin, cached, err := buildCached(key, name, func(tmp string) error {
		vs, err := WriteSources(tmp)
		if err != nil {
			return err
		}
		args := []string{"--cc", "--exe", "--build", "-j", "0", "-O3", "--x-assign", "unique", "--x-initial", "unique",
			"-Wno-fatal", "-Wno-lint", "-Wno-style", "--trace", "-DSIM", "--top-module", top.module, "--prefix", name,
			"-CFLAGS", "-O1", "--Mdir", filepath.Join(tmp, "obj"), "-o", name, "-I" + IncludeDir(tmp)}
		for _, d := range defines {
			args = append(args, "-G"+d)
		}
		args = append(args, vs...)
		for _, f := range top.harness {
			args = append(args, filepath.Join(tmp, "harness", f))
		}
		return runVerilator(ctx, tmp, vl, args...)
	})
	if err != nil {
		return nil, err
	}
	return &Model{Params: p, Bin: bin, Cached: cached}, nil
}

// buildCached returns the binary name of the cache entry key
// (CacheDir()/key/name), building it first when it is missing: build gets
// a fresh directory inside the cache and leaves the binary at tmp/obj/name.
// Only the binary is kept, and the entry appears by one rename, so
// concurrent builds of the same key are safe (the loser finds the winner's).
func buildCached(key, name string, build func(tmp string) error) (bin string, cached bool, err error) {
	cache, err := CacheDir()
	if err != nil {
		return "", false, err
	}
	dir := filepath.Join(cache, key)
	bin = filepath.Join(dir, name)
	if _, err := os.Stat(bin); err == nil {
		return bin, true, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", false, fmt.Errorf("hdl: %w", err)
	}
	tmp, err := os.MkdirTemp(cache, ".build-*")
	if err != nil {
		return "", false, fmt.Errorf("hdl: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := build(tmp); err != nil {
		return "", false, err
	}
	stage := filepath.Join(tmp, "out")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		return "", false, fmt.Errorf("hdl: %w", err)
	}
	if err := os.Rename(filepath.Join(tmp, "obj", name), filepath.Join(stage, name)); err != nil {
		return "", false, fmt.Errorf("hdl: %w", err)
	}
	if err := os.Rename(stage, dir); err != nil {
		if _, serr := os.Stat(bin); serr == nil { // built concurrently
			return bin, true, nil
		}
		return "", false, fmt.Errorf("hdl: %w", err)
	}
	return bin, false, nil
}

// runVerilator runs command (verilator, or nice with verilator's
// arguments) in dir and returns its output's end with any failure.
func runVerilator(ctx context.Context, dir, command string, args ...string) error {
	cmd := exec.CommandContext(ctx, command, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("hdl: verilator: %w\n%s", err, tail(out, 4000))
	}
	return nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// Step is one STEP command's input.
type Step struct {
	Input []uint32
	Learn bool
}

// RunOptions select what a run writes besides the register trace.
type RunOptions struct {
	Dump    bool   // read every memory back through the window at the end
	LoadDir string // load the memories through the window from these $readmemh files first
	VCD     string // write a waveform here
	// Protocol runs the harness's host-interface checks (refused commands,
	// locked windows, RESET) before the steps.
	Protocol bool
	// RestoreAt > 0 issues RESTORE (of the memories as they stand) before
	// step RestoreAt of the run.
	RestoreAt int
	// KeepList leaves tm.free as loaded at each RESTORE: the harness does
	// not write RESTORE's used list (contract version 4) itself, so that a
	// test can load a list of its own.
	KeepList bool
}

// Result is what a run of the RTL produced.
type Result struct {
	Regs   []trace.Regs            // the register trace, one row per step
	Phases [][sim.NumPhases]uint64 // PHASE_CYCLES per step
	Mems   []*image.Section        // with RunOptions.Dump: every memory as read back
	Units  []*image.Section        // with RunOptions.Dump: every memory's window units as read (arch.Window)
	CRCs   []uint32                // with RunOptions.Dump: CRC_VALUE per memory
	Log    string                  // the harness's standard error
}

// Run runs the model on an image's memory files in memDir (WriteMemFiles)
// through the steps. im gives the memories' depths and widths.
func (m *Model) Run(ctx context.Context, im *image.Image, memDir string, steps []Step, opt RunOptions) (*Result, error) {
	work, err := os.MkdirTemp("", "htmhw-hdl-run-*")
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	defer os.RemoveAll(work)
	var in strings.Builder
	for _, s := range steps {
		if s.Learn {
			in.WriteString("1")
		} else {
			in.WriteString("0")
		}
		for _, x := range s.Input {
			in.WriteString(" ")
			in.WriteString(strconv.FormatUint(uint64(x), 10))
		}
		in.WriteString("\n")
	}
	inPath := filepath.Join(work, "in.txt")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	// The window addresses physical words (contract version 4): the
	// harness loads and dumps each memory's units (arch.Window), so its
	// depths are theirs.
	ws, err := im.Windows()
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	var depths []string
	for _, w := range ws {
		depths = append(depths, strconv.Itoa(w.Units()))
	}
	tracePath, phasePath, dumpPath := filepath.Join(work, "regs.csv"), filepath.Join(work, "phases.csv"), filepath.Join(work, "dump.txt")
	abs, err := filepath.Abs(memDir)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	args := []string{"+memdir=" + abs, "--in", inPath, "--trace", tracePath, "--phases", phasePath,
		"--depths", strings.Join(depths, ",")}
	if opt.Dump {
		args = append(args, "--dump", dumpPath)
	}
	if opt.LoadDir != "" {
		load := filepath.Join(work, "load")
		if err := unitFiles(opt.LoadDir, load, im, ws); err != nil {
			return nil, err
		}
		args = append(args, "--load", load)
	}
	if opt.VCD != "" {
		args = append(args, "--vcd", opt.VCD)
	}
	if opt.Protocol {
		args = append(args, "--protocol")
	}
	if opt.RestoreAt > 0 {
		args = append(args, "--restore-at", strconv.Itoa(opt.RestoreAt))
	}
	if opt.KeepList {
		args = append(args, "--keep-list")
	}
	cmd := exec.CommandContext(ctx, m.Bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("hdl: %s: %w\n%s", filepath.Base(m.Bin), err, tail([]byte(stderr.String()), 4000))
	}
	res := &Result{Log: stderr.String()}
	f, err := os.Open(tracePath)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	res.Regs, err = trace.ReadRegs(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("hdl: the harness's trace: %w", err)
	}
	if res.Phases, err = readPhases(phasePath); err != nil {
		return nil, err
	}
	if opt.Dump {
		if res.Mems, res.Units, res.CRCs, err = readDump(dumpPath, im, ws); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func readPhases(path string) ([][sim.NumPhases]uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	var out [][sim.NumPhases]uint64
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 1+int(sim.NumPhases) {
			return nil, fmt.Errorf("hdl: phases line %d: %d fields", i+1, len(f))
		}
		var row [sim.NumPhases]uint64
		for p := range row {
			if row[p], err = strconv.ParseUint(f[p+1], 10, 64); err != nil {
				return nil, fmt.Errorf("hdl: phases line %d: %w", i+1, err)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// unitFiles turns the $readmemh files of im's memories in dir into files of
// their units (ws) in out, for the harness's load through the window.
func unitFiles(dir, out string, im *image.Image, ws []arch.Window) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	for i, s := range im.Sections {
		path := filepath.Join(dir, s.Name+".hex")
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("hdl: %w", err)
		}
		var words []uint64
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "//") {
				continue
			}
			v, err := strconv.ParseUint(line, 16, 64)
			if err != nil {
				return fmt.Errorf("hdl: %s: %w", path, err)
			}
			words = append(words, v)
		}
		if len(words) != s.Depth() {
			return fmt.Errorf("hdl: %s: %d words, want %d", path, len(words), s.Depth())
		}
		u := &image.Section{Name: s.Name, Width: ws[i].UnitWidth(), Words: ws[i].ToUnits(words)}
		var buf bytes.Buffer
		if err := u.WriteReadmemh(&buf); err != nil {
			return fmt.Errorf("hdl: %w", err)
		}
		if err := os.WriteFile(filepath.Join(out, s.Name+".hex"), buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("hdl: %w", err)
		}
	}
	return nil
}

// readDump reads the harness's dump: each memory's CRC_VALUE and units
// (MEM_DATA_LO; MEM_DATA_HI's word, cfg's and regs' next unit, dropped),
// unpacked into im's words (ws).
func readDump(path string, im *image.Image, ws []arch.Window) (mems, units []*image.Section, crcs []uint32, err error) {
	if units, crcs, err = readUnits(path, im); err != nil {
		return nil, nil, nil, err
	}
	for i, s := range units {
		if len(s.Words) != ws[i].Units() {
			return nil, nil, nil, fmt.Errorf("hdl: dump: memory %s: %d units, want %d", s.Name, len(s.Words), ws[i].Units())
		}
		s.Width = ws[i].UnitWidth()
		for j := range s.Words {
			s.Words[j] &= 1<<s.Width - 1
		}
		mems = append(mems, &image.Section{Name: s.Name, Width: im.Sections[i].Width, Words: ws[i].FromUnits(s.Words)})
	}
	return mems, units, crcs, nil
}

func readUnits(path string, im *image.Image) ([]*image.Section, []uint32, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("hdl: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var mems []*image.Section
	var crcs []uint32
	var cur *image.Section
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mem ") {
			var m, depth int
			var name string
			var crc uint32
			if _, err := fmt.Sscanf(line, "mem %d %s %d %x", &m, &name, &depth, &crc); err != nil {
				return nil, nil, fmt.Errorf("hdl: dump: %q: %w", line, err)
			}
			if m >= len(im.Sections) {
				return nil, nil, fmt.Errorf("hdl: dump: memory %d", m)
			}
			cur = &image.Section{Name: name, Width: im.Sections[m].Width}
			mems = append(mems, cur)
			crcs = append(crcs, crc)
			continue
		}
		v, err := strconv.ParseUint(line, 16, 64)
		if err != nil || cur == nil {
			return nil, nil, fmt.Errorf("hdl: dump: %q", line)
		}
		cur.Words = append(cur.Words, v)
	}
	return mems, crcs, sc.Err()
}
