package hdl

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/sim"
)

// accel3Ents are the column engine's state entries per pass, from the
// lines htm3_tm prints under SIM ("htm3_tm: ent state:count ...").
func accel3Ents(t *testing.T, log string) []map[int]int {
	t.Helper()
	var out []map[int]int
	for _, line := range strings.Split(log, "\n") {
		rest, ok := strings.CutPrefix(line, "htm3_tm: ent")
		if !ok {
			continue
		}
		ent := map[int]int{}
		for _, f := range strings.Fields(rest) {
			a, b, ok := strings.Cut(f, ":")
			require.True(t, ok, "%q", line)
			k, err := strconv.Atoi(a)
			require.NoError(t, err)
			v, err := strconv.Atoi(b)
			require.NoError(t, err)
			ent[k] = v
		}
		out = append(out, ent)
	}
	return out
}

// accel3Case is a configuration of TestAccel3.
type accel3Case struct {
	name, preset, file string
	steps              int
	edit               func(*model.Config)
	learnOff           int // learning off every learnOff-th step (0: always on)
	// gate, if set, is the environment variable that must be set for the
	// case to run (a case too long for CI's budget)
	gate string
}

// accel3Cases are TestAccel3's configurations: the small preset on two
// series, the TM stress configurations of TestTMCells3 (TestTMStress's,
// and with a pool of a power of two), and configurations whose tm.seg word
// is two parts (TM.md): the stress one with 64 slots a segment, the hello
// and nab presets (segment memories of 2^19 and 2^20 words).
var accel3Cases = []accel3Case{
	{"jumpsup", "small", "art_daily_jumpsup.csv", 600, nil, 0, ""},
	{"speed", "small", "speed_7578.csv", 600, nil, 0, ""},
	{"stress", "small", "speed_7578.csv", 300, tmStress, 10, ""},
	{"s128", "small", "speed_7578.csv", 200, func(c *model.Config) {
		tmStress(c)
		c.TM.SegmentPoolCapacity = 128
	}, 10, ""},
	// tm.seg in two parts on the stress configuration (M 64: a word of 18
	// bits): every path of it (cell-full walks, pool evictions, prunes)
	{"stress-seg2", "small", "speed_7578.csv", 200, func(c *model.Config) {
		tmStress(c)
		c.TM.MaxSynapsesPerSegment = 64
	}, 10, ""},
	{"hello", "hello", "art_daily_jumpsup.csv", 100, nil, 0, ""},
	// nab's model reads back 2.9M memory words through the window at the
	// end (tm.syn 1M, sp.pool 743K): minutes, beyond CI's budget
	{"nab", "nab", "nyc_taxi.csv", 30, nil, 0, "HTMHW_ACCEL3_NAB"},
}

// accel3Run is a run of htm3_accel checked against the simulator.
type accel3Run struct {
	p   Params
	m   *Model
	im  *image.Image // the image the model's memory files hold
	dir string       // those files
	// gate: m is the gate-level netlist (BuildGate): its memories start
	// blank (a run loads im through the window first) and it prints
	// nothing of SIM's (the column engine's entries are not checked).
	gate bool
}

func newAccel3Run(t *testing.T, im *image.Image) *accel3Run {
	t.Helper()
	require.Zero(t, im.Section("cfg").Words[arch.CfgBoost], "htm3_sp implements boosting off only")
	m := buildFor(t, im)
	dir := t.TempDir()
	require.NoError(t, WriteMemFiles(im, dir))
	return &accel3Run{p: m.Params, m: m, im: im, dir: dir}
}

// check runs steps on the model (from the snapshot load, if given: loaded
// through the window, then RESTORE) and compares it with the simulator s,
// which is at the state the model starts from: per step STEP_LO, the
// active and predicted columns, the anomaly pair, every PHASE_CYCLES word
// against sim.Accel3Cycles and CYCLES against their sum; RESTORE's cycles; at
// the end every memory read back through the window and its CRC_VALUE
// against the simulator's image. With restoreAt > 0 the harness issues
// RESTORE before step restoreAt of the run (the memories as they stand, the
// TM's working state not empty): the run must continue unchanged, and
// RESTORE's cycles follow the formula. It returns the memories read back.
func (r *accel3Run) check(t *testing.T, s *sim.Sim, steps []Step, load *image.Image, protocol bool, restoreAt int) []*image.Section {
	t.Helper()
	p := r.p
	opt := RunOptions{Dump: true, Protocol: protocol, RestoreAt: restoreAt}
	if load == nil && r.gate {
		load = r.im // as $readmemh loads it into the RTL
	}
	if load != nil {
		opt.LoadDir = filepath.Join(t.TempDir(), "load")
		require.NoError(t, os.MkdirAll(opt.LoadDir, 0o755))
		_, err := load.WriteMemFiles(opt.LoadDir, []string{"readmemh"})
		require.NoError(t, err)
	}
	t0 := time.Now()
	res, err := r.m.Run(context.Background(), r.im, r.dir, steps, opt)
	require.NoError(t, err)
	simulated := "?"
	if m := regexp.MustCompile(`harness: (\d+) cycles`).FindStringSubmatch(res.Log); m != nil {
		simulated = m[1]
	}
	t.Logf("run of %d steps %v, %s cycles simulated (load, protocol, steps, dump)", len(steps), time.Since(t0).Round(time.Millisecond), simulated)
	if protocol {
		require.Contains(t, res.Log, "protocol checks passed")
	}
	start := s.Image()
	rs := regexp.MustCompile(`RESTORE (\d+) cycles`).FindAllStringSubmatch(res.Log, -1)
	require.NotEmpty(t, rs, "the harness reports RESTORE's cycles")
	wantRestore := sim.Accel3RestoreCycles(p.sim3(), p.S-int(start.Section("regs").Words[arch.RegsFreeCount]))
	for _, mm := range rs {
		c, _ := strconv.ParseUint(mm[1], 10, 64)
		require.Equal(t, wantRestore, c, "RESTORE's cycles")
	}
	require.Len(t, res.Regs, len(steps))
	require.Len(t, res.Phases, len(steps))
	mid := regexp.MustCompile(`RESTORE before step (\d+): (\d+) cycles`).FindAllStringSubmatch(res.Log, -1)
	if restoreAt > 0 {
		require.Len(t, mid, 1, "the harness reports the RESTORE before step %d", restoreAt)
	}
	ents := accel3Ents(t, res.Log)
	if !r.gate {
		require.Len(t, ents, len(steps), "the column engine's passes")
	}

	plen := start.Section("sp.poollen").Words
	first := s.Steps()
	var sum [sim.NumPhases]uint64
	var nPred, maxCells int
	per := make([]uint64, 0, len(steps)) // CYCLES per step
	for i, st := range steps {
		before := s.Image()
		if i == restoreAt && restoreAt > 0 {
			at, _ := strconv.ParseUint(mid[0][1], 10, 64)
			c, _ := strconv.ParseUint(mid[0][2], 10, 64)
			require.Equal(t, first+uint64(i), at, "the RESTORE's step")
			used := p.S - int(before.Section("regs").Words[arch.RegsFreeCount])
			require.Equal(t, sim.Accel3RestoreCycles(p.sim3(), used), c, "RESTORE's cycles before step %d (%d used segments)", at, used)
			t.Logf("RESTORE before step %d: %d used segments, %d cycles", at, used, c)
		}
		minOv := before.Section("regs").Words[arch.RegsSPMinOverlap]
		out, err := s.Step(st.Input, st.Learn)
		require.NoError(t, err)
		after := s.Image()
		at := fmt.Sprintf("step %d (learn %v)", first+uint64(i), st.Learn)
		got := res.Regs[i]
		require.Equal(t, first+uint64(i), got.Step, "%s: STEP_LO", at)
		require.Equal(t, out.ActiveColumns, got.Cols, "%s: active columns", at)
		require.Equal(t, append([]uint32{}, out.PredictedColumns...), append([]uint32{}, got.Pred...), "%s: predicted columns", at)
		require.Equal(t, out.AnomalyNum, got.AnomNum, "%s: ANOM_NUM", at)
		require.Equal(t, out.AnomalyDen, got.AnomDen, "%s: ANOM_DEN", at)
		nPred += len(out.PredictedColumns)
		var active, bumped []int
		for _, c := range out.ActiveColumns {
			active = append(active, int(plen[c]))
		}
		if st.Learn && minOv > 0 {
			for c, w := range after.Section("sp.duty").Words {
				if w&0xFFFF < minOv {
					bumped = append(bumped, int(plen[c]))
				}
			}
		}
		// TM_CELLS: TM.md's formula on the simulator's counts, cross-
		// checked against the dendrite's lists over the image before the
		// step, the engine's own counts and the event counters as
		// TestTMCells3 checks them.
		o := s.TMCells3()
		if !r.gate {
			c := writeTmc3Mem(t, before, slices.Clone(out.ActiveColumns), i%2, "")
			o = checkOps(t, at, st.Learn, c, o, ents[i], before, after)
		}
		cells := o.Cycles(p.sim3())
		maxCells = max(maxCells, cells)
		used := p.S - int(after.Section("regs").Words[arch.RegsFreeCount])
		want := sim.Accel3Cycles(p.sim3(), st.Learn, len(st.Input), active, bumped, cells, used)
		var tot uint64
		for ph := range want {
			require.Equal(t, want[ph], res.Phases[i][ph], "%s: %s cycles (%+v)", at, sim.Phase(ph), o)
			tot += want[ph]
			sum[ph] += want[ph]
		}
		require.Equal(t, tot, got.Cycles, "%s: CYCLES", at)
		per = append(per, got.Cycles)
	}
	end := s.Image()
	units, err := end.Units() // CRC_VALUE covers the window's units (contract version 4)
	require.NoError(t, err)
	require.Len(t, res.Mems, int(arch.NumMems))
	for mi, sec := range res.Mems {
		want := end.Section(sec.Name)
		require.Len(t, sec.Words, len(want.Words), sec.Name)
		for j := range want.Words {
			if sec.Words[j] != want.Words[j] {
				t.Fatalf("after step %d: memory %s word %d: RTL %#x, want %#x", s.Steps()-1, sec.Name, j, sec.Words[j], want.Words[j])
			}
		}
		require.Equal(t, units.Sections[mi].Words, res.Units[mi].Words, "%s: units read", sec.Name)
		require.Equal(t, units.Sections[mi].CRC(), res.CRCs[mi], "%s: CRC_VALUE", sec.Name)
	}
	n := uint64(max(len(steps), 1))
	var mean [sim.NumPhases]uint64
	for ph := range sum {
		mean[ph] = sum[ph] / n
	}
	t.Logf("%d steps from step %d: STEP_LO, active and predicted columns (%d predicted), anomaly, phase cycles and CYCLES match; "+
		"memories and CRC_VALUE match; RESTORE %d cycles; mean cycles per phase %v (TM_CELLS max %d)",
		len(steps), first, nPred, wantRestore, mean, maxCells+3)
	t.Log(accel3Figures(per))
	return res.Mems
}

func accel3Steps(inputs [][]uint32, learnOff, from int) []Step {
	steps := make([]Step, len(inputs))
	for i, in := range inputs {
		steps[i] = Step{Input: in, Learn: learnOff == 0 || (from+i)%learnOff != learnOff-1}
	}
	return steps
}

// TestAccel3 runs htm3_accel over the bus (the harness, with
// its protocol checks) through every step of each configuration, learning
// on (the stress configurations: off every 10th step), with a RESTORE of
// the device's own memories half way, against the simulator step for step
// (accel3Run.check): outputs, every phase's cycles against its unit's
// formula, RESTORE's cycles, and at the end every memory. The nab case
// runs only with HTMHW_ACCEL3_NAB=1:
//
//	HTMHW_ACCEL3_NAB=1 go test ./hdl -run 'TestAccel3$/nab' -v -timeout 60m
func TestAccel3(t *testing.T) {
	needTool(t, "verilator")
	for _, c := range accel3Cases {
		t.Run(c.name, func(t *testing.T) {
			if c.gate != "" && os.Getenv(c.gate) == "" {
				t.Skipf("set %s=1 to run the %s preset (minutes)", c.gate, c.preset)
			}
			n := c.steps
			if testing.Short() {
				n = min(n, 40)
			}
			im, inputs := compileSeries(t, c.preset, c.file, n, c.edit)
			r := newAccel3Run(t, im)
			s, err := sim.New(im)
			require.NoError(t, err)
			r.check(t, s, accel3Steps(inputs, c.learnOff, 0), nil, true, n/2)
		})
	}
}

// accel3Figures states the cycles per step of a run (CYCLES, each checked
// against the formulas): the mean, the mean of the last 1,000 steps (all of
// them in a shorter run), the maximum, and the steps per second these
// give at 12 MHz (the iCEBreaker's oscillator, which the routed board top
// meets: TestICE40Board) and 24 MHz (a target through the UP5K's PLL that
// it does not meet yet).
func accel3Figures(per []uint64) string {
	if len(per) == 0 {
		return "no steps"
	}
	mean := func(c []uint64) float64 {
		var s uint64
		for _, v := range c {
			s += v
		}
		return float64(s) / float64(len(c))
	}
	last := per[max(0, len(per)-1000):]
	m, l, mx := mean(per), mean(last), slices.Max(per)
	return fmt.Sprintf("cycles per step over %d steps: mean %.0f, last %d %.0f, max %d; "+
		"steps/s at 12 MHz: mean %.0f, last %d %.0f, worst step %.0f; at 24 MHz (target, not met): mean %.0f, last %d %.0f, worst step %.0f",
		len(per), m, len(last), l, mx,
		12e6/m, len(last), 12e6/l, 12e6/float64(mx), 24e6/m, len(last), 24e6/l, 24e6/float64(mx))
}

// TestAccel3Figures, with HTMHW_ACCEL3_FIGURES=1, runs htm3_accel through
// every row of the small preset's two series (art_daily_jumpsup, 4,032
// steps; speed_7578, 1,127), learning on, checked step for step as
// TestAccel3 checks them, and logs the cycles per step and steps/s at 12
// and 24 MHz (accel3Figures) that hdl/rtl3/ACCEL.md publishes:
//
//	HTMHW_ACCEL3_FIGURES=1 go test ./hdl -run 'TestAccel3Figures' -v -timeout 60m
func TestAccel3Figures(t *testing.T) {
	if os.Getenv("HTMHW_ACCEL3_FIGURES") == "" {
		t.Skip("set HTMHW_ACCEL3_FIGURES=1 to run the whole series (minutes)")
	}
	needTool(t, "verilator")
	for _, c := range accel3Cases[:2] {
		t.Run(c.name, func(t *testing.T) {
			im, inputs := compileSeries(t, c.preset, c.file, 1<<30, c.edit)
			r := newAccel3Run(t, im)
			s, err := sim.New(im)
			require.NoError(t, err)
			r.check(t, s, accel3Steps(inputs, c.learnOff, 0), nil, false, 0)
		})
	}
}

// TestAccel3Restore snapshots htm3_accel after k steps (every memory read
// back through the window), loads the snapshot into a fresh model (through
// the window, then RESTORE: the TM's working state rebuilt from the
// image), continues, and requires it to equal the simulator run without a
// break, step for step and in every memory at the end.
func TestAccel3Restore(t *testing.T) {
	needTool(t, "verilator")
	for _, c := range []accel3Case{accel3Cases[0], accel3Cases[2]} {
		t.Run(c.name, func(t *testing.T) {
			n := c.steps
			if testing.Short() {
				n = 60
			}
			k := n / 2
			im, inputs := compileSeries(t, c.preset, c.file, n, c.edit)
			r := newAccel3Run(t, im)
			s, err := sim.New(im)
			require.NoError(t, err)
			mems := r.check(t, s, accel3Steps(inputs[:k], c.learnOff, 0), nil, false, 0)
			snap := &image.Image{Arch: im.Arch, Config: im.Config, Sections: mems}
			r.check(t, s, accel3Steps(inputs[k:], c.learnOff, k), snap, false, 0)
		})
	}
}

// TestAccel3Lint runs verilator --lint-only -Wall on htm3_accel with and
// without SIM, and on icebreaker3_top: no warning (the RTL's waivers are by
// line, with reasons).
func TestAccel3Lint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	all, err := WriteSources(dir)
	require.NoError(t, err)
	// htm3_accel's files: hdl/rtl3's but the wrappers of the engines and
	// the board top (-Wall warns of every unused module read).
	var vs, board []string
	for _, f := range all {
		base := filepath.Base(f)
		switch {
		case filepath.Base(filepath.Dir(f)) == "rtl":
			board = append(board, f)
		case base == "icebreaker3_top.v":
			board = append(board, f)
		case strings.HasSuffix(base, "_synth.v") || strings.HasSuffix(base, "_top.v"):
		default:
			vs = append(vs, f)
		}
	}
	board = append(board, vs...)
	for _, tc := range []struct {
		top   string
		def   []string
		files []string
	}{{"htm3_accel", []string{"-DSIM"}, vs}, {"htm3_accel", nil, vs}, {"icebreaker3_top", nil, board}} {
		args := append([]string{"--lint-only", "-Wall", "-I" + IncludeDir(dir), "--top-module", tc.top}, tc.def...)
		args = append(args, tc.files...)
		out, err := exec.Command("verilator", args...).CombinedOutput()
		require.NoError(t, err, "verilator %s %v:\n%s", tc.top, tc.def, out)
	}
}

// sim3 are the terms of architecture 3's cycle formulas (package sim's).
func (p Params) sim3() sim.Params3 {
	return sim.Params3{N: p.N, C: p.C, Q: p.Q, K: p.K, S: p.S, M: p.M}
}
