package hdl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/stretchr/testify/assert"

	"github.com/stretchr/testify/require"
)

// ice40Clock is the clock target the CI flow checks: the iCEBreaker's
// 12 MHz oscillator, the clock rtl3/icebreaker3_top.v runs on.
const ice40Clock = 12

// TestICE40Board runs htmhw hdl synth's iCE40 flow on the whole
// iCEBreaker board top (UART, UARTBone bridge, htm3_accel) of the small
// preset, issue 11's bitstream: Yosys synth_ice40 -dsp, nextpnr-ice40's
// packing for the UP5K in the SG48 package, placement and routing for the
// board's 12 MHz oscillator, and icepack. It fails if any resource (logic
// cells, EBR, SPRAM, DSP) is over the part, if the routed design misses
// 12 MHz, or if no bitstream is written; and checks htmhw image inspect's
// memory map and logic estimate against what the tools gave.
func TestICE40Board(t *testing.T) {
	for _, tool := range []string{"yosys", "nextpnr-ice40", "icepack"} {
		needTool(t, tool)
	}
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 0, nil)
	rep, err := Synth(context.Background(), "ice40-up5k", im, t.TempDir(),
		SynthOptions{Board: "icebreaker", FreqMHz: ice40Clock})
	if rep != nil {
		t.Logf("iCEBreaker board top, small:\n%s", rep)
	}
	require.NotNil(t, rep)
	require.True(t, rep.Packed, "packed by nextpnr-ice40: %v", err)
	require.LessOrEqual(t, rep.BRAM, UP5K.EBR, "EBR")
	require.LessOrEqual(t, rep.SPRAM, UP5K.SPRAM, "SPRAM")
	require.LessOrEqual(t, rep.DSP, UP5K.DSP, "DSP")
	require.Positive(t, rep.LC)
	t.Logf("logic cells %d of %d (%d%%), EBR %d, SPRAM %d, DSP %d", rep.LC, UP5K.LC, percent(rep.LC, UP5K.LC), rep.BRAM, rep.SPRAM, rep.DSP)
	// What htmhw image inspect and compile print for the part: its memory
	// map takes the primitives Yosys infers, and its logic estimate is
	// within 5 % of nextpnr's count.
	mm, err2 := im.Map(image.Parts[0])
	require.NoError(t, err2)
	require.Equal(t, "iCE40 UP5K", mm.Part.Name)
	assert.Equal(t, rep.BRAM, mm.BlockRAMs, "EBR: image.Map against Yosys")
	assert.Equal(t, rep.SPRAM, mm.SPRAMs, "SPRAM: image.Map against Yosys")
	assert.InDelta(t, rep.LC, mm.Logic, 0.05*float64(rep.LC), "logic cells: image.LogicEstimate against nextpnr (recalibrate: TestLogicFit)")
	t.Logf("image.Map: EBR %d, SPRAM %d, logic ~%d LC (%+.1f%%)", mm.BlockRAMs, mm.SPRAMs, mm.Logic, 100*float64(mm.Logic-rep.LC)/float64(rep.LC))
	require.NoError(t, err)
	require.True(t, rep.Routed, "placed, routed and packed")
	require.FileExists(t, rep.Bitstream)
	require.LessOrEqual(t, rep.LC, UP5K.LC)
	require.GreaterOrEqual(t, rep.FmaxMHz, float64(ice40Clock))
	require.NotEmpty(t, rep.Path.To, "the critical path that sets fmax, from nextpnr's log")
	t.Logf("fmax %.1f MHz; critical path %.1f ns logic + %.1f ns routing, %s", rep.FmaxMHz, rep.Path.LogicNs,
		rep.Path.RoutingNs, rep.Path.Route())
}

// TestLogicFit, with HTMHW_LOGIC_FIT=1, packs the iCEBreaker board top
// for each of image.LogicFitCases (a few minutes each), fits logic cells =
// a + b × (image.LogicEstimate's bit sum) by least squares and logs the
// fit beside image.LogicEstimate's, so that its constants can be set
// again after the RTL changes:
//
//	HTMHW_LOGIC_FIT=1 go test ./hdl -run TestLogicFit -v -timeout 60m
func TestLogicFit(t *testing.T) {
	if os.Getenv("HTMHW_LOGIC_FIT") == "" {
		t.Skip("set HTMHW_LOGIC_FIT=1 to synthesize the five dimension sets (minutes)")
	}
	needTool(t, "yosys")
	needTool(t, "nextpnr-ice40")
	var xs, ys []float64
	for _, c := range image.LogicFitCases {
		im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 0, c.Edit)
		p, err := ParamsOf(im)
		require.NoError(t, err)
		rep, err := Synth(context.Background(), "ice40-up5k", im, t.TempDir(), SynthOptions{Board: "icebreaker", PackOnly: true})
		require.NotNil(t, rep, "%s: %v", c.Name, err)
		require.True(t, rep.Packed, "%s: %v", c.Name, err)
		mm, err := im.Map(image.Parts[0])
		require.NoError(t, err)
		bits := image.LogicBits(arch.Dims{N: p.N, C: p.C, Q: p.Q, K: p.K, S: p.S, M: p.M, B: p.B, G: p.G})
		xs, ys = append(xs, float64(bits)), append(ys, float64(rep.LC))
		t.Logf("%-16s N %d C %d K %d S %d M %d: bits %d, LC %d (estimate %d), EBR %d (map %d), SPRAM %d (map %d), DSP %d",
			c.Name, p.N, p.C, p.K, p.S, p.M, bits, rep.LC, mm.Logic, rep.BRAM, mm.BlockRAMs, rep.SPRAM, mm.SPRAMs, rep.DSP)
		if rep.SPRAM <= UP5K.SPRAM {
			// (with more SPRAM than the part has, the map leaves a memory
			// out of SPRAM where Yosys just counts a fifth tile)
			assert.Equal(t, rep.BRAM, mm.BlockRAMs, "%s: EBR", c.Name)
		}
	}
	var mx, my float64
	for i := range xs {
		mx, my = mx+xs[i]/float64(len(xs)), my+ys[i]/float64(len(xs))
	}
	var sxy, sxx float64
	for i := range xs {
		sxy, sxx = sxy+(xs[i]-mx)*(ys[i]-my), sxx+(xs[i]-mx)*(xs[i]-mx)
	}
	b := sxy / sxx
	t.Logf("fit: logic cells = %.0f + %.1f x bits (image: logicBase, logicPerBitX10 / 10)", my-b*mx, b)
	for i := range xs {
		t.Logf("  bits %2.0f: LC %5.0f, fit %5.0f (%+.0f)", xs[i], ys[i], my+b*(xs[i]-mx), my+b*(xs[i]-mx)-ys[i])
	}
}

// TestICE40Flow runs the whole iCE40 flow (Yosys synth_ice40, nextpnr-ice40
// packing, place and route, icepack) on the largest design that fits the
// UP5K today, the iCEBreaker board top with the UARTBone bridge on a
// register file (ACCEL=0), and fails if it does not fit or misses the
// 12 MHz clock; and the per-module synthesis and the netlist's blocks on it.
func TestICE40Flow(t *testing.T) {
	for _, tool := range []string{"yosys", "nextpnr-ice40", "icepack"} {
		needTool(t, tool)
	}
	var prog strings.Builder
	rep, err := Synth(context.Background(), "ice40-up5k", nil, t.TempDir(),
		SynthOptions{Board: "icebreaker", Bridge: true, FreqMHz: ice40Clock, Modules: true, Progress: &prog})
	if rep != nil {
		t.Logf("iCEBreaker top, UARTBone bridge (ACCEL=0):\n%s", rep)
	}
	t.Logf("progress:\n%s", prog.String())
	require.NoError(t, err)
	require.True(t, rep.Packed)
	require.True(t, rep.Routed, "placed, routed and packed")
	require.FileExists(t, rep.Bitstream)
	require.Positive(t, rep.LC)
	require.LessOrEqual(t, rep.LC, UP5K.LC)
	require.LessOrEqual(t, rep.BRAM, UP5K.EBR)
	require.GreaterOrEqual(t, rep.FmaxMHz, float64(ice40Clock))
	for _, want := range []string{"synth: yosys: synthesizing", "synth: nextpnr-ice40: packing", "synth: packed: ",
		"synth: nextpnr-ice40: placing and routing", "synth: routed: fmax"} {
		require.Contains(t, prog.String(), want)
	}
	// Each module of the top, by its name, with its own cells.
	mods := map[string]ModuleUse{}
	for _, m := range rep.Modules {
		mods[m.Module] = m
	}
	for _, name := range []string{"uartbone", "uart_rx", "uart_tx", "wb_regfile", "icebreaker3_top"} {
		require.Contains(t, mods, name)
	}
	require.Positive(t, mods["uartbone"].LUT)
	require.Positive(t, mods["wb_regfile"].FF)
	// Every LUT, carry and flip-flop is attributed to some block.
	bs, err := BlockArea(filepath.Join(rep.WorkDir, "top.json"))
	require.NoError(t, err)
	var lut, ff float64
	for _, b := range bs {
		lut += b.LUT
		ff += float64(b.FF)
	}
	require.InDelta(t, float64(rep.LUT), lut, 0.01)
	require.InDelta(t, float64(rep.FF), ff, 0.01)
	t.Logf("largest block: %+v", bs[0])
}

// TestParseModuleStat reads Yosys's text stat of a design synthesized
// without flattening.
func TestParseModuleStat(t *testing.T) {
	stat := `
=== $paramod$1a2b\htm3_sp ===

   Number of wires:                100
   Number of cells:                 50
     SB_CARRY                      292
     SB_DFFE                       500
     SB_DFFR                        15
     SB_LUT4                      1224
     SB_MAC16                        2
     SB_RAM40_4K                     3

=== $paramod\htm_ebr\WIDTH=16 ===

   Number of cells:                  1
     SB_RAM40_4K                     1

=== $paramod$77\htm_ebr ===

   Number of cells:                  6
     SB_LUT4                         1
     SB_RAM40_4K                     5

=== uartbone ===

   Number of cells:                 10
     SB_DFF                          9
     SB_LUT4                        20
     SB_SPRAM256KA                   1

=== design hierarchy ===

   top                               1
     uartbone                        1

   Number of cells:                 60
     SB_LUT4                      1244
`
	got := parseModuleStat(stat)
	require.Equal(t, []ModuleUse{
		{Module: "htm3_sp", Variants: 1, LUT: 1224, FF: 515, Carry: 292, BRAM: 3, DSP: 2},
		{Module: "uartbone", Variants: 1, LUT: 20, FF: 9, SPRAM: 1},
		{Module: "htm_ebr", Variants: 2, LUT: 1, BRAM: 6},
	}, got)
}

// TestFitError: the fit check names every resource beyond the UP5K and a
// missed clock, and reads nextpnr's log.
func TestFitError(t *testing.T) {
	r := &SynthReport{Target: "ice40-up5k", FreqMHz: 12, LUT: 9000, BRAM: 38, DSP: 4}
	r.readNextpnr("Info: Device utilisation:\nInfo: \t         ICESTORM_LC: 12602/ 5280   238%\n" +
		"Info: \t        ICESTORM_RAM:    38/   30   126%\n")
	require.Equal(t, 12602, r.LC)
	err := r.fit()
	var fe *FitError
	require.ErrorAs(t, err, &fe)
	require.EqualError(t, err, "hdl: the design does not fit the iCE40 UP5K: logic cells 12602/5280, EBR (SB_RAM40_4K) 38/30")
	r.Packed = true
	require.EqualError(t, r.fit(), "hdl: the design does not fit the iCE40 UP5K: logic cells 12602/5280, EBR (SB_RAM40_4K) 38/30; "+
		"packed by nextpnr-ice40: logic cells 12602/5280 (239%), EBR 38/30, SPRAM 0/4, DSP 4/8; not placed and routed")

	r = &SynthReport{Target: "ice40-up5k", FreqMHz: 12, LUT: 300, BRAM: 2, Routed: true}
	r.readNextpnr("Info: \t         ICESTORM_LC:   416/ 5280     7%\n" +
		"Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 30.00 MHz (PASS at 12.00 MHz)\n" +
		"Info: Max frequency for clock 'clk$SB_IO_IN_$glb_clk': 10.50 MHz (FAIL at 12.00 MHz)\n")
	require.Equal(t, 416, r.LC)
	require.InDelta(t, 10.5, r.FmaxMHz, 1e-9, "the last report is after routing")
	require.EqualError(t, r.fit(), "hdl: the design misses its clock target: fmax 10.5 MHz < 12 MHz")
	r.FmaxMHz = 48.8
	require.NoError(t, r.fit())
}
