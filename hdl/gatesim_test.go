package hdl

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/sim"
)

// gateSteps is TestAccel3Gate's run: the small preset's first steps of
// art_daily_jumpsup (20 with -short; HTMHW_GATE_STEPS overrides both).
// Loading the image through the window and reading every memory back
// costs about as much as 200 steps, so fewer steps save little.
const gateSteps = 60

// TestAccel3Gate is the gate-level check: htm3_accel synthesized as the
// board flow synthesizes it (-DICE40: the SB_MAC16s and SB_SPRAM256KA
// tiles the RTL instantiates, and Yosys's mapping of everything else into
// SB_LUT4, SB_CARRY, SB_DFF*, SB_RAM40_4K), simulated with Yosys's models
// of those primitives in Verilator (BuildGate), driven by TestAccel3's
// harness and checked as TestAccel3 checks the RTL (accel3Run.check):
// the image loaded through the window, the protocol checks, a RESTORE half
// way, per step the outputs and every phase's cycles against the
// simulator and its formulas, at the end every memory and its CRC_VALUE.
// What it does not check is the column engine's entry counts, which only
// the RTL's SIM build prints.
//
//	go test ./hdl -run TestAccel3Gate -v
//	HTMHW_GATE_STEPS=600 go test ./hdl -run TestAccel3Gate -v -timeout 60m
func TestAccel3Gate(t *testing.T) {
	needTool(t, "verilator")
	needTool(t, "yosys")
	n := gateSteps
	if testing.Short() {
		n = 20
	}
	if s := os.Getenv("HTMHW_GATE_STEPS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(t, err, "HTMHW_GATE_STEPS")
	}
	c := accel3Cases[0] // jumpsup: small, art_daily_jumpsup
	im, inputs := compileSeries(t, c.preset, c.file, n, c.edit)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	t0 := time.Now()
	m, err := BuildGate(context.Background(), p)
	require.NoError(t, err)
	t.Logf("gate-level build (yosys synth_ice40 + verilator) %v (cached %v)", time.Since(t0).Round(time.Millisecond), m.Cached)
	r := &accel3Run{p: p, m: m, im: im, dir: t.TempDir(), gate: true}
	s, err := sim.New(im)
	require.NoError(t, err)
	r.check(t, s, accel3Steps(inputs, c.learnOff, 0), nil, true, len(inputs)/2)
}

// TestGateTop checks the netlist's top: htm3_accel's ports, each of the
// parameters.
func TestGateTop(t *testing.T) {
	p := Params{N: 400, C: 256, Q: 10, K: 4, S: 1024, M: 16, B: 8, G: 6}
	top := gateTop(p)
	require.True(t, strings.HasPrefix(top, "module top("), top)
	for _, d := range p.Defines() {
		k, v, _ := strings.Cut(d, "=")
		require.Contains(t, top, "."+k+"("+v+")")
	}
	for _, port := range []string{"clk", "rst", "wb_cyc_i", "wb_stb_i", "wb_we_i", "wb_adr_i", "wb_dat_i", "wb_sel_i",
		"wb_dat_o", "wb_ack_o"} {
		require.Contains(t, top, "."+port+"("+port+")")
	}
}
