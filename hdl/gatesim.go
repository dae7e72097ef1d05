package hdl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GateCellsSim returns Yosys's simulation models of the iCE40 primitives
// (ice40/cells_sim.v: SB_LUT4, SB_CARRY, SB_DFF*, SB_RAM40_4K,
// SB_SPRAM256KA, SB_MAC16), from `yosys-config --datdir` or, without
// yosys-config (Debian's yosys has none), from share/yosys beside the
// yosys binary.
func GateCellsSim() (string, error) {
	var dirs []string
	if out, err := exec.Command("yosys-config", "--datdir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	y, err := exec.LookPath("yosys")
	if err != nil {
		return "", errors.New("hdl: yosys not found on PATH (Debian: apt-get install yosys)")
	}
	if r, err := filepath.EvalSymlinks(y); err == nil {
		y = r
	}
	dirs = append(dirs, filepath.Join(filepath.Dir(filepath.Dir(y)), "share", "yosys"))
	for _, d := range dirs {
		f := filepath.Join(d, "ice40", "cells_sim.v")
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", fmt.Errorf("hdl: Yosys's ice40/cells_sim.v not found under %s", strings.Join(dirs, " or "))
}

// gateTop is the module the gate-level netlist's top is: htm3_accel for
// the parameters p, with htm3_accel's ports, so that the harness drives
// the netlist as it drives the RTL. It is named "top", the board flow's
// top (checkSynth's -top top).
func gateTop(p Params) string {
	var ps []string
	for _, d := range p.Defines() {
		k, v, _ := strings.Cut(d, "=")
		ps = append(ps, fmt.Sprintf(".%s(%s)", k, v))
	}
	return fmt.Sprintf("module top(input wire clk, input wire rst, input wire wb_cyc_i, input wire wb_stb_i, "+
		"input wire wb_we_i, input wire [13:0] wb_adr_i, input wire [31:0] wb_dat_i, input wire [3:0] wb_sel_i, "+
		"output wire [31:0] wb_dat_o, output wire wb_ack_o);\n"+
		"  htm3_accel #(%s) u(.clk(clk), .rst(rst), .wb_cyc_i(wb_cyc_i), .wb_stb_i(wb_stb_i), .wb_we_i(wb_we_i), "+
		".wb_adr_i(wb_adr_i), .wb_dat_i(wb_dat_i), .wb_sel_i(wb_sel_i), .wb_dat_o(wb_dat_o), .wb_ack_o(wb_ack_o));\n"+
		"endmodule\n", strings.Join(ps, ", "))
}

// GateNetlist synthesizes htm3_accel for the parameters p as the board
// flow does (Synth for ice40-up5k: the board's sources, -DICE40, the same
// synth_ice40 command) into dir and writes the flattened netlist of iCE40
// primitives, dir/netlist.v (write_verilog -noattr). It returns its path.
func GateNetlist(ctx context.Context, p Params, dir string) (string, error) {
	synthCmd, err := checkSynth("ice40-up5k", &SynthOptions{})
	if err != nil {
		return "", err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("hdl: %w", err)
	}
	vs, err := boardSources(dir)
	if err != nil {
		return "", err
	}
	topPath := filepath.Join(dir, "gate_top.v")
	if err := os.WriteFile(topPath, []byte(gateTop(p)), 0o644); err != nil {
		return "", fmt.Errorf("hdl: %w", err)
	}
	script := readCommand("ice40-up5k", dir, vs, topPath) + synthCmd + "\nwrite_verilog -noattr netlist.v\n"
	if err := os.WriteFile(filepath.Join(dir, "gate.ys"), []byte(script), 0o644); err != nil {
		return "", fmt.Errorf("hdl: %w", err)
	}
	if out, err := runTool(ctx, dir, "nice", "yosys", "-q", "-l", "gate.log", "gate.ys"); err != nil {
		return "", fmt.Errorf("hdl: yosys (gate-level netlist): %w\n%s", err, lastLines(out, 20))
	}
	netlist := filepath.Join(dir, "netlist.v")
	b, err := os.ReadFile(netlist)
	if err != nil {
		return "", fmt.Errorf("hdl: %w", err)
	}
	// The point of the netlist is the code under ICE40: without it (a
	// define lost on the way) the check would pass on the behavioural RTL.
	if !strings.Contains(string(b), "SB_SPRAM256KA ") {
		return "", fmt.Errorf("hdl: %s has no SB_SPRAM256KA: htm_spram's ICE40 tiles are not in it", netlist)
	}
	return netlist, nil
}

// BuildGate synthesizes htm3_accel for the parameters p into iCE40
// primitives as the board flow does (GateNetlist: -DICE40, so the
// SB_MAC16, SB_SPRAM256KA and other ICE40-only code is what runs, and
// Yosys's mapping of the rest) and compiles the netlist with Yosys's
// models of the primitives (GateCellsSim) and the bus harness in
// Verilator, or returns the cached build of the same sources, parameters,
// Yosys, models and Verilator. The model is built without SIM: the
// memories start as the silicon's do (block RAMs from their bitstream
// contents, SPRAM undefined), so a run loads the image through the
// window (RunOptions.LoadDir), and the RTL's SIM-only checks and reports
// are not in it. The binary takes the harness's arguments (Model.Run).
func BuildGate(ctx context.Context, p Params) (*Model, error) {
	vl, err := exec.LookPath("verilator")
	if err != nil {
		return nil, ErrNoVerilator
	}
	key, cells, err := gateKey(ctx, vl, p)
	if err != nil {
		return nil, err
	}
	const name = "Vhtm_accel"
	bin, cached, err := buildCached(key, name, func(tmp string) error {
		netlist, err := GateNetlist(ctx, p, tmp)
		if err != nil {
			return err
		}
		args := append([]string{vl}, gateVerilatorFlags...)
		args = append(args, "--top-module", "top", "--prefix", name, "--Mdir", filepath.Join(tmp, "obj"), "-o", name,
			netlist, cells, filepath.Join(tmp, "harness", "harness.cpp"), filepath.Join(tmp, "harness", "serve.cpp"))
		return runVerilator(ctx, tmp, "nice", args...)
	})
	if err != nil {
		return nil, err
	}
	return &Model{Params: p, Bin: bin, Cached: cached}, nil
}

// gateVerilatorFlags are BuildGate's Verilator options (but the top, the
// prefix and the files). Without --trace: a waveform of every net of the
// netlist is not worth its compile time. -Wno-fatal etc.: Yosys's netlist
// and models are not lint clean (UNOPTFLAT: bit-level loops through
// vectors). NO_ICE40_DEFAULT_ASSIGNMENTS: Verilator 5.006 cannot parse the
// models' default values of vector input ports (SB_RAM40_4K's MASK), and
// Yosys's netlist connects every port that has one.
var gateVerilatorFlags = []string{"--cc", "--exe", "--build", "-j", "0", "-O3", "--x-assign", "unique", "--x-initial",
	"unique", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", "-CFLAGS", "-O1"}

// gateKey is BuildGate's cache key for the parameters p: the sources,
// Verilator's and Yosys's versions, the synthesis command, the parameters
// the Verilator options and the primitives' models. It also returns the models' path.
func gateKey(ctx context.Context, verilator string, p Params) (key, cells string, err error) {
	if cells, err = GateCellsSim(); err != nil {
		return "", "", err
	}
	cellsSrc, err := os.ReadFile(cells)
	if err != nil {
		return "", "", fmt.Errorf("hdl: %w", err)
	}
	vver, err := exec.CommandContext(ctx, verilator, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("hdl: verilator --version: %w", err)
	}
	yver, err := exec.CommandContext(ctx, "yosys", "-V").Output()
	if err != nil {
		return "", "", fmt.Errorf("hdl: yosys -V: %w", err)
	}
	synthCmd, err := checkSynth("ice40-up5k", &SynthOptions{})
	if err != nil {
		return "", "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "gate\n%s\n%s\n%s\n%s\n%v\n%v\n", sourceHash(), strings.TrimSpace(string(vver)),
		strings.TrimSpace(string(yver)), synthCmd, p.Defines(), gateVerilatorFlags)
	h.Write(cellsSrc)
	return "gate-" + hex.EncodeToString(h.Sum(nil))[:24], cells, nil
}
