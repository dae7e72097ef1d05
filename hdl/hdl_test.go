package hdl

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	return compileArch(t, preset, file, n, edit, image.DefaultArch())
}

func compileArch(t *testing.T, preset, file string, n int, edit func(*model.Config), arch image.Arch) (*image.Image, [][]uint32) {
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
	im, err := image.Compile(region, arch)
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

func TestShort(t *testing.T) {
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 30, nil)
	compareRTL(t, im, inputs, func(i int) bool { return i%5 != 3 }, RunOptions{Protocol: true})
}

func TestJumpsup(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 600, nil)
	compareRTL(t, im, inputs, always, RunOptions{})
}

func TestSpeed(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	im, inputs := compileSeries(t, "small", "speed_7578.csv", 600, nil)
	compareRTL(t, im, inputs, always, RunOptions{})
}

// TestNabLong: the nab preset (2,048 columns of 32 cells, 32,768 segments
// of 32 slots: 52 Mbit of memories) for 1,000 steps.
func TestNabLong(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	im, inputs := compileSeries(t, "nab", "art_daily_jumpsup.csv", 1000, nil)
	compareRTL(t, im, inputs, always, RunOptions{})
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

func TestSPStress(t *testing.T) {
	im, inputs := compileSeries(t, "small", "speed_7578.csv", 400, stress)
	cyc := compareRTL(t, im, inputs, func(i int) bool { return i%7 != 6 }, RunOptions{})
	// The duty phase's cycles exceed its pass and update rounds: columns
	// were bumped.
	p, err := ParamsOf(im)
	require.NoError(t, err)
	learning := uint64(0)
	for i := range inputs {
		if i%7 != 6 {
			learning++
		}
	}
	base := learning*uint64(p.C+p.DivLat) + uint64(len(inputs)/10)*uint64(p.C)
	require.Greater(t, cyc[sim.PhaseSPDuty], base+uint64(p.C), "no column was bumped: the test does not exercise bumps")
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

// TestArch varies the architecture parameters: an overlap row of several
// words with a zero-padded lane (LANES_OV 3 on W = 4 words), one word per
// cycle, and a divider shorter and longer than its 16 quotient steps.
func TestArch(t *testing.T) {
	for _, a := range []image.Arch{{LanesOV: 3, LanesSyn: 4, DivLat: 7}, {LanesOV: 1, LanesSyn: 4, DivLat: 25}} {
		t.Run(fmt.Sprintf("lanes%d-div%d", a.LanesOV, a.DivLat), func(t *testing.T) {
			im, inputs := compileArch(t, "small", "speed_7578.csv", 150, stress, a)
			compareRTL(t, im, inputs, always, RunOptions{})
		})
	}
}

// TestIcarusSmoke runs the first steps in Icarus Verilog with a plain
// Verilog host (tb/htm_tb.v): the RTL is portable beyond Verilator, and
// gives the simulator's active columns and SP cycles there too.
func TestIcarusSmoke(t *testing.T) {
	needTool(t, "iverilog")
	needTool(t, "vvp")
	const steps = 3
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", steps, nil)
	dir := t.TempDir()
	require.NoError(t, WriteMemFiles(im, filepath.Join(dir, "mem")))
	vs, err := WriteSources(dir)
	require.NoError(t, err)
	var in strings.Builder
	fmt.Fprintf(&in, "%x\n", steps)
	for _, x := range inputs {
		fmt.Fprintf(&in, "%x\n", len(x))
		for _, v := range x {
			fmt.Fprintf(&in, "%x\n", v)
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "in.hex"), []byte(in.String()), 0o644))
	p, err := ParamsOf(im)
	require.NoError(t, err)
	args := []string{"-g2012", "-DSIM", "-I", IncludeDir(dir), "-o", "tb.vvp", "-s", "htm_tb"}
	for _, d := range p.Defines() {
		args = append(args, "-Phtm_tb."+d)
	}
	args = append(args, filepath.Join(dir, "tb", "htm_tb.v"))
	args = append(args, vs...)
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", name, out)
		return string(out)
	}
	run("iverilog", args...)
	t0 := time.Now()
	out := run("vvp", "-n", "tb.vvp", "+memdir="+filepath.Join(dir, "mem"))
	t.Logf("Icarus: %d steps in %v", steps, time.Since(t0).Round(time.Millisecond))
	s, err := sim.New(im)
	require.NoError(t, err)
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "step ") || strings.HasPrefix(line, "ERROR") {
			got = append(got, strings.TrimSpace(line))
		}
	}
	require.Len(t, got, steps, out)
	for i, x := range inputs {
		r, err := s.Step(x, true)
		require.NoError(t, err)
		var total uint64
		for _, ph := range Implemented {
			total += r.Cycles[ph]
		}
		want := fmt.Sprintf("step %d cycles %d cols", i, total)
		for _, c := range r.ActiveColumns {
			want += fmt.Sprintf(" %d", c)
		}
		require.Equal(t, want, got[i], "step %d", i)
	}
}

// TestLint: verilator --lint-only -Wall is clean with the waivers of
// rtl/lint.vlt, for the simulation build and for the synthesis top.
func TestLint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := WriteSources(dir)
	require.NoError(t, err)
	rtl := func(name string) string { return filepath.Join(dir, "rtl", name) }
	for _, c := range []struct {
		top   string
		files []string
		defs  []string
	}{
		{"htm_accel", []string{rtl("htm_accel.v"), rtl("htm_tm.v"), rtl("htm_ram.v")}, []string{"-DSIM"}},
		{"htm_synth_top", vs, nil},
	} {
		args := append([]string{"--lint-only", "-Wall", "-I" + IncludeDir(dir), "--top-module", c.top, rtl("lint.vlt")}, c.defs...)
		out, err := exec.Command("verilator", append(args, c.files...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Empty(t, strings.TrimSpace(string(out)), "lint of %s", c.top)
	}
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

// TestTMStress runs the TM's rare paths with learning off every 9th step,
// and checks that each event counter (regs words 7 to 14) the case needs
// has moved: "stress" (tmStress, LANES_SYN 3 on segments of 10 slots: a
// zero-padded lane), "pool" (12 segments: creation refused when every
// segment is in use), "short" (4 slots, one row per segment), "lanes1"
// (LANES_SYN 1: one slot per cycle, a bitmap bank still has two copies for
// the burst's two words) and "k2" (two cells per column, two lanes).
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
		arch  image.Arch
		edit  func(*model.Config)
		needs []int
	}{
		{"stress", image.Arch{LanesOV: 4, LanesSyn: 3, DivLat: 18}, tmStress, all},
		{"pool", image.Arch{LanesOV: 4, LanesSyn: 4, DivLat: 18}, func(c *model.Config) {
			tmStress(c)
			c.TM.SegmentPoolCapacity = 12
		}, []int{evictPool, notCreated}},
		{"short", image.Arch{LanesOV: 4, LanesSyn: 4, DivLat: 18}, func(c *model.Config) {
			tmStress(c)
			c.TM.MaxSynapsesPerSegment, c.TM.MaxNewSynapseCount = 4, 3
			c.TM.ActivationThreshold, c.TM.MinThreshold = 2, 1
		}, []int{synEvicted}},
		{"lanes1", image.Arch{LanesOV: 4, LanesSyn: 1, DivLat: 18}, func(c *model.Config) {
			tmStress(c)
			c.TM.CellsPerColumn = 4
		}, all},
		{"k2", image.Arch{LanesOV: 2, LanesSyn: 2, DivLat: 18}, func(c *model.Config) {
			tmStress(c)
			c.TM.CellsPerColumn = 2
		}, all},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := 500
			if c.name != "stress" {
				n = 300
			}
			im, inputs := compileArch(t, "small", "speed_7578.csv", n, c.edit, c.arch)
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
