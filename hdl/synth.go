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

// SynthReport is what synthesis (and, for iCE40, place and route) found.
type SynthReport struct {
	Target     string
	Cells      map[string]int // Yosys cell counts of the whole design
	LUT, FF    int            // logic cells (LUT4/LUT1-6) and flip-flops
	BRAM       int            // block RAM primitives (SB_RAM40_4K, DP16KD, RAMB18/36)
	SPRAM      int            // SB_SPRAM256KA (iCE40)
	DSP        int            // multipliers (SB_MAC16, MULT18X18D, DSP48E1)
	FmaxMHz    float64        // nextpnr's estimate (iCE40 only), 0 otherwise
	Routed     bool           // nextpnr placed and routed, icepack wrote Bitstream
	Bitstream  string         // the .bin (iCE40)
	SynthTime  time.Duration  // Yosys
	PnRTime    time.Duration  // nextpnr and icepack
	Log        string         // the last lines of the failing tool's log, if any
	WorkDir    string         // where the tools' files are
	PnRMessage string         // why place and route did not finish, when it did not
}

// Synth synthesizes the RTL for an image's parameters, with its memories
// as the RAMs' initial contents, in workDir.
func Synth(ctx context.Context, target string, im *image.Image, workDir string) (*SynthReport, error) {
	synthCmd := map[string]string{
		"ice40-up5k": "synth_ice40 -top top -json top.json",
		"ecp5":       "synth_ecp5 -top top -json top.json",
		"xilinx":     "synth_xilinx -top top -family xc7",
	}[target]
	if synthCmd == "" {
		return nil, fmt.Errorf("hdl: unknown target %q (have %s)", target, strings.Join(Targets, ", "))
	}
	if _, err := exec.LookPath("yosys"); err != nil {
		return nil, errors.New("hdl: yosys not found on PATH (Debian: apt-get install yosys)")
	}
	p, err := ParamsOf(im)
	if err != nil {
		return nil, err
	}
	workDir, err = filepath.Abs(workDir)
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	memDir := filepath.Join(workDir, "mem")
	if err := WriteMemFiles(im, memDir); err != nil {
		return nil, err
	}
	vs, err := WriteSources(workDir)
	if err != nil {
		return nil, err
	}
	var ps []string
	for _, d := range p.Defines() {
		k, v, _ := strings.Cut(d, "=")
		ps = append(ps, fmt.Sprintf(".%s(%s)", k, v))
	}
	top := fmt.Sprintf("module top(input wire clk, input wire rst, input wire sck, input wire sdi, input wire cs_n, output wire sdo);\n"+
		"  htm_synth_top #(%s, .MEM_DIR(%q)) u(clk, rst, sck, sdi, cs_n, sdo);\nendmodule\n", strings.Join(ps, ", "), memDir)
	topPath := filepath.Join(workDir, "top.v")
	if err := os.WriteFile(topPath, []byte(top), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	rep := &SynthReport{Target: target, WorkDir: workDir}
	script := fmt.Sprintf("read_verilog -sv %s %s\n%s\ntee -o stat.json stat -json\n", strings.Join(vs, " "), topPath, synthCmd)
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
	if _, err := exec.LookPath("nextpnr-ice40"); err != nil {
		rep.PnRMessage = "nextpnr-ice40 not found on PATH (Debian: apt-get install nextpnr-ice40 fpga-icestorm)"
		return rep, nil
	}
	t0 = time.Now()
	pcf := "set_io clk 35\nset_io rst 10\nset_io sck 12\nset_io sdi 13\nset_io cs_n 11\nset_io sdo 14\n"
	if err := os.WriteFile(filepath.Join(workDir, "top.pcf"), []byte(pcf), 0o644); err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	out, err := runTool(ctx, workDir, "nextpnr-ice40", "--up5k", "--package", "sg48", "--json", "top.json",
		"--pcf", "top.pcf", "--asc", "top.asc", "--freq", "24", "--log", "nextpnr.log", "--quiet")
	if err != nil {
		rep.PnRMessage = "nextpnr-ice40 failed: " + lastLines(out, 6)
		rep.PnRTime = time.Since(t0)
		return rep, nil
	}
	if b, err := os.ReadFile(filepath.Join(workDir, "nextpnr.log")); err == nil {
		re := regexp.MustCompile(`Max frequency for clock[^:]*: ([0-9.]+) MHz`)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			rep.FmaxMHz, _ = strconv.ParseFloat(m[1], 64) // the last report is after routing
		}
	}
	if _, err := exec.LookPath("icepack"); err == nil {
		if out, err := runTool(ctx, workDir, "icepack", "top.asc", "top.bin"); err != nil {
			rep.PnRMessage = "icepack failed: " + lastLines(out, 6)
		} else {
			rep.Routed, rep.Bitstream = true, filepath.Join(workDir, "top.bin")
		}
	}
	rep.PnRTime = time.Since(t0)
	return rep, nil
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
		if r.Routed {
			fmt.Fprintf(&b, "placed and routed: fmax %.1f MHz (nextpnr and icepack %v), bitstream %s\n", r.FmaxMHz,
				r.PnRTime.Round(time.Millisecond), r.Bitstream)
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
