package sim

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

const (
	jumpsup = "art_daily_jumpsup.csv"
	speed   = "speed_7578.csv"
)

func readRows(t testing.TB, file string) []series.Row {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	return rows
}

// presetConfig returns a preset with the RDSE resolution resolved from the
// rows' range.
func presetConfig(t testing.TB, preset string, rows []series.Row) *model.Config {
	t.Helper()
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	return cfg
}

// stressConfig is the small preset with every rule the presets leave off
// switched on and every capacity made tight: boosting, a stimulus
// threshold, narrow unwrapped pools of different
// lengths, fast duty cycles with a high minimum (bumps), punishment,
// full cells, a full pool and full segments.
func stressConfig(t testing.TB, rows []series.Row) *model.Config {
	cfg := presetConfig(t, "small", rows)
	cfg.Name = "stress"
	s := &cfg.SP
	s.PotentialRadius, s.WrapAround, s.PotentialPct = 9, false, 0.6
	s.StimulusThreshold = 3
	s.BoostStrength = 3
	s.DutyCyclePeriod, s.UpdatePeriod, s.MinPctOverlapDutyCycles = 40, 10, 0.3
	s.SynPermActiveInc = 0.06 // trim threshold 0.03
	tm := &cfg.TM
	tm.PredictedSegmentDecrement = 0.02
	tm.MaxSegmentsPerCell, tm.SegmentPoolCapacity = 3, 160
	tm.MaxSynapsesPerSegment, tm.MaxNewSynapseCount = 10, 8
	tm.ActivationThreshold, tm.MinThreshold = 5, 3
	return cfg
}

// tightConfig is stressConfig with a pool of 16 segments and low
// thresholds, so that creations fail when every segment is in use.
func tightConfig(t testing.TB, rows []series.Row) *model.Config {
	cfg := stressConfig(t, rows)
	cfg.Name = "tight"
	cfg.TM.SegmentPoolCapacity = 16
	cfg.TM.MinThreshold, cfg.TM.ActivationThreshold = 2, 3
	return cfg
}

// compareImages reports the first differing section and word.
func compareImages(t testing.TB, want, got *image.Image, what string) {
	t.Helper()
	require.Equal(t, len(want.Sections), len(got.Sections), "%s: sections", what)
	require.Equal(t, want.Arch, got.Arch, "%s: arch", what)
	require.Equal(t, want.Config, got.Config, "%s: config", what)
	for i, w := range want.Sections {
		g := got.Sections[i]
		require.Equal(t, w.Name, g.Name, "%s: section %d", what, i)
		require.Equal(t, w.Width, g.Width, "%s: section %q width", what, w.Name)
		require.Equal(t, len(w.Words), len(g.Words), "%s: section %q depth", what, w.Name)
	}
	if d := image.Diff(want, got); d != nil {
		t.Fatalf("%s: %v (golden, simulator)", what, d)
	}
}

type lockstep struct {
	name      string
	cfg       *model.Config
	rows      []series.Row
	steps     int
	restartAt int  // a second simulator starts from the golden region's image here
	literal   bool // the first simulator scans dendrites literally
}

// runLockstep runs the golden model and the simulator side by side,
// comparing every step's outputs, and their memories at the end. It
// returns the simulator's statistics.
func runLockstep(t *testing.T, c lockstep) Stats {
	t.Helper()
	arch := image.DefaultArch()
	golden, err := model.NewRegion(c.cfg)
	require.NoError(t, err)
	im, err := image.Compile(golden, arch)
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	s.SetLiteralScan(c.literal)
	enc, err := model.NewEncoder(c.cfg)
	require.NoError(t, err)
	sims := []*Sim{s}
	steps := min(c.steps, len(c.rows))
	for i := 0; i < steps; i++ {
		row := c.rows[i]
		if i == c.restartAt {
			im2, err := image.Compile(golden, arch)
			require.NoError(t, err)
			s2, err := New(im2)
			require.NoError(t, err)
			s2.SetLiteralScan(!c.literal)
			sims = append(sims, s2)
		}
		o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		if !slices.Equal(in, o.Encoding) {
			t.Fatalf("step %d: encoding differs", i)
		}
		for k, sim := range sims {
			r, err := sim.Step(in, true)
			require.NoError(t, err)
			if !slices.Equal(r.ActiveColumns, o.ActiveColumns) {
				t.Fatalf("sim %d step %d: active columns %v, golden %v", k, i, r.ActiveColumns, o.ActiveColumns)
			}
			if !slices.Equal(r.PredictedColumns, o.PredictedColumns) {
				t.Fatalf("sim %d step %d: predicted columns %v, golden %v", k, i, r.PredictedColumns, o.PredictedColumns)
			}
			if r.AnomalyNum != o.Anomaly.Num || r.AnomalyDen != o.Anomaly.Den {
				t.Fatalf("sim %d step %d: anomaly %d/%d, golden %d/%d", k, i, r.AnomalyNum, r.AnomalyDen, o.Anomaly.Num, o.Anomaly.Den)
			}
			if i%101 == 0 || i == steps-1 {
				want, got := golden.TraceRow(o), sim.TraceRow(i, in, r)
				want.Step = i
				require.Equal(t, want, got, "step %d: trace row", i)
				tmr := golden.TM()
				require.True(t, slices.Equal(tmr.ActiveCells(), sim.ActiveCells()), "step %d: active cells", i)
				require.True(t, slices.Equal(tmr.WinnerCells(), sim.WinnerCells()), "step %d: winner cells", i)
				require.True(t, slices.Equal(tmr.PredictiveCells(nil), sim.PredictiveCells()), "step %d: predictive cells", i)
				require.Equal(t, tmr.NumSegments(), sim.NumSegments(), "step %d: segments", i)
				require.Equal(t, tmr.NumSynapses(), sim.NumSynapses(), "step %d: synapses", i)
			}
		}
	}
	want, err := image.Compile(golden, arch)
	require.NoError(t, err)
	for k, sim := range sims {
		compareImages(t, want, sim.Image(), fmt.Sprintf("%s: simulator %d after %d steps", c.name, k, steps))
	}
	st := s.Stats()
	require.EqualValues(t, steps, st.Steps)
	t.Logf("%s: %d steps, %d segments, TM stats %+v", c.name, steps, s.NumSegments(), golden.TM().Stats())
	logCycles(t, c.name, st)
	return st
}

func logCycles(t *testing.T, name string, st Stats) {
	t.Helper()
	line := ""
	for ph := Phase(0); ph < NumPhases; ph++ {
		line += fmt.Sprintf(" %s=%.1f", ph, float64(st.Cycles[ph])/float64(st.Steps))
	}
	mean := float64(st.Total) / float64(st.Steps)
	t.Logf("%s: mean cycles/step %.1f (%.0f steps/s at 100 MHz):%s", name, mean, 1e8/mean, line)
}

func TestBitExactNab(t *testing.T) {
	rows := readRows(t, jumpsup)
	steps := len(rows) // 4032
	if testing.Short() {
		steps = 2000
	}
	runLockstep(t, lockstep{name: "nab/jumpsup", cfg: presetConfig(t, "nab", rows), rows: rows, steps: steps, restartAt: 1500})
}

func TestBitExactSmall(t *testing.T) {
	rows := readRows(t, jumpsup)
	runLockstep(t, lockstep{name: "small/jumpsup", cfg: presetConfig(t, "small", rows), rows: rows, steps: len(rows), restartAt: 1500})
}

func TestBitExactHello(t *testing.T) {
	rows := readRows(t, speed)
	runLockstep(t, lockstep{name: "hello/speed_7578", cfg: presetConfig(t, "hello", rows), rows: rows, steps: len(rows), restartAt: 600})
}

// TestBitExactStress runs every rule the presets leave off, and every
// capacity limit, with the literal dendrite scan.
func TestBitExactStress(t *testing.T) {
	rows := readRows(t, jumpsup)
	runLockstep(t, lockstep{name: "stress/jumpsup", cfg: stressConfig(t, rows), rows: rows, steps: 2500, restartAt: 1200, literal: true})
	runLockstep(t, lockstep{name: "tight/jumpsup", cfg: tightConfig(t, rows), rows: rows, steps: 2000, restartAt: 900})
}

// TestStressCoversEveryRule checks that the stress configuration reaches
// every event it is meant to reach.
func TestStressCoversEveryRule(t *testing.T) {
	rows := readRows(t, jumpsup)
	golden, err := model.NewRegion(tightConfig(t, rows))
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	s, err := runRows(im, rows[:1500], true)
	require.NoError(t, err)
	regs := s.regs
	names := []string{"segments created", "evicted (cell)", "evicted (pool)", "pruned", "not created",
		"synapses created", "synapses pruned", "synapses evicted"}
	for i, n := range names {
		require.NotZero(t, regs[regSegCreated+i], "stress run never counted %s", n)
	}
	require.NotZero(t, s.nBumped, "no weak column was bumped")
	// Raise to threshold never happens while learning: an active column
	// has at least stimulusThreshold connected synapses on active inputs,
	// and adaptation only strengthens those (SPEC 5.5.1).
	require.Zero(t, s.nRaised)
	require.NotZero(t, s.nTrimmed, "no permanence was trimmed")
	require.NotZero(t, regs[regMinOverlap])
}

// TestLiteralScanEqualsIndex compares the two dendrite methods step by step,
// cycles and access counts included.
func TestLiteralScanEqualsIndex(t *testing.T) {
	rows := readRows(t, jumpsup)
	cfg := presetConfig(t, "small", rows)
	golden, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	a, err := New(im)
	require.NoError(t, err)
	b, err := New(im)
	require.NoError(t, err)
	b.SetLiteralScan(true)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	for i, row := range rows[:1500] {
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		ra, err := a.Step(in, true)
		require.NoError(t, err)
		rb, err := b.Step(in, true)
		require.NoError(t, err)
		require.Equal(t, ra, rb, "step %d", i)
	}
	require.Equal(t, a.Stats(), b.Stats())
	compareImages(t, a.Image(), b.Image(), "literal vs index")
}

// TestInference checks learn=false: outputs equal the golden model's, and
// no memory changes except the cell bitmaps, the step and SP iteration
// counters and the TM generator (the least used cell draws without
// learning, SPEC 6.5/6.11).
func TestInference(t *testing.T) {
	rows := readRows(t, jumpsup)
	t.Run("small", func(t *testing.T) { testInference(t, rows, presetConfig(t, "small", rows)) })
	t.Run("stress", func(t *testing.T) { testInference(t, rows, stressConfig(t, rows)) })
}

func testInference(t *testing.T, rows []series.Row, cfg *model.Config) {
	golden, err := model.NewRegion(cfg)
	require.NoError(t, err)
	for _, row := range rows[:800] {
		_, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	before := s.Image()
	step := func(row series.Row, learn bool) {
		o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, learn)
		require.NoError(t, err)
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		r, err := s.Step(in, learn)
		require.NoError(t, err)
		require.Equal(t, o.ActiveColumns, r.ActiveColumns)
		require.Equal(t, o.PredictedColumns, r.PredictedColumns)
		require.Equal(t, o.Anomaly.Num, r.AnomalyNum)
		require.Equal(t, o.Anomaly.Den, r.AnomalyDen)
		if !learn {
			require.Zero(t, r.Cycles[PhaseSPLearn])
			require.Zero(t, r.Cycles[PhaseSPDuty])
		}
	}
	for _, row := range rows[800:1000] {
		step(row, false)
	}
	after := s.Image()
	mayChange := map[string]bool{"tm.active": true, "tm.winner": true}
	for i, b := range before.Sections {
		a := after.Sections[i]
		if mayChange[b.Name] {
			continue
		}
		for j := range b.Words {
			if b.Name == "regs" && (j == regSteps || j == regSPIter || j == regGen) {
				continue
			}
			require.Equal(t, b.Words[j], a.Words[j], "learn=false changed %s word %d", b.Name, j)
		}
	}
	require.EqualValues(t, 1000, after.Section("regs").Words[regSteps])
	require.NotEqual(t, before.Section("tm.active").Words, after.Section("tm.active").Words)
	// Learning again after inference stays bit-exact.
	for _, row := range rows[1000:1300] {
		step(row, true)
	}
	want, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	compareImages(t, want, s.Image(), "after inference and learning")
}

// TestIterationWrap starts from a trained image whose TM iteration and
// segLastUsed values are shifted so that the 32-bit iteration wraps 50
// steps later: ages modulo 2^32 (SPEC 6.10) keep the eviction order, and
// the simulator must agree with the golden model loaded from the same
// image.
func TestIterationWrap(t *testing.T) {
	rows := readRows(t, jumpsup)
	cfg := tightConfig(t, rows)
	trained, err := model.NewRegion(cfg)
	require.NoError(t, err)
	for _, row := range rows[:400] {
		_, err := trained.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	im, err := image.Compile(trained, image.DefaultArch())
	require.NoError(t, err)
	regs, lru, seg := im.Section("regs").Words, im.Section("tm.seglru").Words, im.Section("tm.seg").Words
	off := uint32(1<<32-50) - uint32(regs[regTMIter])
	regs[regTMIter] = uint64(uint32(regs[regTMIter]) + off)
	valid := uint64(1) << newLayoutFor(t, im).WCell
	for i := range lru {
		if seg[i]&valid != 0 {
			lru[i] = uint64(uint32(lru[i]) + off)
		}
	}
	golden, err := im.Region()
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	evicted := s.regs[regSegEvictedPool] + s.regs[regSegEvictedCell]
	for i, row := range rows[400:700] {
		o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		r, err := s.Step(in, true)
		require.NoError(t, err)
		require.True(t, slices.Equal(o.ActiveColumns, r.ActiveColumns), "step %d", i)
		require.True(t, slices.Equal(o.PredictedColumns, r.PredictedColumns), "step %d", i)
	}
	require.Less(t, s.regs[regTMIter], uint64(300), "the TM iteration has wrapped")
	require.Greater(t, s.regs[regSegEvictedPool]+s.regs[regSegEvictedCell], evicted, "no eviction after the wrap")
	want, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	compareImages(t, want, s.Image(), "across the TM iteration's wrap")
}

// TestSPIterationWrap starts from an image whose 64-bit SP iteration is
// about to wrap (an image passes every check with any value there): the
// step that wraps it divides by dutyCyclePeriod (SPEC 5.5.2), not by 0,
// and the simulator agrees with the golden model.
func TestSPIterationWrap(t *testing.T) {
	rows := readRows(t, jumpsup)
	cfg := tightConfig(t, rows)
	trained, err := model.NewRegion(cfg)
	require.NoError(t, err)
	for _, row := range rows[:100] {
		_, err := trained.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	im, err := image.Compile(trained, image.DefaultArch())
	require.NoError(t, err)
	im.Section("regs").Words[regSPIter] = 1<<64 - 2
	golden, err := im.Region()
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	for i, row := range rows[100:110] {
		o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		r, err := s.Step(in, true)
		require.NoError(t, err)
		require.True(t, slices.Equal(o.ActiveColumns, r.ActiveColumns), "step %d", i)
	}
	require.EqualValues(t, 8, s.regs[regSPIter], "the SP iteration has wrapped")
	want, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	compareImages(t, want, s.Image(), "across the SP iteration's wrap")
}

// newLayoutFor returns package image's layout of an image.
func newLayoutFor(t testing.TB, im *image.Image) image.Layout {
	cfg, err := im.ModelConfig()
	require.NoError(t, err)
	q, err := cfg.Quantize()
	require.NoError(t, err)
	return image.NewLayout(q, int(im.Section("cfg").Words[2]))
}

func TestBadInput(t *testing.T) {
	rows := readRows(t, jumpsup)
	cfg := presetConfig(t, "small", rows)
	golden, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	before := s.Image()
	for _, in := range [][]uint32{{3, 2}, {1, 1}, {uint32(s.p.N)}} {
		_, err := s.Step(in, true)
		require.True(t, errors.Is(err, ErrBadInput), "%v: %v", in, err)
	}
	compareImages(t, before, s.Image(), "after refused inputs")
	require.Zero(t, s.Stats().Steps)
	// An empty input is valid.
	_, err = s.Step(nil, true)
	require.NoError(t, err)
}

func TestNewRefusesBadImages(t *testing.T) {
	rows := readRows(t, jumpsup)
	golden, err := model.NewRegion(presetConfig(t, "small", rows))
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	im.Section("sp.conn").Words[5] ^= 1
	_, err = New(im)
	require.Error(t, err)
	_, err = New(nil)
	require.Error(t, err)
}

// TestCycleFormulas runs the small preset and a stress configuration
// (learning off every 7th step, 1,500 steps)
// and checks every step's phase cycles against Accel3Cycles on counts taken
// from the images around the step (the active columns' and the bumped
// columns' pool lengths, the used segments after it) and the column
// engine's counts (TestTMCells3Counts checks those), CYCLES against their
// sum, Stats' sums, and RESTORE's cycles on a fresh and on a used image.
func TestCycleFormulas(t *testing.T) {
	rows := readRows(t, jumpsup)
	// stress: bumped columns, punishment, full cells and pool (and
	// boosting, which costs the cycles of inhibition without it).
	for _, cfg := range []*model.Config{presetConfig(t, "small", rows), stressConfig(t, rows)} {
		t.Run(cfg.Name, func(t *testing.T) { checkCycleFormulas(t, cfg, rows) })
	}
}

func checkCycleFormulas(t *testing.T, cfg *model.Config, rows []series.Row) {
	golden, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	p, err := Params3Of(im)
	require.NoError(t, err)
	require.Equal(t, Accel3RestoreCycles(p, 0), s.Stats().RestoreCycles)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	plen := im.Section("sp.poollen").Words
	var sum [NumPhases]uint64
	var total uint64
	var nBumped int
	for i, row := range rows[:1500] {
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		learn := i%7 != 6 // (update rounds, every 10th step in stress, learn)
		minOv := s.regs[regMinOverlap]
		r, err := s.Step(in, learn)
		require.NoError(t, err)
		var active, bumped []int
		for _, c := range r.ActiveColumns {
			active = append(active, int(plen[c]))
		}
		if learn && minOv > 0 {
			for c, w := range s.duty {
				if w&0xFFFF < minOv {
					bumped = append(bumped, int(plen[c]))
				}
			}
		}
		nBumped += len(bumped)
		want := Accel3Cycles(p, learn, len(in), active, bumped, s.TMCells3().Cycles(p), s.NumSegments())
		require.Equal(t, want, r.Cycles, "step %d", i)
		var tot uint64
		for ph, c := range want {
			tot += c
			sum[ph] += c
		}
		require.Equal(t, tot, r.Total, "step %d: total", i)
		total += tot
		if !learn {
			require.Zero(t, r.Cycles[PhaseSPLearn]+r.Cycles[PhaseSPDuty], "step %d: SP learning phases without learning", i)
		}
		require.Zero(t, r.Cycles[PhaseTMPredict], "step %d: TM_PREDICT is the column engine's", i)
	}
	st := s.Stats()
	require.Equal(t, sum, st.Cycles)
	require.Equal(t, total, st.Total)
	require.Positive(t, s.NumSegments())
	s2, err := New(s.Image())
	require.NoError(t, err)
	require.Equal(t, Accel3RestoreCycles(p, s.NumSegments()), s2.Stats().RestoreCycles)
	require.Greater(t, s2.Stats().RestoreCycles, Accel3RestoreCycles(p, 0))
	if cfg.Name == "stress" {
		require.Positive(t, nBumped, "no bumped column")
	}
	t.Logf("%s: 1500 steps: %d bumped columns, mean cycles/step %d", cfg.Name, nBumped, total/1500)
}
