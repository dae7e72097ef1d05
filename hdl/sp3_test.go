package hdl

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/sim"
)

// runSP3 runs htm3_sp and the simulator through the same steps and fails at
// the first difference: a step's active columns, a phase's cycles against
// sim.SP3Cycles, or at the end a word of sp.pool, sp.conn, sp.duty,
// sp.poollen or the SP regs. It returns the number of bumped columns.
func runSP3(t *testing.T, im *image.Image, inputs [][]uint32, learn func(int) bool) int {
	t.Helper()
	needTool(t, "verilator")
	p, err := ParamsOf(im)
	require.NoError(t, err)
	require.Zero(t, im.Section("cfg").Words[14], "htm3_sp implements boosting off only")
	t0 := time.Now()
	m, err := BuildSP3(context.Background(), p)
	require.NoError(t, err)
	build := time.Since(t0)
	steps := make([]Step, len(inputs))
	for i, in := range inputs {
		steps[i] = Step{Input: in, Learn: learn(i)}
	}
	t0 = time.Now()
	res, err := m.Run(context.Background(), im, steps)
	require.NoError(t, err)
	t.Logf("verilator build %v (cached %v), run %v", build.Round(time.Millisecond), m.Cached, time.Since(t0).Round(time.Millisecond))
	require.Len(t, res.Steps, len(steps))

	s, err := sim.New(im)
	require.NoError(t, err)
	plen := im.Section("sp.poollen").Words
	nBumped := 0
	var sum [5]uint64
	for i, st := range steps {
		minOv := s.Image().Section("regs").Words[2]
		r, err := s.Step(st.Input, st.Learn)
		require.NoError(t, err)
		got := res.Steps[i]
		require.Equal(t, r.ActiveColumns, got.Cols, "step %d: active columns", i)
		var active, bumped []int
		for _, c := range r.ActiveColumns {
			active = append(active, int(plen[c]))
		}
		if st.Learn && minOv > 0 {
			for c, w := range s.Image().Section("sp.duty").Words {
				if w&0xFFFF < minOv {
					bumped = append(bumped, int(plen[c]))
				}
			}
		}
		nBumped += len(bumped)
		want := sim.SP3Cycles(p.sim3(), st.Learn, len(st.Input), active, bumped)
		for ph := range want {
			require.Equal(t, want[ph], got.Cycles[ph], "step %d: %s cycles (%d active, %d bumped columns)", i, SP3Phases[ph], len(active), len(bumped))
			sum[ph] += got.Cycles[ph]
		}
	}
	end := s.Image()
	for _, name := range []string{"sp.pool", "sp.conn", "sp.duty", "sp.poollen"} {
		w := end.Section(name).Words
		g := res.Mems[name]
		require.Len(t, g, len(w), name)
		for j := range w {
			if w[j] != g[j] {
				t.Fatalf("%s word %d: RTL %#x, simulator %#x", name, j, g[j], w[j])
			}
		}
	}
	regs := end.Section("regs").Words
	require.Equal(t, regs[1], res.Iter, "SP iteration")
	require.Equal(t, regs[2], res.MinOvl, "minOverlap")
	t.Logf("%d steps: active columns, the cycle formulas, the SP memories and regs match; %d bumped columns; cycles per phase %v summed %v",
		len(steps), nBumped, SP3Phases, sum)
	return nBumped
}

func TestSP3Jumpsup(t *testing.T) {
	n := 400
	if testing.Short() {
		n = 60
	}
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", n, nil)
	runSP3(t, im, inputs, always)
}

// TestSP3Stress: a stimulus threshold, narrow unwrapped pools of different
// lengths, trim, fast duty cycles with a high minimum (bumps), learning
// off every 7th step (the configuration of TestSPStress).
func TestSP3Stress(t *testing.T) {
	im, inputs := compileSeries(t, "small", "speed_7578.csv", 400, stress)
	nb := runSP3(t, im, inputs, func(i int) bool { return i%7 != 6 })
	require.NotZero(t, nb, "no column was bumped: the test does not exercise bumps")
}

// tinySP3 is TestSP3Tiny's configuration: 30 inputs (one input word: W =
// 1), 16 columns, a stimulus threshold, duty periods of 7 and 3 steps.
func tinySP3(t *testing.T, n int) (*image.Image, [][]uint32) {
	t.Helper()
	return compileSeries(t, "small", "speed_7578.csv", n, func(c *model.Config) {
		stress(c)
		c.Encoder.RDSE.Size, c.Encoder.RDSE.ActiveBits, c.Encoder.Date = 30, 5, nil
		c.SP.ColumnDimensions, c.SP.NumActiveColumnsPerInhArea, c.SP.PotentialRadius = []int{16}, 3, 4
		c.SP.StimulusThreshold = 1
		c.SP.DutyCyclePeriod, c.SP.UpdatePeriod = 7, 3
	})
}

// TestSP3Tiny: tinySP3 (histogram increments two cycles apart, the
// closest they come), steps short enough that SP_LEARN waits for the
// background job to leave cfg/regs' port, that SP_DUTY waits for the
// divider after a short pool, and that steps without learning wait for
// the iteration's increment, bumps, learning off every 5th step.
func TestSP3Tiny(t *testing.T) {
	im, inputs := tinySP3(t, 300)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	require.Equal(t, 30, p.N)
	short := p.Q
	for _, l := range im.Section("sp.poollen").Words {
		short = min(short, int(l))
	}
	e := sim.SP3Cycles(p.sim3(), true, 5, []int{short}, nil)
	require.Less(t, e[0]+e[1]+e[2], uint64(sim.SP3PortReady), "SP_LEARN does not wait for the port")
	require.Less(t, e[0]+e[1]+e[2]+e[3], uint64(sim.SP3DivReady), "SP_DUTY does not wait for the divider")
	e = sim.SP3Cycles(p.sim3(), false, 5, nil, nil)
	require.Equal(t, uint64(sim.SP3IterReady), e[0]+e[1]+e[2], "a step without learning does not wait for the iteration")
	require.NotZero(t, runSP3(t, im, inputs, func(i int) bool { return i%5 != 4 }), "no column was bumped")
}

// TestSP3IterationWrap: tinySP3 from an SP iteration 2^64 - 3, so that it
// wraps to 0 in the third step: that step's duty period is
// dutyCyclePeriod (SPEC 5.5.2: min(iteration - 1, period - 1) + 1 modulo
// 2^64), not 0, and its iteration mod updatePeriod is 0; the steps around
// it divide by dutyCyclePeriod and by 1, 2, ... again.
func TestSP3IterationWrap(t *testing.T) {
	im, inputs := tinySP3(t, 40)
	im.Section("regs").Words[1] = 1<<64 - 3
	runSP3(t, im, inputs, func(i int) bool { return i%5 != 4 })
}

// sp3Div is htm3_sp's division by the duty period p >= 2: floor(n/p) for
// n < 2^16 as (n·m_hi·2^16 + n·m_lo) >> 32 with m = m_hi·2^16 + m_lo =
// ceil(2^32/p), summed as the engine does: n·m_hi + (n·m_lo >> 16), the
// high half.
func sp3Div(n, p uint32) uint32 {
	m := ((uint64(1) << 32) + uint64(p)) / uint64(p) // htm3_sp's m
	if m >= 1<<32 {
		panic(fmt.Sprintf("m %d of p %d", m, p))
	}
	mhi, mlo := uint64(m>>16), uint64(m&0xFFFF)
	return uint32((uint64(n)*mhi + (uint64(n)*mlo)>>16) >> 16)
}

// TestSP3Division checks the reciprocal division against the quotient for
// every period from 2 (1 is the engine's special case: the new duty cycle
// is v) and numerators at the edges and spread over the range.
func TestSP3Division(t *testing.T) {
	for p := uint32(2); p <= 0xFFFF; p++ {
		for _, n := range []uint32{0, 1, p - 1, p, p + 1, 2*p - 1, 2 * p, 0xFFFE, 0xFFFF, 0xFFFF / p * p, 0xFFFF/p*p - 1} {
			if n > 0xFFFF {
				continue
			}
			if got := sp3Div(n, p); got != n/p {
				t.Fatalf("floor(%d/%d): %d, want %d", n, p, got, n/p)
			}
		}
		for n := (p * 2654435761) & 0xFF; n <= 0xFFFF; n += 251 {
			if got := sp3Div(n, p); got != n/p {
				t.Fatalf("floor(%d/%d): %d, want %d", n, p, got, n/p)
			}
		}
	}
}

// TestRTL3RAMs: each RAM wrapper maps to the iCE40's RAM and to nothing
// else: htm_ebr to SB_RAM40_4K blocks (no flip-flops, no memory left as
// logic; flip-flops and LUTs only for the read multiplexer of a RAM that
// Yosys splits by depth), htm_spram to SB_SPRAM256KA tiles (likewise for
// a RAM deeper than one tile).
func TestRTL3RAMs(t *testing.T) {
	needTool(t, "yosys")
	for _, tc := range []struct {
		top           string
		width, depth  int
		ram, maxLUT   int
		maxFF         int
		ramCell, what string
	}{
		{"htm_ebr", 32, 1024, 8, 0, 0, "SB_RAM40_4K", "32 x 1024: eight blocks side by side"},
		{"htm_ebr", 7, 256, 1, 1, 0, "SB_RAM40_4K", "sp.overlap (small)"},
		{"htm_ebr", 9, 61, 1, 1, 0, "SB_RAM40_4K", "sp.hist (small)"},
		{"htm_ebr", 16, 8, 1, 1, 0, "SB_RAM40_4K", "in.bits (small): block RAM even for 8 words"},
		{"htm_ebr", 32, 256, 2, 1, 0, "SB_RAM40_4K", "sp.duty (small)"},
		{"htm_ebr", 16, 4096, 16, 20, 4, "SB_RAM40_4K", "16 blocks (Yosys picks 256 x 16 and a read multiplexer)"},
		{"htm_spram", 15, 15360, 1, 0, 0, "SB_SPRAM256KA", "sp.pool (small)"},
		{"htm_spram", 19, 16384, 2, 0, 0, "SB_SPRAM256KA", "tm.syn (small): two tiles side by side"},
		{"htm_spram", 16, 40000, 3, 40, 2, "SB_SPRAM256KA", "three tiles deep"},
	} {
		t.Run(fmt.Sprintf("%s-%dx%d", tc.top, tc.depth, tc.width), func(t *testing.T) {
			cells, err := YosysStat(context.Background(), t.TempDir(), tc.top, map[string]int{"WIDTH": tc.width, "DEPTH": tc.depth})
			require.NoError(t, err)
			t.Logf("%s: %v", tc.what, cells)
			require.Equal(t, tc.ram, cells[tc.ramCell], "%s cells", tc.ramCell)
			ff, other := 0, 0
			for c, n := range cells {
				switch {
				case c == tc.ramCell || c == "SB_LUT4" || c == "SB_CARRY":
				case strings.HasPrefix(c, "SB_DFF"):
					ff += n
				default:
					other += n
				}
			}
			require.Zero(t, other, "cells other than the RAM, LUTs and flip-flops: %v", cells)
			require.LessOrEqual(t, ff, tc.maxFF, "flip-flops")
			require.LessOrEqual(t, cells["SB_LUT4"], tc.maxLUT, "LUTs")
		})
	}
}

// TestSP3UP5K places and routes htm3_sp (the small preset's dimensions)
// alone on the iCE40 UP5K: it must fit and reach 24 MHz, with sp.conn in
// an SPRAM, not in EBR.
func TestSP3UP5K(t *testing.T) {
	if testing.Short() {
		t.Skip("about 80 s of Yosys and nextpnr")
	}
	needTool(t, "yosys")
	needTool(t, "nextpnr-ice40")
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 1, nil)
	p, err := ParamsOf(im)
	require.NoError(t, err)
	r, err := SynthSP3(context.Background(), t.TempDir(), p, 24)
	if r != nil {
		t.Logf("htm3_sp_top, small: %d SB_LUT4, %d flip-flops, %d logic cells, %d EBR, %d SPRAM, %d DSP; fmax %.2f MHz (Yosys %v, nextpnr %v)",
			r.LUT, r.FF, r.LC, r.BRAM, r.SPRAM, r.DSP, r.FmaxMHz, r.SynthTime.Round(time.Second), r.PnRTime.Round(time.Second))
	}
	require.NoError(t, err)
	require.Equal(t, 2, r.SPRAM, "sp.pool and sp.conn in one SPRAM each")
	require.LessOrEqual(t, r.BRAM, 10, "EBR: the engine's 8, IN_BUF and the top's cfg/regs (htm3_memmap's, where the engine keeps its iteration)")
}

// TestSP3Lint: verilator --lint-only -Wall of the engine (with and without
// SIM), the synthesis top and the testbench, with rtl3/lint.vlt.
func TestSP3Lint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := writeSources3(dir)
	require.NoError(t, err)
	var rtl []string
	for _, v := range vs {
		if !strings.HasSuffix(v, "htm3_sp_top.v") {
			rtl = append(rtl, v)
		}
	}
	vlt := filepath.Join(dir, "rtl3", "lint.vlt")
	for _, tc := range []struct {
		top   string
		flags []string
		files []string
	}{
		{"htm3_sp", []string{"-DSIM"}, rtl},
		{"htm3_sp", nil, rtl},
		{"htm3_sp_top", nil, vs},
		{"sp3_tb", []string{"-DSIM"}, append([]string{filepath.Join(dir, "rtl3", "tb", "sp3_tb.v")}, rtl...)},
	} {
		args := append([]string{"--lint-only", "-Wall", "--top-module", tc.top}, tc.flags...)
		args = append(append(args, vlt), tc.files...)
		out, err := exec.Command("verilator", args...).CombinedOutput()
		require.NoError(t, err, "%s %v:\n%s", tc.top, tc.flags, out)
	}
}
