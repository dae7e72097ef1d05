package hdl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/internal/testenv"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// needTool is testenv.NeedTool: skip without the tool, fail under CI.
var needTool = testenv.NeedTool

// compileSeries compiles a preset whose RDSE resolution comes from a NAB
// series' range, and encodes the series' first n rows. edit, if not nil,
// changes the configuration first.
func compileSeries(t *testing.T, preset, file string, n int, edit func(*model.Config)) (*image.Image, [][]uint32) {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	if edit != nil {
		edit(cfg)
	}
	region, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(region, image.DefaultArch())
	require.NoError(t, err)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	n = min(n, len(rows))
	inputs := make([][]uint32, n)
	for i := 0; i < n; i++ {
		in, err := enc.Encode(rows[i].Time, rows[i].Value)
		require.NoError(t, err)
		inputs[i] = slices.Clone(in)
	}
	return im, inputs
}

// compareRTL runs the RTL and the cycle-level simulator through the same
// steps (Verify) and fails at the first divergence: a register (step, cols,
// cycles, with missing and extra columns), a phase's cycles, or a memory
// word or CRC read back over the bus at the end. It returns the
// simulator's cycles per phase.
func compareRTL(t *testing.T, im *image.Image, inputs [][]uint32, learn func(int) bool, opt RunOptions) [sim.NumPhases]uint64 {
	t.Helper()
	return compareRTLFrom(t, im, im, inputs, learn, opt)
}

// compareRTLFrom is compareRTL on an RTL whose memories start as init's
// ($readmemh) and are then loaded with start's through the memory window
// (when start is not init), against a simulator that starts from start.
func compareRTLFrom(t *testing.T, init, start *image.Image, inputs [][]uint32, learn func(int) bool, opt RunOptions) [sim.NumPhases]uint64 {
	t.Helper()
	needTool(t, "verilator")
	steps := make([]Step, len(inputs))
	for i, in := range inputs {
		steps[i] = Step{Input: in, Learn: learn(i)}
	}
	rep, err := Verify(context.Background(), start, init, steps, opt, t.TempDir())
	require.NoError(t, err)
	t.Logf("verilator build %v (cached %v); RTL run %v, %d cycles simulated (%s)", rep.Build.Round(time.Millisecond),
		rep.Cached, rep.Run.Round(time.Millisecond), rep.SimCycles, strings.TrimSpace(rep.Log))
	if rep.Mismatch != nil {
		t.Fatalf("RTL vs simulator: %v", rep.Mismatch)
	}
	require.Equal(t, len(steps), rep.Matched)
	var sum uint64
	for _, c := range rep.Cycles {
		sum += c
	}
	t.Logf("%d steps matched: outputs, phase cycles (%d in all), memories and CRCs", len(steps), sum)
	return rep.Cycles
}

func always(int) bool { return true }

// TestShort runs Verify (htmhw verify's comparison) with the harness's
// protocol checks, learning off every 5th step. TestAccel3 runs the long
// series.
func TestShort(t *testing.T) {
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 30, nil)
	compareRTL(t, im, inputs, func(i int) bool { return i%5 != 3 }, RunOptions{Protocol: true})
}

// TestNabMemFiles: the nab preset (32,768 segments, 23-bit tm.seg words),
// which htm3_accel's fixed 16K-word segment memory once refused, is laid
// out in a segment memory sized from its dimensions, tm.seg in two parts.
func TestNabMemFiles(t *testing.T) {
	im, _ := compileSeries(t, "nab", "art_daily_jumpsup.csv", 1, nil)
	dir := t.TempDir()
	require.NoError(t, WriteMemFiles(im, dir))
	p, err := ParamsOf(im)
	require.NoError(t, err)
	l := NewAccel3Layout(p)
	require.True(t, l.Seg2(), "nab's tm.seg word is %d bits", l.SegW)
	b, err := os.ReadFile(filepath.Join(dir, "segmem.hex"))
	require.NoError(t, err)
	require.Contains(t, string(b), fmt.Sprintf("// segmem: %d words of 16 bits", l.Words()))
	require.Greater(t, l.Words(), 16384)
}

// stress switches on the SP rules the presets leave off (as sim's
// stressConfig, without boosting, whose inhibition the RTL does not
// implement): a stimulus threshold, narrow unwrapped pools of different
// lengths, fast duty cycles with a high minimum (bumps on most update
// rounds) and a trim threshold.
func stress(c *model.Config) {
	s := &c.SP
	s.PotentialRadius, s.WrapAround, s.PotentialPct = 9, false, 0.6
	s.StimulusThreshold = 3
	s.DutyCyclePeriod, s.UpdatePeriod, s.MinPctOverlapDutyCycles = 40, 10, 0.3
	s.SynPermActiveInc = 0.06
}

// TestSPStress runs the SP's rare rules (stress) with learning off every
// 7th step, and checks that columns were bumped.
func TestSPStress(t *testing.T) {
	im, inputs := compileSeries(t, "small", "speed_7578.csv", 400, stress)
	learn := func(i int) bool { return i%7 != 6 }
	compareRTL(t, im, inputs, learn, RunOptions{})
	s, err := sim.New(im)
	require.NoError(t, err)
	bumped := 0
	for i, in := range inputs {
		minOv := s.Image().Section("regs").Words[arch.RegsSPMinOverlap]
		_, err := s.Step(in, learn(i))
		require.NoError(t, err)
		if learn(i) && minOv > 0 {
			for _, w := range s.Image().Section("sp.duty").Words {
				if w&0xFFFF < minOv {
					bumped++
				}
			}
		}
	}
	require.Positive(t, bumped, "no column was bumped: the test does not exercise bumps")
	t.Logf("%d columns bumped", bumped)
}

// TestLoadWindow loads a trained region (the simulator's memories after
// 120 steps) through the memory windows into an RTL initialised with the
// fresh region, then continues both for 120 steps.
func TestLoadWindow(t *testing.T) {
	fresh, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 240, nil)
	s, err := sim.New(fresh)
	require.NoError(t, err)
	for _, in := range inputs[:120] {
		_, err := s.Step(in, true)
		require.NoError(t, err)
	}
	trained := s.Image()
	require.NotEqual(t, fresh.Section("sp.conn").CRC(), trained.Section("sp.conn").CRC())
	compareRTLFrom(t, fresh, trained, inputs[120:], always, RunOptions{})
}

// TestTrainedImage starts the RTL from a trained region's $readmemh files
// (the simulator's memories after 150 steps of speed_7578): RESTORE
// rebuilds the working memories from them, in the simulator's cycles, and
// the next 150 steps match.
func TestTrainedImage(t *testing.T) {
	fresh, inputs := compileSeries(t, "small", "speed_7578.csv", 300, nil)
	s, err := sim.New(fresh)
	require.NoError(t, err)
	for _, in := range inputs[:150] {
		_, err := s.Step(in, true)
		require.NoError(t, err)
	}
	trained := s.Image()
	require.NotZero(t, trained.Section("tm.winner").CRC()^fresh.Section("tm.winner").CRC())
	compareRTL(t, trained, inputs[150:], always, RunOptions{})
}

// tmStress switches on the TM rules the presets rarely reach: a pool of
// few segments (pool evictions), two segments per cell (cell evictions),
// short segments (weakest-synapse evictions in grow), punishment of
// matching segments in inactive columns, fast decrements (synapses and
// segments pruned), and three cells per column (a column's cells straddle
// bitmap words).
func tmStress(c *model.Config) {
	t := &c.TM
	t.CellsPerColumn = 3
	t.MaxSegmentsPerCell = 2
	t.SegmentPoolCapacity = 96
	t.MaxSynapsesPerSegment, t.MaxNewSynapseCount = 10, 6
	t.ActivationThreshold, t.MinThreshold = 4, 3
	t.PredictedSegmentDecrement = 0.02
	t.PermanenceDecrement = 0.15
}

// TestTMStress runs the TM's rare paths with learning off every 9th step
// through Verify, and checks that each event counter (regs words 7 to 14)
// the case needs has moved: "stress" (tmStress: segments of 10 slots),
// "pool" (12 segments: creation refused when every segment is in use),
// "short" (4 slots), "k4" (four cells per column) and "k2" (two).
func TestTMStress(t *testing.T) {
	const (
		created = iota
		evictCell
		evictPool
		segPruned
		notCreated
		synCreated
		synPruned
		synEvicted
	)
	names := []string{"segments created", "evicted (cell)", "evicted (pool)", "pruned", "not created",
		"synapses created", "pruned", "evicted"}
	all := []int{created, evictCell, evictPool, segPruned, synCreated, synPruned, synEvicted}
	for _, c := range []struct {
		name  string
		edit  func(*model.Config)
		needs []int
	}{
		{"stress", tmStress, all},
		{"pool", func(c *model.Config) {
			tmStress(c)
			c.TM.SegmentPoolCapacity = 12
		}, []int{evictPool, notCreated}},
		{"short", func(c *model.Config) {
			tmStress(c)
			c.TM.MaxSynapsesPerSegment, c.TM.MaxNewSynapseCount = 4, 3
			c.TM.ActivationThreshold, c.TM.MinThreshold = 2, 1
		}, []int{synEvicted}},
		{"k4", func(c *model.Config) {
			tmStress(c)
			c.TM.CellsPerColumn = 4
		}, all},
		{"k2", func(c *model.Config) {
			tmStress(c)
			c.TM.CellsPerColumn = 2
		}, all},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 500
			if c.name != "stress" {
				n = 300
			}
			im, inputs := compileSeries(t, "small", "speed_7578.csv", n, c.edit)
			learn := func(i int) bool { return i%9 != 8 }
			compareRTL(t, im, inputs, learn, RunOptions{})
			s, err := sim.New(im)
			require.NoError(t, err)
			for i, in := range inputs {
				_, err := s.Step(in, learn(i))
				require.NoError(t, err)
			}
			w := s.Image().Section("regs").Words
			for i, n := range names {
				t.Logf("%s: %d", n, w[7+i])
			}
			for _, i := range c.needs {
				require.NotZero(t, w[7+i], "the test does not exercise %q", names[i])
			}
		})
	}
}
