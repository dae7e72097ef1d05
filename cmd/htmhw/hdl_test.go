package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/internal/testenv"
)

// needTool is testenv.NeedTool: skip without the tool, fail under CI.
var needTool = testenv.NeedTool

func TestHDLVerify(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	img := filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--data", jumpsupCSV, "-o", img)
	require.NoError(t, err)
	vcd := filepath.Join(dir, "w.vcd")
	out, _, err := execute(t, "hdl", "verify", "--image", img, "--data", jumpsupCSV, "--steps", "60", "--vcd", vcd)
	require.NoError(t, err)
	assert.Contains(t, out, "60 steps match the simulator: per step the active and predicted columns")
	assert.Regexp(t, `cycles: \d+ in all`, out)
	st, err := os.Stat(vcd)
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(100000), "the waveform covers the run")

	// An image whose memories disagree with its cfg is refused before
	// anything runs; a bad step count too.
	_, _, err = execute(t, "hdl", "verify", "--image", img, "--data", jumpsupCSV, "--steps", "-1")
	require.ErrorContains(t, err, "--steps")
}

func TestHDLSynthFlags(t *testing.T) {
	_, _, err := execute(t, "hdl", "synth", "--target", "gowin", "--model", "small")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown target")
	_, _, err = execute(t, "hdl", "synth", "--target", "ecp5")
	require.ErrorContains(t, err, "give --model or --image")
	_, _, err = execute(t, "hdl", "synth", "--target", "ice40-up5k", "--board", "icebreaker", "--bridge", "--baud", "4000000")
	require.ErrorContains(t, err, "baud 4000000: the board's UART needs at least 4 clocks")
	_, _, err = execute(t, "hdl", "synth", "--target", "ice40-up5k", "--board", "orangecrab", "--model", "small")
	require.ErrorContains(t, err, `unknown board "orangecrab"`)
	for _, tc := range []struct{ args, want string }{
		{"--target ecp5 --model small -o x.bin", "-o x.bin: a bitstream comes only from a place and route"},
		{"--target ice40-up5k --model small --pack-only -o x.bin", "without --pack-only or --proxy"},
		{"--target ice40-up5k --model small -o -", "-o -: the bitstream is binary; give a file"},
	} {
		_, _, err = execute(t, append([]string{"hdl", "synth"}, strings.Fields(tc.args)...)...)
		require.ErrorContains(t, err, tc.want, tc.args)
	}
	out, _, err := execute(t, "hdl", "--help")
	require.NoError(t, err)
	assert.True(t, strings.Contains(out, "verify") && strings.Contains(out, "synth"))
}

// TestHDLSynthBitstream: -o writes the bitstream of a design that is
// placed and routed (the iCEBreaker top's bridge alone: seconds), and the
// report names it and the critical path that sets fmax.
func TestHDLSynthBitstream(t *testing.T) {
	for _, tool := range []string{"yosys", "nextpnr-ice40", "icepack"} {
		needTool(t, tool)
	}
	bin := filepath.Join(t.TempDir(), "bridge.bin")
	out, _, err := execute(t, "hdl", "synth", "--target", "ice40-up5k", "--board", "icebreaker", "--bridge",
		"--no-modules", "-o", bin)
	require.NoError(t, err)
	fi, err := os.Stat(bin)
	require.NoError(t, err)
	assert.Equal(t, int64(104090), fi.Size(), "an iCE40 UP5K bitstream") // the part's configuration image, whatever the design
	assert.Contains(t, out, ", bitstream "+bin+"\n")
	assert.Regexp(t, `(?m)^critical path: \d+\.\d ns logic \+ \d+\.\d ns routing, from \S+ \(\S+\) to \S+ \(\S+\), \d+ nets; RTL `, out)
	assert.NotContains(t, out, "the bitstream is removed")
	// Without -o or --work the bitstream goes with the temporary directory: said.
	out, _, err = execute(t, "hdl", "synth", "--target", "ice40-up5k", "--board", "icebreaker", "--bridge", "--no-modules")
	require.NoError(t, err)
	assert.Contains(t, out, "the bitstream is removed with the temporary directory: give -o FILE or --work DIR to keep it\n")
}

// TestHDLSynthECP5: a target without an open place and route prints the
// synthesis counts, each module's, and says that fmax is unknown (the
// iCEBreaker board top's bridge alone, a few seconds of Yosys).
func TestHDLSynthECP5(t *testing.T) {
	needTool(t, "yosys")
	out, errOut, err := execute(t, "hdl", "synth", "--target", "ecp5", "--board", "icebreaker", "--bridge")
	require.NoError(t, err)
	assert.Regexp(t, `target ecp5: \d+ LUT, \d+ FF`, out)
	assert.Contains(t, out, "fmax: unknown (synthesis only: no open place and route for ecp5 here)")
	assert.Regexp(t, `(?m)^  uartbone +\d+ +\d+`, out)
	assert.Contains(t, errOut, "synth: yosys: synthesizing the design for ecp5")
}

// TestHDLSynthXilinx: the Xilinx flow's per-module pass runs too
// (synth_xilinx has no -noflatten: passing it made every Xilinx synth fail
// after the flattened counts).
func TestHDLSynthXilinx(t *testing.T) {
	needTool(t, "yosys")
	out, errOut, err := execute(t, "hdl", "synth", "--target", "xilinx", "--board", "icebreaker", "--bridge")
	require.NoError(t, err)
	assert.Regexp(t, `target xilinx: \d+ LUT, \d+ FF`, out)
	assert.Contains(t, out, "fmax: unknown (synthesis only: no open place and route for xilinx here)")
	assert.Regexp(t, `(?m)^  uartbone +\d+ +\d+`, out)
	assert.Contains(t, errOut, "synth: yosys: synthesizing each module alone (-noflatten) for the per-module area")
}

// TestHDLSynthProxy: --proxy places and routes units of the accelerator
// alone (here the dendrite unit, the quickest: about 15 s) and labels the
// figures as a proxy, with a progress line per unit; it needs the iCE40
// target and a model, and names the units it has.
func TestHDLSynthProxy(t *testing.T) {
	_, _, err := execute(t, "hdl", "synth", "--target", "ecp5", "--model", "small", "--proxy")
	require.ErrorContains(t, err, "--proxy: the timing proxy places and routes on the iCE40 UP5K (--target ice40-up5k), not ecp5")
	_, _, err = execute(t, "hdl", "synth", "--target", "ice40-up5k", "--model", "small", "--proxy", "--proxy-units", "alu")
	require.ErrorContains(t, err, `unknown unit "alu" (have sp, tm-cells, dendrite, host)`)
	_, _, err = execute(t, "hdl", "synth", "--target", "ice40-up5k", "--bridge", "--proxy")
	require.Error(t, err)

	needTool(t, "yosys")
	needTool(t, "nextpnr-ice40")
	out, errOut, err := execute(t, "hdl", "synth", "--target", "ice40-up5k", "--model", "small", "--proxy",
		"--proxy-units", "dendrite")
	require.NoError(t, err)
	assert.Contains(t, out, "timing proxy: each unit placed and routed alone on the UP5K, not the whole chip")
	assert.Regexp(t, `(?m)^  dendrite +htm3_dendrite_synth +\d+ +\d+ +\d+ +\d+ +\d+\.\d  \d+\.\d \+ \d+\.\d$`, out)
	assert.Contains(t, out, "  dendrite: critical path from ")
	assert.Contains(t, errOut, "proxy: [1/1] dendrite (htm3_dendrite_synth): yosys and nextpnr-ice40 ...")
	assert.Regexp(t, `proxy: \[1/1\] dendrite: \d+ LC, fmax \d+\.\d MHz`, errOut)
}
