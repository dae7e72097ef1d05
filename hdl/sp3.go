package hdl

import (
	"bufio"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/htmhw/htmhw/image"
)

// Architecture 3's RTL (hdl/rtl3, hdl/rtl3/README.md): for now the spatial
// pooler engine htm3_sp, built with its own testbench.

//go:embed rtl3/*.v rtl3/*.vlt rtl3/tb/*.v rtl3/tb/*.cpp
var sources3 embed.FS

// SP3Phases names the phases htm3_sp reports, in its output's order.
var SP3Phases = [5]string{"LOAD", "SP_OVERLAP", "SP_INHIBIT", "SP_LEARN", "SP_DUTY"}

// writeSources3 writes hdl/rtl3 into dir and returns the RTL's Verilog
// files (not the testbench's, nor the top's modules of accel3Only, which
// include rtl3/htm_arch.vh: WriteSources).
func writeSources3(dir string) ([]string, error) {
	var vs []string
	err := fs.WalkDir(sources3, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := sources3.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if filepath.Dir(path) == "rtl3" && strings.HasSuffix(path, ".v") && !slices.Contains(accel3Only, filepath.Base(path)) {
			vs = append(vs, dst)
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	return vs, nil
}

// SP3Model is a built Verilator model of htm3_sp's testbench.
type SP3Model struct {
	Bin    string
	Cached bool
}

// BuildSP3 builds hdl/rtl3/tb/sp3_tb.v with htm3_sp for the model
// dimensions of p (N, C, Q, B) in Verilator, or returns the cached build.
func BuildSP3(ctx context.Context, p Params) (*SP3Model, error) {
	vl, err := exec.LookPath("verilator")
	if err != nil {
		return nil, ErrNoVerilator
	}
	ver, err := exec.CommandContext(ctx, vl, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("hdl: verilator --version: %w", err)
	}
	defs := []string{"N=" + strconv.Itoa(p.N), "C=" + strconv.Itoa(p.C), "Q=" + strconv.Itoa(p.Q), "B=" + strconv.Itoa(p.B)}
	h := sha256.New()
	_ = fs.WalkDir(sources3, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := sources3.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	fmt.Fprintf(h, "%s\n%v\n", strings.TrimSpace(string(ver)), defs)
	key := "sp3-" + hex.EncodeToString(h.Sum(nil))[:24]
	bin, cached, err := buildCached(key, "Vsp3_tb", func(tmp string) error {
		vs, err := writeSources3(tmp)
		if err != nil {
			return err
		}
		args := []string{"--cc", "--exe", "--build", "-j", "0", "-O3", "--x-assign", "unique", "--x-initial", "unique",
			"-Wno-fatal", "-Wno-lint", "-Wno-style", "-DSIM", "--top-module", "sp3_tb",
			"-CFLAGS", "-O1", "--Mdir", filepath.Join(tmp, "obj"), "-o", "Vsp3_tb"}
		for _, d := range defs {
			args = append(args, "-G"+d)
		}
		args = append(args, filepath.Join(tmp, "rtl3", "tb", "sp3_tb.v"))
		args = append(args, vs...)
		args = append(args, filepath.Join(tmp, "rtl3", "tb", "sp3_main.cpp"))
		return runVerilator(ctx, tmp, vl, args...)
	})
	if err != nil {
		return nil, err
	}
	return &SP3Model{Bin: bin, Cached: cached}, nil
}

// SP3Step is what htm3_sp computed in one step.
type SP3Step struct {
	Cols   []uint32
	Cycles [5]uint64 // per phase, SP3Phases' order
}

// SP3Result is a run of htm3_sp: its steps and, at the end, its memories
// (sp.pool, sp.conn, sp.duty, sp.poollen) and SP regs.
type SP3Result struct {
	Steps        []SP3Step
	Mems         map[string][]uint64
	Iter, MinOvl uint64
}

// Run runs the steps on an image (its $readmemh files are written into a
// temporary directory).
func (m *SP3Model) Run(ctx context.Context, im *image.Image, steps []Step) (*SP3Result, error) {
	work, err := os.MkdirTemp("", "htmhw-sp3-*")
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	defer os.RemoveAll(work)
	mem := filepath.Join(work, "mem")
	if _, err := im.WriteMemFiles(mem, []string{"readmemh"}); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	var in strings.Builder
	for _, s := range steps {
		l := 0
		if s.Learn {
			l = 1
		}
		fmt.Fprintf(&in, "%d %d", l, len(s.Input))
		for _, x := range s.Input {
			fmt.Fprintf(&in, " %d", x)
		}
		in.WriteString("\n")
	}
	inPath, outPath := filepath.Join(work, "in.txt"), filepath.Join(work, "out.txt")
	if err := os.WriteFile(inPath, []byte(in.String()), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	cmd := exec.CommandContext(ctx, m.Bin, "+memdir="+mem, "+in="+inPath, "+out="+outPath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("hdl: %s: %w\n%s", filepath.Base(m.Bin), err, tail(out, 4000))
	} else if strings.Contains(string(out), "%Error") || strings.Contains(string(out), "%Warning") {
		return nil, fmt.Errorf("hdl: %s reported:\n%s", filepath.Base(m.Bin), tail(out, 4000))
	}
	return readSP3(outPath)
}

func readSP3(path string) (*SP3Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	defer f.Close()
	res := &SP3Result{Mems: map[string][]uint64{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur string
	line := 0
	bad := func(err error) error { return fmt.Errorf("hdl: %s line %d: %v", path, line, err) }
	for sc.Scan() {
		line++
		t := sc.Text()
		fl := strings.Fields(t)
		switch {
		case len(fl) == 0:
		case fl[0] == "step":
			if len(fl) < 2 {
				return nil, bad(fmt.Errorf("%q", t))
			}
			n, err := strconv.Atoi(fl[1])
			if err != nil || len(fl) != 2+n {
				return nil, bad(fmt.Errorf("%q: %d columns announced", t, n))
			}
			st := SP3Step{Cols: make([]uint32, n)}
			for i := range st.Cols {
				v, err := strconv.ParseUint(fl[2+i], 10, 32)
				if err != nil {
					return nil, bad(err)
				}
				st.Cols[i] = uint32(v)
			}
			res.Steps = append(res.Steps, st)
		case fl[0] == "cyc":
			if len(fl) != 6 || len(res.Steps) == 0 {
				return nil, bad(fmt.Errorf("%q", t))
			}
			for i := range 5 {
				v, err := strconv.ParseUint(fl[1+i], 10, 64)
				if err != nil {
					return nil, bad(err)
				}
				res.Steps[len(res.Steps)-1].Cycles[i] = v
			}
		case fl[0] == "mem" && len(fl) == 3:
			cur = fl[1]
		case fl[0] == "regs" && len(fl) == 3:
			var err1, err2 error
			res.Iter, err1 = strconv.ParseUint(fl[1], 16, 64)
			res.MinOvl, err2 = strconv.ParseUint(fl[2], 16, 64)
			if err1 != nil || err2 != nil {
				return nil, bad(fmt.Errorf("%q", t))
			}
		default:
			v, err := strconv.ParseUint(fl[0], 16, 64)
			if err != nil || cur == "" {
				return nil, bad(fmt.Errorf("%q", t))
			}
			res.Mems[cur] = append(res.Mems[cur], v)
		}
	}
	return res, sc.Err()
}

// YosysStat synthesizes one module of hdl/rtl3 for the iCE40 (synth_ice40,
// with -D ICE40 for the SPRAM tiles) with its parameters set, and returns
// the cell counts of Yosys's stat.
func YosysStat(ctx context.Context, dir, top string, params map[string]int, flags ...string) (map[string]int, error) {
	vs, err := writeSources3(dir)
	if err != nil {
		return nil, err
	}
	var script strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&script, "read_verilog -sv -DICE40 %s\n", v)
	}
	if len(params) > 0 {
		script.WriteString("chparam")
		names := make([]string, 0, len(params))
		for k := range params {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			fmt.Fprintf(&script, " -set %s %d", k, params[k])
		}
		fmt.Fprintf(&script, " %s\n", top)
	}
	fmt.Fprintf(&script, "synth_ice40 -top %s %s\ntee -o stat.txt stat\n", top, strings.Join(flags, " "))
	if err := os.WriteFile(filepath.Join(dir, "run.ys"), []byte(script.String()), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	cmd := exec.CommandContext(ctx, "yosys", "-q", "run.ys")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("hdl: yosys %s: %w\n%s", top, err, tail(out, 4000))
	}
	b, err := os.ReadFile(filepath.Join(dir, "stat.txt"))
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	cells := map[string]int{}
	for _, m := range statCell.FindAllStringSubmatch(string(b), -1) {
		n, _ := strconv.Atoi(m[2])
		cells[m[1]] += n
	}
	return cells, nil
}

var statCell = regexp.MustCompile(`(?m)^\s+(SB_\w+|\$\w+)\s+(\d+)$`)

// SynthSP3 places and routes htm3_sp alone on the iCE40 UP5K: the engine
// with its memories in the pin-light host htm3_sp_top (Yosys synth_ice40
// -dsp, nextpnr-ice40 --up5k --package sg48 --freq freqMHz) in dir. The
// report counts the whole top; its error is a *FitError when the design
// does not fit or misses freqMHz.
func SynthSP3(ctx context.Context, dir string, p Params, freqMHz float64) (*SynthReport, error) {
	t0 := time.Now()
	cells, err := YosysStat(ctx, dir, "htm3_sp_top", map[string]int{"N": p.N, "C": p.C, "Q": p.Q, "B": p.B}, "-dsp", "-json", "top.json")
	if err != nil {
		return nil, err
	}
	r := &SynthReport{Target: "ice40-up5k", FreqMHz: freqMHz, Cells: cells, WorkDir: dir, SynthTime: time.Since(t0)}
	for name, n := range cells {
		switch {
		case name == "SB_LUT4":
			r.LUT += n
		case strings.HasPrefix(name, "SB_DFF"):
			r.FF += n
		case name == "SB_RAM40_4K":
			r.BRAM += n
		case name == "SB_SPRAM256KA":
			r.SPRAM += n
		case name == "SB_MAC16":
			r.DSP += n
		}
	}
	t0 = time.Now()
	out, err := runTool(ctx, dir, "nextpnr-ice40", "--up5k", "--package", "sg48", "--json", "top.json", "--asc", "top.asc",
		"--freq", strconv.FormatFloat(freqMHz, 'f', -1, 64), "--timing-allow-fail")
	r.PnRTime = time.Since(t0)
	r.readNextpnr(out)
	if err != nil {
		r.PnRMessage = lastLines(out, 20)
		if ferr := r.fit(); ferr != nil {
			return r, ferr
		}
		return r, fmt.Errorf("hdl: nextpnr-ice40: %w\n%s", err, r.PnRMessage)
	}
	r.Routed = true
	return r, r.fit()
}
