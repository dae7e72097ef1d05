package hdl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/htmhw/htmhw/image"
)

// Targets are the synthesis targets: iCE40 UP5K (Yosys, nextpnr-ice40,
// icepack), ECP5 and Xilinx 7-series (Yosys only: nextpnr-ecp5 and a
// Xilinx place-and-route are not packaged on Debian).
var Targets = []string{"ice40-up5k", "ecp5", "xilinx"}

// Boards are the tops Synth can put the accelerator in: "icebreaker" the
// iCEBreaker's board top (rtl3/icebreaker3_top.v: UART, UARTBone bridge,
// htm3_accel; boards/icebreaker.pcf), also what an empty Board means.
var Boards = []string{"icebreaker"}

// UP5K is the iCE40 UP5K's capacity (SG48 package).
var UP5K = struct{ LC, EBR, SPRAM, DSP int }{LC: 5280, EBR: 30, SPRAM: 4, DSP: 8}

// DefaultFreqMHz is the clock target when SynthOptions.FreqMHz is 0: the
// iCEBreaker's 12 MHz oscillator.
const DefaultFreqMHz = 12

// DefaultBaud is the board top's UART rate when SynthOptions.Baud is 0:
// the top's default and the driver's (serial:// without baud=).
const DefaultBaud = 115200

// SynthOptions choose the top around the accelerator and the clock target.
type SynthOptions struct {
	Board   string  // one of Boards
	Bridge  bool    // with Board "icebreaker": the bridge on a register file alone (ACCEL=0); no image needed
	FreqMHz float64 // iCE40: nextpnr's --freq, and the fmax the design must reach; 0 is DefaultFreqMHz
	Baud    int     // with Board "icebreaker": the UART's rate; 0 is DefaultBaud
	// PackOnly stops an iCE40 flow after nextpnr's packing: the logic
	// cells, EBR, SPRAM and DSP are known and checked, nothing is placed.
	PackOnly bool
	// Modules also synthesizes the design without flattening (a second
	// Yosys run) for SynthReport.Modules.
	Modules bool
	// Progress, if not nil, receives a line as each tool starts and, during
	// place and route, every ProgressEvery with nextpnr's last message.
	Progress io.Writer
}

// ProgressEvery is how often SynthOptions.Progress hears from a running
// place and route.
var ProgressEvery = time.Minute

// ModuleUse is one module's cells in a synthesis without flattening
// (Yosys stat of each module alone: a module's submodules are not in its
// counts, and a module instantiated twice with the same parameters is
// counted once). The parametrisations of a module are summed.
type ModuleUse struct {
	Module                      string
	Variants                    int // parametrisations summed
	LUT, FF, Carry, BRAM, SPRAM int
	DSP                         int
}

// SynthReport is what synthesis (and, for iCE40, place and route) found.
type SynthReport struct {
	Target     string
	FreqMHz    float64        // the clock target (iCE40)
	Cells      map[string]int // Yosys cell counts of the whole design
	LUT, FF    int            // logic cells (LUT4/LUT1-6) and flip-flops
	BRAM       int            // block RAM primitives (SB_RAM40_4K, DP16KD, RAMB18/36)
	SPRAM      int            // SB_SPRAM256KA (iCE40)
	DSP        int            // multipliers (SB_MAC16, MULT18X18D, DSP48E1)
	LC         int            // iCE40 logic cells after nextpnr's packing (LUT and flip-flop pairs), 0 if unknown
	FmaxMHz    float64        // nextpnr's estimate after routing (iCE40 only), 0 otherwise
	Routed     bool           // nextpnr placed and routed, icepack wrote Bitstream
	Bitstream  string         // the .bin (iCE40)
	SynthTime  time.Duration  // Yosys
	PnRTime    time.Duration  // nextpnr and icepack
	Log        string         // the last lines of the failing tool's log, if any
	WorkDir    string         // where the tools' files are
	PnRMessage string         // why place and route did not finish, when it did not
	Packed     bool           // iCE40: nextpnr packed the design (LC, and the pack's EBR, SPRAM, DSP, are its figures)
	Modules    []ModuleUse    // per module, largest first (SynthOptions.Modules)
	Path       CriticalPath   // iCE40, when routed: the clock's critical path after routing (what limits FmaxMHz)
}

// FitError is Synth's error when an iCE40 design does not fit the UP5K or
// misses its clock target.
type FitError struct {
	Over    []string // resources beyond the device, "what used/available"
	Packed  string   // when nextpnr packed the design and it does not fit: every resource's use
	FmaxMHz float64  // when the design was routed: its fmax ...
	FreqMHz float64  // ... against this target
}

func (e *FitError) Error() string {
	var parts []string
	if len(e.Over) > 0 {
		parts = append(parts, "does not fit the iCE40 UP5K: "+strings.Join(e.Over, ", "))
	}
	if len(e.Over) > 0 && e.Packed != "" {
		parts = append(parts, "packed by nextpnr-ice40: "+e.Packed+"; not placed and routed")
	}
	if e.FmaxMHz > 0 && e.FmaxMHz < e.FreqMHz {
		parts = append(parts, fmt.Sprintf("misses its clock target: fmax %.1f MHz < %g MHz", e.FmaxMHz, e.FreqMHz))
	}
	return "hdl: the design " + strings.Join(parts, "; ")
}

// Synth synthesizes the RTL for an image's parameters in workDir; for
// iCE40 it packs the design with nextpnr-ice40 and, when it fits the UP5K,
// places, routes and packs it into a bitstream (icepack). The board top
// (Board "icebreaker") is architecture 3's: its memories start blank (the
// host loads the image); the pin-light wrapper ("") is architecture 2's,
// its memories initialised from the image. An iCE40 design that does not
// fit the UP5K or misses the clock target returns the report and a
// *FitError; one that does not fit after packing is not placed.
func Synth(ctx context.Context, target string, im *image.Image, workDir string, opt SynthOptions) (*SynthReport, error) {
	synthCmd, err := checkSynth(target, &opt)
	if err != nil {
		return nil, err
	}
	workDir, err = filepath.Abs(workDir)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	vs, topPath, pcf, err := writeBoardSources(im, workDir, opt)
	if err != nil {
		return nil, err
	}
	rep := &SynthReport{Target: target, WorkDir: workDir}
	read := readCommand(target, workDir, vs, topPath)
	script := read + synthCmd + "\ntee -o stat.json stat -json\n"
	if err := os.WriteFile(filepath.Join(workDir, "synth.ys"), []byte(script), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	progress(opt.Progress, "yosys: synthesizing the design for %s (flattened)", target)
	t0 := time.Now()
	if out, err := runTool(ctx, workDir, "yosys", "-q", "-l", "yosys.log", "synth.ys"); err != nil {
		rep.Log = out
		return rep, fmt.Errorf("hdl: yosys: %w", err)
	}
	rep.SynthTime = time.Since(t0)
	if err := rep.readStat(filepath.Join(workDir, "stat.json")); err != nil {
		return rep, err
	}
	progress(opt.Progress, "yosys: %d LUT, %d FF, %d BRAM, %d SPRAM, %d DSP in %v", rep.LUT, rep.FF, rep.BRAM, rep.SPRAM, rep.DSP,
		rep.SynthTime.Round(time.Second))
	if opt.Modules {
		if err := rep.synthModules(ctx, read, synthCmd, opt.Progress); err != nil {
			return rep, err
		}
	}
	if target != "ice40-up5k" {
		return rep, nil
	}
	return rep, rep.placeAndRoute(ctx, pcf, opt)
}

// readCommand is the Yosys command that reads the sources vs and the top
// topPath that a flow for target wrote into workDir (boardSources): the
// board flow's and the gate-level check's (BuildGate), so that both
// synthesize the same design.
func readCommand(target, workDir string, vs []string, topPath string) string {
	defines := ""
	if target == "ice40-up5k" {
		defines = " -DICE40" // htm_spram: SB_SPRAM256KA; htm3_sp: SB_MAC16
	}
	// -defer: modules are elaborated once, with the top's parameters (not
	// also with their defaults, whose memory files may not exist).
	return fmt.Sprintf("read_verilog -defer -sv%s -I%s %s %s\n", defines, IncludeDir(workDir), strings.Join(vs, " "), topPath)
}

// progress writes a progress line, if w is not nil.
func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, "synth: "+format+"\n", args...)
	}
}

// synthModules runs the synthesis again without flattening and reads each
// module's cells.
func (r *SynthReport) synthModules(ctx context.Context, read, synthCmd string, w io.Writer) error {
	cmd := strings.Replace(synthCmd, " -json top.json", "", 1)
	if strings.HasPrefix(cmd, "synth_xilinx") {
		// synth_xilinx flattens only with -flatten and has no -noflatten
		cmd = strings.Replace(cmd, " -flatten", "", 1)
	} else {
		cmd += " -noflatten"
	}
	script := read + cmd + "\ntee -q -o modules.stat stat\n"
	if err := os.WriteFile(filepath.Join(r.WorkDir, "modules.ys"), []byte(script), 0o644); err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	progress(w, "yosys: synthesizing each module alone (-noflatten) for the per-module area")
	if out, err := runTool(ctx, r.WorkDir, "yosys", "-q", "-l", "modules.log", "modules.ys"); err != nil {
		r.Log = out
		return fmt.Errorf("hdl: yosys -noflatten: %w", err)
	}
	b, err := os.ReadFile(filepath.Join(r.WorkDir, "modules.stat"))
	if err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	r.Modules = parseModuleStat(string(b))
	return nil
}

var (
	reStatModule = regexp.MustCompile(`^=== (.+) ===$`)
	reStatCell   = regexp.MustCompile(`^\s+(\S+)\s+(\d+)$`)
)

// moduleName is a module's name without Yosys's escape and, for a
// parametrised module ($paramod\NAME\PARAM=... or $paramod$HASH\NAME),
// without the prefix and parameters.
func moduleName(n string) string {
	n = strings.TrimPrefix(n, `\`)
	rest, ok := strings.CutPrefix(n, "$paramod")
	if !ok {
		return n
	}
	for _, f := range strings.Split(rest, `\`) {
		if f != "" && !strings.HasPrefix(f, "$") {
			return f
		}
	}
	return n
}

// parseModuleStat reads Yosys's text stat of a design that is not
// flattened (the JSON one of Yosys 0.23 is not valid for every target):
// each module's LUTs, flip-flops, carries, RAMs and DSPs, largest first.
// Parametrised modules' names lose Yosys's $paramod prefix and parameters,
// and a module's parametrisations are summed.
func parseModuleStat(s string) []ModuleUse {
	var out []*ModuleUse
	by := map[string]*ModuleUse{}
	var cur *ModuleUse
	for _, line := range strings.Split(s, "\n") {
		if m := reStatModule.FindStringSubmatch(line); m != nil {
			if m[1] == "design hierarchy" {
				cur = nil
				continue
			}
			name := moduleName(m[1])
			if cur = by[name]; cur == nil {
				cur = &ModuleUse{Module: name}
				by[name] = cur
				out = append(out, cur)
			}
			cur.Variants++
			continue
		}
		m := reStatCell.FindStringSubmatch(line)
		if cur == nil || m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		if p := cur.field(m[1]); p != nil {
			*p += n
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].LUT+out[i].FF > out[j].LUT+out[j].FF
	})
	res := make([]ModuleUse, len(out))
	for i, m := range out {
		res[i] = *m
	}
	return res
}

// checkSynth checks the target and options, fills in the default clock,
// and returns the target's Yosys synthesis command.
func checkSynth(target string, opt *SynthOptions) (string, error) {
	synthCmd := map[string]string{
		// -dsp: the duty-cycle and minimum-duty multipliers go to SB_MAC16s
		// (about 2,300 LUTs otherwise).
		"ice40-up5k": "synth_ice40 -dsp -top top -json top.json",
		"ecp5":       "synth_ecp5 -top top -json top.json",
		"xilinx":     "synth_xilinx -flatten -top top -family xc7", // unflattened, Yosys 0.23 writes invalid stat -json
	}[target]
	if synthCmd == "" {
		return "", fmt.Errorf("hdl: unknown target %q (have %s)", target, strings.Join(Targets, ", "))
	}
	if opt.Board == "" {
		opt.Board = "icebreaker"
	}
	if opt.Board != "icebreaker" {
		return "", fmt.Errorf("hdl: unknown board %q (have icebreaker)", opt.Board)
	}
	if opt.Bridge && opt.Board != "icebreaker" {
		return "", errors.New("hdl: the bridge alone needs the icebreaker board")
	}
	if opt.FreqMHz == 0 {
		opt.FreqMHz = DefaultFreqMHz
	}
	if opt.Baud == 0 {
		opt.Baud = DefaultBaud
	}
	if opt.Board == "icebreaker" && (opt.Baud < 0 || 4*opt.Baud > BoardClockHz) {
		return "", fmt.Errorf("hdl: baud %d: the board's UART needs at least 4 clocks of its %d Hz a bit", opt.Baud, BoardClockHz)
	}
	if _, err := exec.LookPath("yosys"); err != nil {
		return "", errors.New("hdl: yosys not found on PATH (Debian: apt-get install yosys)")
	}
	return synthCmd, nil
}

// boardSources writes the sources into dir (WriteSources) and returns the
// board top's Verilog files: all but the engines' own test tops and
// place-and-route wrappers.
func boardSources(dir string) ([]string, error) {
	all, err := WriteSources(dir)
	if err != nil {
		return nil, err
	}
	var vs []string
	for _, f := range all {
		if b := filepath.Base(f); b == "icebreaker3_top.v" || !(strings.HasSuffix(b, "_top.v") || strings.HasSuffix(b, "_synth.v")) {
			vs = append(vs, f)
		}
	}
	return vs, nil
}

// writeBoardSources writes architecture 3's RTL and a top module around
// the iCEBreaker's board top (rtl3/icebreaker3_top.v) for the image's
// parameters (none with Bridge: the register file) into workDir. It
// returns the sources, the top's path and the board's pin constraints.
func writeBoardSources(im *image.Image, workDir string, opt SynthOptions) (vs []string, topPath, pcf string, err error) {
	ps := []string{"ACCEL=0"}
	if !opt.Bridge {
		if im == nil {
			return nil, "", "", errors.New("hdl: no image to synthesize")
		}
		p, err := ParamsOf(im)
		if err != nil {
			return nil, "", "", err
		}
		ps = append([]string{"ACCEL=1"}, p.Defines()...)
	}
	ps = append(ps, "CLK_HZ="+strconv.Itoa(BoardClockHz), "BAUD="+strconv.Itoa(opt.Baud))
	if vs, err = boardSources(workDir); err != nil {
		return nil, "", "", err
	}
	for i, d := range ps {
		k, v, _ := strings.Cut(d, "=")
		ps[i] = fmt.Sprintf(".%s(%s)", k, v)
	}
	top := fmt.Sprintf("module top(input wire clk, input wire btn_n, input wire uart_rx, output wire uart_tx, "+
		"output wire led_r_n, output wire led_g_n);\n"+
		"  icebreaker3_top #(%s) u(clk, btn_n, uart_rx, uart_tx, led_r_n, led_g_n);\nendmodule\n", strings.Join(ps, ", "))
	b, err := sources.ReadFile("boards/icebreaker.pcf")
	if err != nil {
		return nil, "", "", fmt.Errorf("hdl: %w", err)
	}
	topPath = filepath.Join(workDir, "top.v")
	if err := os.WriteFile(topPath, []byte(top), 0o644); err != nil {
		return nil, "", "", fmt.Errorf("hdl: %w", err)
	}
	return vs, topPath, string(b), nil
}

// placeAndRoute packs the synthesized netlist in r.WorkDir with
// nextpnr-ice40 (UP5K, sg48) and checks the fit; when it fits (and not
// opt.PackOnly), it places and routes it for opt.FreqMHz and packs the
// bitstream with icepack.
func (r *SynthReport) placeAndRoute(ctx context.Context, pcf string, opt SynthOptions) error {
	r.FreqMHz = opt.FreqMHz
	if _, err := exec.LookPath("nextpnr-ice40"); err != nil {
		r.PnRMessage = "nextpnr-ice40 not found on PATH (Debian: apt-get install nextpnr-ice40 fpga-icestorm)"
		return r.fit()
	}
	t0 := time.Now()
	defer func() { r.PnRTime = time.Since(t0) }()
	if err := os.WriteFile(filepath.Join(r.WorkDir, "top.pcf"), []byte(pcf), 0o644); err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	args := []string{"--up5k", "--package", "sg48", "--json", "top.json", "--pcf", "top.pcf"}
	progress(opt.Progress, "nextpnr-ice40: packing (--pack-only)")
	out, err := runTool(ctx, r.WorkDir, "nextpnr-ice40", append(args, "--pack-only", "--log", "pack.log", "--quiet")...)
	log, _ := os.ReadFile(filepath.Join(r.WorkDir, "pack.log"))
	r.readNextpnr(string(log))
	if err != nil {
		r.PnRMessage = "nextpnr-ice40 --pack-only failed: " + lastLines(out, 6)
		r.Log = lastLines(out, 20)
		return fmt.Errorf("hdl: nextpnr-ice40 --pack-only: %w", err)
	}
	r.Packed = true
	progress(opt.Progress, "packed: %d/%d logic cells (%d%%), %d/%d EBR, %d/%d SPRAM, %d/%d DSP", r.LC, UP5K.LC,
		percent(r.LC, UP5K.LC), r.BRAM, UP5K.EBR, r.SPRAM, UP5K.SPRAM, r.DSP, UP5K.DSP)
	if err := r.fit(); err != nil {
		r.PnRMessage = "the packed design does not fit the UP5K: not placed"
		return err
	}
	if opt.PackOnly {
		r.PnRMessage = "packed only (not placed)"
		return nil
	}
	progress(opt.Progress, "nextpnr-ice40: placing and routing for %g MHz (minutes: about 2 for small's board top)", opt.FreqMHz)
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				b, _ := os.ReadFile(filepath.Join(r.WorkDir, "nextpnr.log"))
				progress(opt.Progress, "nextpnr-ice40: %v: %s", time.Since(t0).Round(time.Second), lastLines(string(b), 1))
			}
		}
	}()
	out, err = runTool(ctx, r.WorkDir, "nextpnr-ice40", append(args, "--asc", "top.asc",
		"--freq", strconv.FormatFloat(opt.FreqMHz, 'g', -1, 64), "--log", "nextpnr.log", "--quiet")...)
	close(done)
	log, _ = os.ReadFile(filepath.Join(r.WorkDir, "nextpnr.log"))
	r.readNextpnr(string(log))
	if err == nil {
		r.Path, _ = ParseCriticalPath(string(log)) // (none: the report says so)
	}
	if err != nil {
		r.PnRMessage = "nextpnr-ice40 failed: " + lastLines(out, 6)
		if ferr := r.fit(); ferr != nil {
			return ferr
		}
		r.Log = lastLines(out, 20)
		return fmt.Errorf("hdl: nextpnr-ice40: %w", err)
	}
	progress(opt.Progress, "routed: fmax %.1f MHz (target %g MHz)", r.FmaxMHz, opt.FreqMHz)
	if _, err := exec.LookPath("icepack"); err == nil {
		if out, err := runTool(ctx, r.WorkDir, "icepack", "top.asc", "top.bin"); err != nil {
			r.PnRMessage = "icepack failed: " + lastLines(out, 6)
		} else {
			r.Routed, r.Bitstream = true, filepath.Join(r.WorkDir, "top.bin")
		}
	} else {
		r.PnRMessage = "icepack not found on PATH (Debian: apt-get install fpga-icestorm)"
	}
	return r.fit()
}

// percent is used/avail in whole percent, rounded up.
func percent(used, avail int) int { return (100*used + avail - 1) / avail }

// fit checks an iCE40 report against the UP5K and the clock target.
func (r *SynthReport) fit() error {
	e := &FitError{FreqMHz: r.FreqMHz}
	over := func(what string, used, avail int) {
		if used > avail {
			e.Over = append(e.Over, fmt.Sprintf("%s %d/%d", what, used, avail))
		}
	}
	over("logic cells", r.LC, UP5K.LC)
	over("EBR (SB_RAM40_4K)", r.BRAM, UP5K.EBR)
	over("SPRAM", r.SPRAM, UP5K.SPRAM)
	over("DSP (SB_MAC16)", r.DSP, UP5K.DSP)
	if r.LC == 0 && r.LUT > UP5K.LC { // not packed: every LUT needs a logic cell
		e.Over = append(e.Over, fmt.Sprintf("LUTs %d/%d logic cells", r.LUT, UP5K.LC))
	}
	if r.Routed && r.FmaxMHz < r.FreqMHz {
		e.FmaxMHz = r.FmaxMHz
	}
	if r.Packed {
		e.Packed = fmt.Sprintf("logic cells %d/%d (%d%%), EBR %d/%d, SPRAM %d/%d, DSP %d/%d", r.LC, UP5K.LC,
			percent(r.LC, UP5K.LC), r.BRAM, UP5K.EBR, r.SPRAM, UP5K.SPRAM, r.DSP, UP5K.DSP)
	}
	if len(e.Over) == 0 && e.FmaxMHz == 0 {
		return nil
	}
	return e
}

var (
	reFmax = regexp.MustCompile(`Max frequency for clock[^:]*: ([0-9.]+) MHz`)
	reUtil = regexp.MustCompile(`(ICESTORM_LC|ICESTORM_RAM|ICESTORM_SPRAM|ICESTORM_DSP):\s+(\d+)/\s*(\d+)`)
)

// readNextpnr reads the logic cells, EBR, SPRAM and DSP in use and the
// fmax after routing from nextpnr's log.
func (r *SynthReport) readNextpnr(log string) {
	for _, m := range reUtil.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[2])
		switch m[1] {
		case "ICESTORM_LC":
			r.LC = n
		case "ICESTORM_RAM":
			r.BRAM = n
		case "ICESTORM_SPRAM":
			r.SPRAM = n
		case "ICESTORM_DSP":
			r.DSP = n
		}
	}
	for _, m := range reFmax.FindAllStringSubmatch(log, -1) {
		r.FmaxMHz, _ = strconv.ParseFloat(m[1], 64) // the last report is after routing
	}
}

func runTool(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// readStat reads Yosys's stat -json of the top design.
func (r *SynthReport) readStat(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	// tee -o also captures nothing else than the JSON (stat -json prints it alone).
	type counts struct {
		NumCellsByType map[string]int `json:"num_cells_by_type"`
	}
	var st struct {
		Modules map[string]counts `json:"modules"`
		Design  counts            `json:"design"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("hdl: yosys stat: %w", err)
	}
	r.Cells = st.Design.NumCellsByType
	if len(r.Cells) == 0 { // a flat design: the top module's counts
		r.Cells = st.Modules[`\top`].NumCellsByType
	}
	var u ModuleUse
	for name, n := range r.Cells {
		if p := u.field(name); p != nil {
			*p += n
		}
	}
	r.LUT, r.FF, r.BRAM, r.SPRAM, r.DSP = u.LUT, u.FF, u.BRAM, u.SPRAM, u.DSP
	return nil
}

// String formats the report: the synthesis counts, for iCE40 the UP5K's
// resources in use and the place and route's outcome (fmax, bitstream),
// for other targets that fmax is unknown, then the cells by type and, if
// synthesized, each module's.
func (r *SynthReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s: %d LUT, %d FF, %d BRAM, %d SPRAM, %d DSP (yosys %v)\n", r.Target, r.LUT, r.FF, r.BRAM,
		r.SPRAM, r.DSP, r.SynthTime.Round(time.Millisecond))
	if r.Target == "ice40-up5k" {
		how := "yosys, not packed"
		lc := "?"
		if r.LC > 0 {
			lc = fmt.Sprintf("%d/%d (%d%%)", r.LC, UP5K.LC, percent(r.LC, UP5K.LC))
		}
		if r.Packed {
			how = "nextpnr-ice40 pack"
		}
		fmt.Fprintf(&b, "UP5K use (%s): logic cells %s, EBR %d/%d, SPRAM %d/%d, DSP %d/%d\n", how, lc, r.BRAM, UP5K.EBR,
			r.SPRAM, UP5K.SPRAM, r.DSP, UP5K.DSP)
		if r.Routed {
			fmt.Fprintf(&b, "placed and routed: fmax %.1f MHz (target %g MHz; nextpnr and icepack %v), bitstream %s\n",
				r.FmaxMHz, r.FreqMHz, r.PnRTime.Round(time.Millisecond), r.Bitstream)
			if r.Path.To != "" {
				fmt.Fprintf(&b, "critical path: %.1f ns logic + %.1f ns routing, %s\n", r.Path.LogicNs, r.Path.RoutingNs,
					r.Path.Route())
			} else {
				fmt.Fprintf(&b, "critical path: not found in nextpnr's log\n")
			}
		} else {
			fmt.Fprintf(&b, "not placed and routed: %s\n", r.PnRMessage)
		}
	} else {
		fmt.Fprintf(&b, "fmax: unknown (synthesis only: no open place and route for %s here)\n", r.Target)
	}
	var names []string
	for n := range r.Cells {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-20s %d\n", n, r.Cells[n])
	}
	if len(r.Modules) > 0 {
		fmt.Fprintf(&b, "per module (yosys -noflatten; each module alone, without its submodules; its parametrisations summed):\n"+
			"  %-24s %6s %6s %6s %5s %5s %5s\n", "module", "LUT", "FF", "CARRY", "BRAM", "SPRAM", "DSP")
		for _, m := range r.Modules {
			name := m.Module
			if m.Variants > 1 {
				name = fmt.Sprintf("%s (%d)", name, m.Variants)
			}
			fmt.Fprintf(&b, "  %-24s %6d %6d %6d %5d %5d %5d\n", name, m.LUT, m.FF, m.Carry, m.BRAM, m.SPRAM, m.DSP)
		}
	}
	return b.String()
}

// field returns the count of u that a synthesized cell of type c (any
// target's: iCE40, ECP5, Xilinx 7-series) adds to, or nil for other cells.
func (u *ModuleUse) field(c string) *int {
	switch {
	case c == "SB_LUT4" || strings.HasPrefix(c, "LUT") || c == "TRELLIS_COMB":
		return &u.LUT
	case strings.HasPrefix(c, "SB_DFF") || strings.HasPrefix(c, "FD") || c == "TRELLIS_FF":
		return &u.FF
	case c == "SB_CARRY" || c == "CARRY4" || c == "CCU2C":
		return &u.Carry
	case c == "SB_RAM40_4K" || c == "DP16KD" || strings.HasPrefix(c, "RAMB"):
		return &u.BRAM
	case c == "SB_SPRAM256KA":
		return &u.SPRAM
	case c == "SB_MAC16" || strings.HasPrefix(c, "MULT18") || strings.HasPrefix(c, "DSP48"):
		return &u.DSP
	}
	return nil
}
