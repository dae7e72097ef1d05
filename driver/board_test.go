package driver_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// lockstep steps the golden model (decompiled from im) and the board
// through rows, comparing every output, and returns the golden region.
func lockstep(t *testing.T, b *driver.Board, im *image.Image, rows []series.Row) *model.Region {
	t.Helper()
	ctx := context.Background()
	golden, err := im.Region()
	require.NoError(t, err)
	first := golden.Steps()
	for i, row := range rows {
		o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		got, err := b.Step(ctx, o.Encoding, true)
		require.NoError(t, err, "step %d", i)
		require.Equal(t, first+uint64(i), got.Step)
		if !slices.Equal(o.ActiveColumns, got.ActiveColumns) || !slices.Equal(o.PredictedColumns, got.PredictedColumns) ||
			o.Anomaly.Num != got.AnomalyNum || o.Anomaly.Den != got.AnomalyDen {
			t.Fatalf("step %d: board %v / %v / %d/%d, golden %v / %v / %d/%d", i, got.ActiveColumns, got.PredictedColumns,
				got.AnomalyNum, got.AnomalyDen, o.ActiveColumns, o.PredictedColumns, o.Anomaly.Num, o.Anomaly.Den)
		}
		require.Equal(t, o.Anomaly.Float64(), got.Anomaly())
		require.NotZero(t, got.Cycles)
	}
	return golden
}

func TestSimBusNeedsAnImage(t *testing.T) {
	ctx := context.Background()
	b, err := driver.Open("")
	require.NoError(t, err)
	defer b.Close()
	_, err = b.Info(ctx)
	require.ErrorIs(t, err, simbus.ErrNoDevice)
	_, err = b.Step(ctx, []uint32{1}, true)
	require.ErrorIs(t, err, simbus.ErrNoDevice)
	assert.Contains(t, driver.Schemes(), "sim")

	_, err = driver.Open("sim://?bogus=1")
	require.ErrorContains(t, err, `unknown parameter "bogus"`)
	_, err = driver.Open("sim://?burst=0")
	require.ErrorContains(t, err, "burst")
	_, err = driver.Open("sim://?image=" + filepath.Join(t.TempDir(), "none.img"))
	require.ErrorContains(t, err, "no such file")

	// sim://?image= powers the device on at once.
	im, _ := drivertest.SmallImage(t, 0)
	path := filepath.Join(t.TempDir(), "r.img")
	require.NoError(t, im.WriteFile(path))
	b2, err := driver.Open("sim://?image=" + path + "&burst=16")
	require.NoError(t, err)
	info, err := b2.Info(ctx)
	require.NoError(t, err)
	require.NoError(t, info.CheckImage(im))
	assert.Equal(t, 16, b2.Bus().MaxBurst())
	require.NoError(t, b2.Close())
	_, err = b2.Info(ctx)
	require.ErrorContains(t, err, "closed")
}

// Over the in-process bus: a load, steps equal to the golden model's, the
// state read back equal to the golden region's image, and a second image
// loaded into the same device through the memory window.
func TestBoardSim(t *testing.T) {
	ctx := context.Background()
	im, rows := drivertest.SmallImage(t, 0)
	var reports [][2]int
	b, err := driver.Open("sim://?burst=64", driver.WithLoadProgress(func(done, total int) { reports = append(reports, [2]int{done, total}) }))
	require.NoError(t, err)
	defer b.Close()
	require.NoError(t, b.Load(ctx, im))
	st := b.Stats()
	assert.EqualValues(t, len(im.Sections), st.SectionsKept, "the device was made from this image")
	words := 0 // the window's words (contract version 4: units)
	units, err := im.Units()
	require.NoError(t, err)
	for _, s := range units.Sections {
		words += s.Depth()
	}
	// Every memory kept: one report each, then the total.
	require.Len(t, reports, len(im.Sections)+1)
	assert.Equal(t, [2]int{words, words}, reports[len(reports)-1])
	info, err := b.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, image.DefaultArch(), info.Arch)
	assert.EqualValues(t, 120, info.N)

	golden := lockstep(t, b, im, rows[:300])
	n, known := b.StepsDone()
	assert.True(t, known)
	assert.EqualValues(t, 300, n)
	want, err := image.Compile(golden, im.Arch)
	require.NoError(t, err)
	got, err := b.ReadState(ctx)
	require.NoError(t, err)
	drivertest.RequireSameImage(t, want, got)

	// Another image of the same configuration goes through the window.
	trained, _ := drivertest.SmallImage(t, 500)
	reports = nil
	require.NoError(t, b.Load(ctx, trained))
	st = b.Stats()
	assert.Greater(t, st.SectionWrites, uint64(5))
	// Written memories report every exchange: the words done only grow,
	// and end at the total.
	assert.Greater(t, len(reports), int(st.SectionWrites))
	for i, r := range reports {
		assert.Equal(t, words, r[1])
		if i > 0 {
			assert.GreaterOrEqual(t, r[0], reports[i-1][0])
		}
	}
	assert.Equal(t, [2]int{words, words}, reports[len(reports)-1])
	n, _ = b.StepsDone()
	assert.EqualValues(t, 500, n)
	golden = lockstep(t, b, trained, rows[500:700])
	want, err = image.Compile(golden, im.Arch)
	require.NoError(t, err)
	got, err = b.ReadState(ctx)
	require.NoError(t, err)
	drivertest.RequireSameImage(t, want, got)

	// Reset keeps memories and the step count.
	require.NoError(t, b.Reset(ctx))
	dev := b.Bus().(*simbus.Bus).Device()
	assert.EqualValues(t, 700, dev.Steps())
	lockstep(t, b, got, rows[700:720])

	st = b.Stats()
	assert.Zero(t, st.Retries(), "a clean bus needs no retries: %s", st.String())
	assert.EqualValues(t, 520, st.Steps)
	t.Log(st.String())

	// Run over a sequence.
	seq := func(yield func([]uint32) bool) {
		for range 3 {
			if !yield([]uint32{1, 2, 3}) {
				return
			}
		}
	}
	var steps []uint64
	require.NoError(t, b.Run(ctx, seq, false, func(o *driver.Output) error { steps = append(steps, o.Step); return nil }))
	assert.Equal(t, []uint64{720, 721, 722}, steps)
	stop := errors.New("stop")
	require.ErrorIs(t, b.Run(ctx, seq, false, func(*driver.Output) error { return stop }), stop)
}

func TestBoardRefuses(t *testing.T) {
	ctx := context.Background()
	im, _ := drivertest.SmallImage(t, 0)
	b, err := driver.Open("sim://")
	require.NoError(t, err)
	require.NoError(t, b.Load(ctx, im))
	_, err = b.Step(ctx, []uint32{5, 3}, true)
	require.ErrorContains(t, err, "not ascending")
	_, err = b.Step(ctx, []uint32{120}, true)
	require.ErrorContains(t, err, "not below N")
	_, err = b.Step(ctx, make([]uint32, arch.InBufWords+1), true)
	require.ErrorContains(t, err, "IN_BUF holds")

	info, err := b.Info(ctx)
	require.NoError(t, err)
	other := *im
	other.Arch.DivLat = 9
	require.ErrorContains(t, info.CheckImage(&other), "DIV_LAT")
	cfg := *im.Section("cfg")
	cfg.Words = slices.Clone(cfg.Words)
	cfg.Words[arch.CfgC]++
	other = *im
	other.Sections = slices.Clone(im.Sections)
	other.Sections[arch.MemCfg] = &cfg
	require.ErrorContains(t, info.CheckImage(&other), "C (DIM_COLS) = 256, the image 257")

	// Memories the board cannot restore: refused by the host before any
	// write (the RTL would not refuse them), the board's state kept.
	bad := *im
	bad.Sections = slices.Clone(im.Sections)
	conn := *im.Section("sp.conn")
	conn.Words = slices.Clone(conn.Words)
	conn.Words[0] ^= 1
	bad.Sections[arch.MemSPConn] = &conn
	steps, known := b.StepsDone()
	err = b.Load(ctx, &bad)
	require.ErrorContains(t, err, `driver: load: image: section "sp.conn"`)
	after, stillKnown := b.StepsDone()
	require.Equal(t, steps, after)
	require.Equal(t, known, stillKnown)

	// No image: no ReadState.
	b2 := driver.NewBoard(b.Bus())
	_, err = b2.ReadState(ctx)
	require.ErrorContains(t, err, "Load first")
	// A board opened on a loaded device reads its step count.
	require.NoError(t, b.Load(ctx, im))
	o, err := b2.Step(ctx, []uint32{1, 2}, false)
	require.NoError(t, err)
	assert.Zero(t, o.Step)
}

// 2,000 steps of a NAB series on the small preset over a link that loses
// and corrupts words in both directions: the outputs equal the golden
// model's, no step is lost or computed twice, the state read back is the
// golden region's, and the retries are counted.
func TestBoardLossyLink(t *testing.T) {
	for _, c := range []struct {
		seed  uint64
		rate  float64
		steps int
	}{{1, 2e-3, 2000}, {2, 1e-2, 2000}} {
		t.Run(fmt.Sprintf("rate=%g", c.rate), func(t *testing.T) {
			ctx := context.Background()
			im, rows := drivertest.SmallImage(t, 0)
			// The device is made from another image, so that the load
			// writes every memory through the lossy window.
			trained, _ := drivertest.SmallImage(t, 40)
			dev, err := sim.NewDevice(trained)
			require.NoError(t, err)
			lossy := drivertest.NewLossy(simbus.New(dev), c.seed, c.rate)
			b := driver.NewBoard(lossy, driver.WithRetries(64))

			t0 := time.Now()
			require.NoError(t, b.Load(ctx, im))
			load := time.Since(t0)
			golden := lockstep(t, b, im, rows[:c.steps])
			assert.EqualValues(t, c.steps, dev.Steps(), "STEP_LO: a step lost or computed twice")
			n, _ := b.StepsDone()
			assert.EqualValues(t, c.steps, n)
			want, err := image.Compile(golden, im.Arch)
			require.NoError(t, err)
			got, err := b.ReadState(ctx)
			require.NoError(t, err)
			drivertest.RequireSameImage(t, want, got)

			st := b.Stats()
			assert.NotZero(t, st.Retries())
			assert.NotZero(t, st.BusErrors)
			assert.NotZero(t, st.OutputRereads+st.StatusRereads)
			assert.NotZero(t, st.SectionRetries)
			for _, kind := range []string{"read lost", "reply lost", "read corrupted", "read misaddressed",
				"write cut", "write cut, error", "write corrupted", "write misaddressed"} {
				assert.NotZero(t, lossy.Counts[kind], kind)
			}
			words := 0
			for _, s := range im.Sections {
				words += s.Depth()
			}
			t.Logf("faults injected: %v", lossy.Counts)
			t.Logf("load of %d memory words in %v; %d steps in %v (%.0f steps/s); read back in %v",
				words, load.Round(time.Millisecond), st.Steps, st.StepTime.Round(time.Millisecond),
				float64(st.Steps)/st.StepTime.Seconds(), st.ReadTime.Round(time.Millisecond))
			t.Logf("stats: %s", st.String())
		})
	}
}

func TestBoardStopsAnswering(t *testing.T) {
	ctx := context.Background()
	im, rows := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &drivertest.Dead{Bus: simbus.New(dev), After: 1 << 30}
	b := driver.NewBoard(bus, driver.WithRetries(5))
	require.NoError(t, b.Load(ctx, im))
	lockstep(t, b, im, rows[:37])
	bus.After = 3
	_, err = b.Step(ctx, []uint32{1, 2, 3}, true)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "driver: board stopped answering after step 37: "), err.Error())
	assert.Contains(t, err.Error(), "timeout")
	assert.EqualValues(t, 37, dev.Steps())
	var stop *driver.StoppedError
	require.ErrorAs(t, err, &stop)
	assert.Equal(t, &driver.StoppedError{LastStep: 37, Known: true, Err: stop.Err}, stop)
	assert.False(t, stop.Interrupted())

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	bus.After = 1 << 30
	_, err = b.Step(cctx, []uint32{1, 2, 3}, true)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "interrupted after step 37")
	require.ErrorAs(t, err, &stop)
	assert.EqualValues(t, 37, stop.LastStep)
	assert.True(t, stop.Interrupted())
}

// slowBus holds each CTRL write back for `polls` reads of STATUS, which
// read busy meanwhile: a board that takes time to compute. stuck makes it
// hold them for ever.
type slowBus struct {
	driver.Bus
	polls, left int
	held        []uint32
	stuck       bool
}

func (s *slowBus) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if addr == arch.RegCtrl && len(src) == 1 && src[0] == arch.CtrlWord(arch.CmdStep|arch.CmdLearn) {
		s.held, s.left = slices.Clone(src), s.polls
		return nil
	}
	return s.Bus.Write(ctx, addr, src, incr)
}

func (s *slowBus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if s.held != nil && addr == arch.RegStatus {
		if s.left > 0 || s.stuck {
			s.left--
			err := s.Bus.Read(ctx, addr, dst, incr)
			dst[0] |= arch.StatusBusy
			return err
		}
		if err := s.Bus.Write(ctx, arch.RegCtrl, s.held, true); err != nil {
			return err
		}
		s.held = nil
	}
	return s.Bus.Read(ctx, addr, dst, incr)
}

func TestBoardWaitsWhileBusy(t *testing.T) {
	ctx := context.Background()
	im, rows := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &slowBus{Bus: simbus.New(dev), polls: 3}
	b := driver.NewBoard(bus, driver.WithPollInterval(time.Microsecond), driver.WithStepTimeout(time.Minute), driver.WithRetries(3))
	require.NoError(t, b.Load(ctx, im))
	lockstep(t, b, im, rows[:50])
	st := b.Stats()
	assert.Zero(t, st.Reissues, "a busy board is waited for")
	assert.EqualValues(t, 50, dev.Steps())

	// A board busy for ever: the STEP is issued again after each timeout,
	// then given up on.
	bus.stuck = true
	b = driver.NewBoard(bus, driver.WithPollInterval(time.Microsecond), driver.WithStepTimeout(2*time.Millisecond), driver.WithRetries(3))
	_, err = b.Step(ctx, []uint32{1, 2, 3}, true)
	require.Error(t, err)
	assert.Equal(t, "driver: board stopped answering after step 50: STEP issued 4 times, STEP_LO stays 50", err.Error())
	assert.EqualValues(t, 3, b.Stats().Reissues)
	assert.EqualValues(t, 50, dev.Steps())
}

// Attach takes over a board that stopped answering: it reads the step
// count without loading, the outputs of the last step can be read back,
// and the steps go on from there.
func TestBoardAttach(t *testing.T) {
	ctx := context.Background()
	im, rows := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &drivertest.Dead{Bus: simbus.New(dev), After: 1 << 30}
	b := driver.NewBoard(bus, driver.WithRetries(5))
	require.NoError(t, b.Load(ctx, im))
	lockstep(t, b, im, rows[:37])
	want := slices.Clone(b.Last().ActiveColumns)

	b2 := driver.NewBoard(simbus.New(dev))
	n, err := b2.Attach(ctx, im)
	require.NoError(t, err)
	assert.EqualValues(t, 37, n)
	o, err := b2.LastOutput(ctx)
	require.NoError(t, err)
	assert.EqualValues(t, 36, o.Step)
	assert.Equal(t, want, o.ActiveColumns)
	_, err = b2.Step(ctx, []uint32{1, 2, 3}, true)
	require.NoError(t, err)
	assert.EqualValues(t, 38, dev.Steps())

	// Another image's dimensions are refused.
	other, _ := drivertest.SmallImage(t, 0)
	other.Arch.LanesOV++
	_, err = b2.Attach(ctx, other)
	require.ErrorContains(t, err, "LANES_OV")
}

// flipEveryOther corrupts every other read that covers OUT_BUF's first
// word (bit 0 of it): no read of the outputs as a whole ever matches
// OUT_CRC, and no two reads in a row agree on that word.
type flipEveryOther struct {
	*simbus.Bus
	reads int
}

func (b *flipEveryOther) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	err := b.Bus.Read(ctx, addr, dst, incr)
	if incr && addr <= arch.RegOutBuf && arch.RegOutBuf < addr+uint32(len(dst)) {
		if b.reads++; b.reads%2 == 1 {
			dst[arch.RegOutBuf-addr] ^= 1
		}
	}
	return err
}

// A link that corrupts the outputs every other time: each output word is
// read until two reads agree, and the steps are the golden model's.
func TestBoardOutputsAgreed(t *testing.T) {
	ctx := context.Background()
	im, rows := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &flipEveryOther{Bus: simbus.New(dev)}
	b := driver.NewBoard(bus)
	require.NoError(t, b.Load(ctx, im))
	lockstep(t, b, im, rows[:50])
	st := b.Stats()
	assert.EqualValues(t, 50, st.OutputRereads, "every step's first read fails OUT_CRC")
	assert.GreaterOrEqual(t, st.StableRereads, uint64(50), "OUT_BUF[0] read differently")
	assert.Greater(t, bus.reads, 150)
}
