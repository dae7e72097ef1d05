package hdl

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/sim"
)

// emuOutput is one step's outputs as a host reads them.
type emuOutput struct {
	Step             uint64
	Active           []uint32 // OUT_COUNT, OUT_BUF
	Predicted        []uint32 // PRED_COUNT, PRED_BUF
	AnomNum, AnomDen uint32
	Cycles           uint64 // CYCLES
}

// wantOutput is the simulator's step as the board should show it, with
// the step's CYCLES as htm3_accel counts them (harnessCycles).
func wantOutput(step uint64, r *sim.Result, cycles uint64) emuOutput {
	return emuOutput{Step: step, Active: list(r.ActiveColumns), Predicted: list(r.PredictedColumns),
		AnomNum: r.AnomalyNum, AnomDen: r.AnomalyDen, Cycles: cycles}
}

// harnessCycles runs htm3_accel under the bus harness, powered on with
// power (and, if load is not nil, load written through the window, then
// RESTORE, as driver.Board.Load does), through the inputs with learning,
// and returns each step's CYCLES. TestAccel3 checks the harness's CYCLES
// against the cycle formulas; here the same RTL behind the emulator, the
// driver and a link must count the same.
func harnessCycles(t *testing.T, power, load *image.Image, inputs [][]uint32) []uint64 {
	t.Helper()
	m := buildFor(t, power)
	dir := t.TempDir()
	require.NoError(t, WriteMemFiles(power, dir))
	var opt RunOptions
	if load != nil {
		opt.LoadDir = filepath.Join(t.TempDir(), "load")
		require.NoError(t, os.MkdirAll(opt.LoadDir, 0o755))
		_, err := load.WriteMemFiles(opt.LoadDir, []string{"readmemh"})
		require.NoError(t, err)
	}
	steps := make([]Step, len(inputs))
	for i, in := range inputs {
		steps[i] = Step{Input: in, Learn: true}
	}
	res, err := m.Run(context.Background(), power, dir, steps, opt)
	require.NoError(t, err)
	require.Len(t, res.Regs, len(steps))
	cyc := make([]uint64, len(steps))
	for i, r := range res.Regs {
		cyc[i] = r.Cycles
	}
	return cyc
}

func gotOutput(o *driver.Output) emuOutput {
	return emuOutput{Step: o.Step, Active: list(o.ActiveColumns), Predicted: list(o.PredictedColumns),
		AnomNum: o.AnomalyNum, AnomDen: o.AnomalyDen, Cycles: o.Cycles}
}

// list copies a column list; an empty one is nil, however it was made.
func list(x []uint32) []uint32 {
	if len(x) == 0 {
		return nil
	}
	return slices.Clone(x)
}

// emulateRTL serves the RTL, powered on with power, on listen (pty or
// tcp://127.0.0.1:0) and opens a board on it.
func emulateRTL(t *testing.T, power *image.Image, listen, query string, opts ...driver.Option) (*RTLTarget, *emulator.Emulator, *driver.Board) {
	t.Helper()
	rt := startRTL(t, power)
	// A command of the Verilated htm3_accel (a step; RESTORE of a trained
	// region, every used segment) can take seconds on a loaded machine,
	// beyond the host's default 2 s wait, after which the host issues the
	// STEP again: refused, it zeroes CYCLES before the host reads it.
	opts = append([]driver.Option{driver.WithStepTimeout(time.Minute)}, opts...)
	e, err := emulator.StartEmulator(context.Background(), rt, emulator.EmulatorConfig{Listen: listen})
	require.NoError(t, err)
	t.Cleanup(func() {
		err := e.Close()
		if rt.Err() == nil {
			require.NoError(t, err)
		}
	})
	b, err := driver.Open(e.URI()+query, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	require.NoError(t, rt.Err())
	return rt, e, b
}

// runAgainstSim loads im on the board, steps it through the inputs with
// learning and compares each step's outputs with the cycle-level simulator
// started from im, and its CYCLES with cycles. It returns the steps' rate.
func runAgainstSim(t *testing.T, b *driver.Board, im *image.Image, inputs [][]uint32, cycles []uint64) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t0 := time.Now()
	require.NoError(t, b.Load(ctx, im))
	st := b.Stats()
	t.Logf("load in %v: %d memories written, %d kept (CRC_VALUE equal to the image's)",
		time.Since(t0).Round(time.Millisecond), st.SectionWrites, st.SectionsKept)
	s, err := sim.New(im)
	require.NoError(t, err)
	first := im.Section("regs").Words[0]
	t0 = time.Now()
	for i, in := range inputs {
		o, err := b.Step(ctx, in, true)
		require.NoError(t, err, "step %d", i)
		r, err := s.Step(in, true)
		require.NoError(t, err)
		want, got := wantOutput(first+uint64(i), r, cycles[i]), gotOutput(o)
		require.Equal(t, want, got, "step %d", i)
	}
	el := time.Since(t0)
	rate := float64(len(inputs)) / el.Seconds()
	after := b.Stats()
	require.Zero(t, after.Retries()-st.Retries(), "retries on a clean link: %s", after.String())
	return rate
}

// TestRTLEmulator serves the Verilated htm3_accel as a board (htmhw
// emulate --backend rtl) over UARTBone on a pty and over Etherbone on TCP,
// and runs 200 steps of a NAB series through driver.Board against the
// simulator (outputs) and the bus harness (CYCLES).
func TestRTLEmulator(t *testing.T) {
	const steps = 200
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", steps, nil)
	cycles := harnessCycles(t, im, nil, inputs)
	for _, c := range []struct{ name, listen, query string }{
		{"uartbone-pty", "pty", "&timeout=5s"},
		{"etherbone-tcp", "tcp://127.0.0.1:0", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rt, e, b := emulateRTL(t, im, c.listen, c.query)
			rate := runAgainstSim(t, b, im, inputs, cycles)
			r, w := rt.Accesses()
			t.Logf("%s: %d steps, %.0f steps/s (the RTL: %d cycles; %d word reads, %d writes; emulator %d frames)",
				c.name, steps, rate, rt.Cycles(), r, w, e.Stats().Frames)
			require.NoError(t, rt.Err())
		})
	}
}

// TestRTLEmulatorLoad powers the RTL on with another region (other seeds,
// 30 steps on) and loads, over Etherbone, the simulator's state after 100
// steps: every memory whose CRC_VALUE differs is written through the
// window and checked, then RESET, RESTORE and 100 steps against the
// simulator from that state.
func TestRTLEmulatorLoad(t *testing.T) {
	fresh, inputs := compileSeries(t, "small", "speed_7578.csv", 200, nil)
	// The power-on region: other seeds and SP parameters (cfg words, pools,
	// boost table), 30 steps on (duty cycles, permanences, TM state); the
	// same RTL parameters (a pool depth Q of its own would need another
	// build: the RTL's sp.pool would not hold the image's).
	other, _ := compileSeries(t, "small", "speed_7578.csv", 0, func(c *model.Config) {
		c.SP.Seed, c.TM.Seed = 7, 7
		c.SP.BoostStrength, c.SP.SynPermActiveInc = 1, 0.06
	})
	po, err := ParamsOf(other)
	require.NoError(t, err)
	pf, err := ParamsOf(fresh)
	require.NoError(t, err)
	require.Equal(t, pf, po)
	so, err := sim.New(other)
	require.NoError(t, err)
	for _, in := range inputs[:30] {
		_, err := so.Step(in, true)
		require.NoError(t, err)
	}
	power := so.Image()
	s, err := sim.New(fresh)
	require.NoError(t, err)
	for _, in := range inputs[:100] {
		_, err := s.Step(in, true)
		require.NoError(t, err)
	}
	trained := s.Image()
	differ := 0
	for i, sec := range trained.Sections {
		if sec.CRC() != power.Sections[i].CRC() {
			differ++
		} else {
			t.Logf("memory %s is the same in both regions", sec.Name)
		}
	}
	cycles := harnessCycles(t, power, trained, inputs[100:])
	rt, _, b := emulateRTL(t, power, "tcp://127.0.0.1:0", "")
	rate := runAgainstSim(t, b, trained, inputs[100:], cycles)
	st := b.Stats()
	require.Equal(t, uint64(differ), st.SectionWrites, "memories written: %s", st.String())
	require.Equal(t, uint64(len(trained.Sections)-differ), st.SectionsKept)
	t.Logf("%d of %d memories differed and were written; %.0f steps/s after", differ, len(trained.Sections), rate)
	require.NoError(t, rt.Err())
}

// TestRTLEmulatorCrash: when the RTL process dies under a served board,
// the host gets an error (not a hang), and the target says why.
func TestRTLEmulatorCrash(t *testing.T) {
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 5, nil)
	// A board that is gone is given up on after the retries and a second of
	// patience (the default, 30 s, is for lossy links on busy hosts); the
	// step's context only bounds a hang.
	rt, e, b := emulateRTL(t, im, "tcp://127.0.0.1:0", "", driver.WithPatience(time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	require.NoError(t, b.Load(ctx, im))
	_, err := b.Step(ctx, inputs[0], true)
	require.NoError(t, err)
	require.NoError(t, rt.cmd.Process.Kill())
	<-rt.Failed()
	t0 := time.Now()
	_, err = b.Step(ctx, inputs[1], true)
	require.Error(t, err)
	t.Logf("host: %v (after %v); target: %v", err, time.Since(t0).Round(time.Millisecond), rt.Err())
	require.ErrorContains(t, rt.Err(), "signal: killed")
	require.NotErrorIs(t, err, context.DeadlineExceeded, "the host must give up by itself, not at its context's end")
	// The emulator stopped serving, with the target's error.
	require.ErrorIs(t, e.Wait(), rt.Err())
}
