package hdl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Boards are the tops Synth can put the accelerator in: "" the pin-light
// serial wrapper (rtl/htm_synth_top.v), "icebreaker" the iCEBreaker top
// (rtl/icebreaker_top.v, UARTBone bridge, boards/icebreaker.pcf).
var Boards = []string{"", "icebreaker"}

// UP5K is the iCE40 UP5K's capacity (SG48 package).
var UP5K = struct{ LC, EBR, SPRAM, DSP int }{LC: 5280, EBR: 30, SPRAM: 4, DSP: 8}

// DefaultFreqMHz is the clock target when SynthOptions.FreqMHz is 0: the
// iCEBreaker's 12 MHz oscillator.
const DefaultFreqMHz = 12

// SynthOptions choose the top around the accelerator and the clock target.
type SynthOptions struct {
	Board   string  // one of Boards
	Bridge  bool    // with Board "icebreaker": the bridge on a register file alone (ACCEL=0); no image needed
	FreqMHz float64 // iCE40: nextpnr's --freq, and the fmax the design must reach; 0 is DefaultFreqMHz
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
}

// FitError is Synth's error when an iCE40 design does not fit the UP5K or
// misses its clock target.
type FitError struct {
	Over    []string // resources beyond the device, "what used/available"
	FmaxMHz float64  // when the design was routed: its fmax ...
	FreqMHz float64  // ... against this target
}

func (e *FitError) Error() string {
	var parts []string
	if len(e.Over) > 0 {
		parts = append(parts, "does not fit the iCE40 UP5K: "+strings.Join(e.Over, ", "))
	}
	if e.FmaxMHz > 0 && e.FmaxMHz < e.FreqMHz {
		parts = append(parts, fmt.Sprintf("misses its clock target: fmax %.1f MHz < %g MHz", e.FmaxMHz, e.FreqMHz))
	}
	return "hdl: the design " + strings.Join(parts, "; ")
}

// Synth synthesizes the RTL for an image's parameters, with its memories
// as the RAMs' initial contents, in workDir; for iCE40 it places, routes
// and packs it. An iCE40 design that does not fit the UP5K or misses the
// clock target returns the report and a *FitError.
func Synth(ctx context.Context, target string, im *image.Image, workDir string, opt SynthOptions) (*SynthReport, error) {
	synthCmd, err := checkSynth(target, &opt)
	if err != nil {
		return nil, err
	}
	workDir, err = filepath.Abs(workDir)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	vs, topPath, pcf, err := writeSynthSources(im, workDir, opt)
	if err != nil {
		return nil, err
	}
	rep := &SynthReport{Target: target, WorkDir: workDir}
	// -defer: modules are elaborated once, with the top's parameters (not
	// also with their defaults, whose memory files may not exist).
	script := fmt.Sprintf("read_verilog -defer -sv -I%s %s %s\n%s\ntee -o stat.json stat -json\n",
		IncludeDir(workDir), strings.Join(vs, " "), topPath, synthCmd)
	if err := os.WriteFile(filepath.Join(workDir, "synth.ys"), []byte(script), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	t0 := time.Now()
	if out, err := runTool(ctx, workDir, "yosys", "-q", "-l", "yosys.log", "synth.ys"); err != nil {
		rep.Log = out
		return rep, fmt.Errorf("hdl: yosys: %w", err)
	}
	rep.SynthTime = time.Since(t0)
	if err := rep.readStat(filepath.Join(workDir, "stat.json")); err != nil {
		return rep, err
	}
	if target != "ice40-up5k" {
		return rep, nil
	}
	return rep, rep.placeAndRoute(ctx, pcf, opt.FreqMHz)
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
	if opt.Board != "" && opt.Board != "icebreaker" {
		return "", fmt.Errorf("hdl: unknown board %q (have icebreaker)", opt.Board)
	}
	if opt.Bridge && opt.Board != "icebreaker" {
		return "", errors.New("hdl: the bridge alone needs the icebreaker board")
	}
	if opt.FreqMHz == 0 {
		opt.FreqMHz = DefaultFreqMHz
	}
	if _, err := exec.LookPath("yosys"); err != nil {
		return "", errors.New("hdl: yosys not found on PATH (Debian: apt-get install yosys)")
	}
	return synthCmd, nil
}

// writeSynthSources writes the RTL, the image's memory files and a top
// module for the board (or the pin-light synthesis top) into workDir. It
// returns the sources, the top's path and the pin constraints.
func writeSynthSources(im *image.Image, workDir string, opt SynthOptions) (vs []string, topPath, pcf string, err error) {
	memDir := filepath.Join(workDir, "mem")
	var ps []string
	if !opt.Bridge {
		if im == nil {
			return nil, "", "", errors.New("hdl: no image to synthesize")
		}
		p, err := ParamsOf(im)
		if err != nil {
			return nil, "", "", err
		}
		if err := WriteMemFiles(im, memDir); err != nil {
			return nil, "", "", err
		}
		for _, d := range p.Defines() {
			k, v, _ := strings.Cut(d, "=")
			ps = append(ps, fmt.Sprintf(".%s(%s)", k, v))
		}
	}
	if vs, err = WriteSources(workDir); err != nil {
		return nil, "", "", err
	}
	ps = append(ps, fmt.Sprintf(".MEM_DIR(%q)", memDir))
	var top string
	if opt.Board == "icebreaker" {
		accel := 1
		if opt.Bridge {
			accel = 0
		}
		top = fmt.Sprintf("module top(input wire clk, input wire btn_n, input wire uart_rx, output wire uart_tx, "+
			"output wire led_r_n, output wire led_g_n);\n"+
			"  icebreaker_top #(.ACCEL(%d), .CLK_HZ(12000000), %s) u(clk, btn_n, uart_rx, uart_tx, led_r_n, led_g_n);\nendmodule\n",
			accel, strings.Join(ps, ", "))
		b, err := sources.ReadFile("boards/icebreaker.pcf")
		if err != nil {
			return nil, "", "", fmt.Errorf("hdl: %w", err)
		}
		pcf = string(b)
	} else {
		top = fmt.Sprintf("module top(input wire clk, input wire rst, input wire sck, input wire sdi, input wire cs_n, output wire sdo);\n"+
			"  htm_synth_top #(%s) u(clk, rst, sck, sdi, cs_n, sdo);\nendmodule\n", strings.Join(ps, ", "))
		pcf = "set_io clk 35\nset_io rst 10\nset_io sck 12\nset_io sdi 13\nset_io cs_n 11\nset_io sdo 14\n"
	}
	topPath = filepath.Join(workDir, "top.v")
	if err := os.WriteFile(topPath, []byte(top), 0o644); err != nil {
		return nil, "", "", fmt.Errorf("hdl: %w", err)
	}
	return vs, topPath, pcf, nil
}

// placeAndRoute runs nextpnr-ice40 (UP5K, sg48) and icepack on the
// synthesized netlist in r.WorkDir and checks the fit.
func (r *SynthReport) placeAndRoute(ctx context.Context, pcf string, freqMHz float64) error {
	r.FreqMHz = freqMHz
	if _, err := exec.LookPath("nextpnr-ice40"); err != nil {
		r.PnRMessage = "nextpnr-ice40 not found on PATH (Debian: apt-get install nextpnr-ice40 fpga-icestorm)"
		return r.fit()
	}
	t0 := time.Now()
	if err := os.WriteFile(filepath.Join(r.WorkDir, "top.pcf"), []byte(pcf), 0o644); err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	out, err := runTool(ctx, r.WorkDir, "nextpnr-ice40", "--up5k", "--package", "sg48", "--json", "top.json",
		"--pcf", "top.pcf", "--asc", "top.asc", "--freq", strconv.FormatFloat(freqMHz, 'g', -1, 64),
		"--log", "nextpnr.log", "--quiet")
	log, _ := os.ReadFile(filepath.Join(r.WorkDir, "nextpnr.log"))
	r.readNextpnr(string(log))
	if err != nil {
		r.PnRMessage = "nextpnr-ice40 failed: " + lastLines(out, 6)
		r.PnRTime = time.Since(t0)
		if ferr := r.fit(); ferr != nil {
			return ferr
		}
		r.Log = lastLines(out, 20)
		return fmt.Errorf("hdl: nextpnr-ice40: %w", err)
	}
	if _, err := exec.LookPath("icepack"); err == nil {
		if out, err := runTool(ctx, r.WorkDir, "icepack", "top.asc", "top.bin"); err != nil {
			r.PnRMessage = "icepack failed: " + lastLines(out, 6)
		} else {
			r.Routed, r.Bitstream = true, filepath.Join(r.WorkDir, "top.bin")
		}
	} else {
		r.PnRMessage = "icepack not found on PATH (Debian: apt-get install fpga-icestorm)"
	}
	r.PnRTime = time.Since(t0)
	return r.fit()
}

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
	if len(e.Over) == 0 && e.FmaxMHz == 0 {
		return nil
	}
	return e
}

var (
	reFmax = regexp.MustCompile(`Max frequency for clock[^:]*: ([0-9.]+) MHz`)
	reUtil = regexp.MustCompile(`(ICESTORM_LC|ICESTORM_RAM|ICESTORM_SPRAM|ICESTORM_DSP):\s+(\d+)/\s*(\d+)`)
)

// readNextpnr reads the logic-cell use and the fmax after routing from
// nextpnr's log.
func (r *SynthReport) readNextpnr(log string) {
	for _, m := range reUtil.FindAllStringSubmatch(log, -1) {
		if m[1] == "ICESTORM_LC" {
			r.LC, _ = strconv.Atoi(m[2])
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
	for name, n := range r.Cells {
		switch {
		case name == "SB_LUT4" || strings.HasPrefix(name, "LUT") || name == "TRELLIS_COMB":
			r.LUT += n
		case strings.HasPrefix(name, "SB_DFF") || strings.HasPrefix(name, "FD") || name == "TRELLIS_FF":
			r.FF += n
		case name == "SB_RAM40_4K" || name == "DP16KD" || strings.HasPrefix(name, "RAMB"):
			r.BRAM += n
		case name == "SB_SPRAM256KA":
			r.SPRAM += n
		case name == "SB_MAC16" || strings.HasPrefix(name, "MULT18") || strings.HasPrefix(name, "DSP48"):
			r.DSP += n
		}
	}
	return nil
}

// String formats the report.
func (r *SynthReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s: %d LUT, %d FF, %d BRAM, %d SPRAM, %d DSP (yosys %v)\n", r.Target, r.LUT, r.FF, r.BRAM,
		r.SPRAM, r.DSP, r.SynthTime.Round(time.Millisecond))
	if r.Target == "ice40-up5k" {
		lc := "?"
		if r.LC > 0 {
			lc = strconv.Itoa(r.LC)
		}
		fmt.Fprintf(&b, "UP5K use: %s/%d logic cells, %d/%d EBR, %d/%d SPRAM, %d/%d DSP\n", lc, UP5K.LC, r.BRAM, UP5K.EBR,
			r.SPRAM, UP5K.SPRAM, r.DSP, UP5K.DSP)
		if r.Routed {
			fmt.Fprintf(&b, "placed and routed: fmax %.1f MHz (target %g MHz; nextpnr and icepack %v), bitstream %s\n",
				r.FmaxMHz, r.FreqMHz, r.PnRTime.Round(time.Millisecond), r.Bitstream)
		} else {
			fmt.Fprintf(&b, "not placed and routed: %s\n", r.PnRMessage)
		}
	}
	var names []string
	for n := range r.Cells {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  %-20s %d\n", n, r.Cells[n])
	}
	return b.String()
}
