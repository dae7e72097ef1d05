package hdl

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
)

// ice40Clock is the clock target the CI flow checks: the iCEBreaker's
// 12 MHz oscillator, the clock rtl/icebreaker_top.v runs on.
const ice40Clock = 12

// TestICE40Flow runs htmhw hdl synth's iCE40 flow (Yosys synth_ice40,
// nextpnr-ice40 for the UP5K in the SG48 package, icepack) on the largest
// design that fits the UP5K today, the iCEBreaker top with the UARTBone
// bridge on a register file (ACCEL=0), and fails if it does not fit or
// misses the 12 MHz clock. The accelerator itself does not fit the UP5K yet
// (hdl/README.md, "FPGA flow"); HTMHW_ICE40_ACCEL=1 also runs the flow on it
// with hdl/testdata/tiny.yaml (about a minute of Yosys) and logs the gap.
func TestICE40Flow(t *testing.T) {
	for _, tool := range []string{"yosys", "nextpnr-ice40", "icepack"} {
		needTool(t, tool)
	}
	ctx := context.Background()
	rep, err := Synth(ctx, "ice40-up5k", nil, t.TempDir(), SynthOptions{Board: "icebreaker", Bridge: true, FreqMHz: ice40Clock})
	if rep != nil {
		t.Logf("iCEBreaker top, UARTBone bridge (ACCEL=0):\n%s", rep)
	}
	require.NoError(t, err)
	require.True(t, rep.Routed, "placed, routed and packed")
	require.FileExists(t, rep.Bitstream)
	require.Positive(t, rep.LC)
	require.LessOrEqual(t, rep.LC, UP5K.LC)
	require.LessOrEqual(t, rep.BRAM, UP5K.EBR)
	require.GreaterOrEqual(t, rep.FmaxMHz, float64(ice40Clock))
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

	if os.Getenv("HTMHW_ICE40_ACCEL") == "" {
		return
	}
	cfg, err := model.Load("testdata/tiny.yaml")
	require.NoError(t, err)
	if cfg.NeedsRange() {
		cfg.ResolveResolution(0, 100)
	}
	region, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(region, image.DefaultArch())
	require.NoError(t, err)
	rep, err = Synth(ctx, "ice40-up5k", im, t.TempDir(), SynthOptions{Board: "icebreaker", FreqMHz: ice40Clock})
	if rep != nil {
		t.Logf("iCEBreaker top with the accelerator (tiny model):\n%s", rep)
	}
	var fe *FitError
	if errors.As(err, &fe) {
		t.Logf("the accelerator does not fit yet: %v", err)
		return
	}
	require.NoError(t, err)
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
