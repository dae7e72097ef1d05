package sim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
)

// TestAccel3Cycles works ACCEL.md's cycle table by hand on a tiny geometry
// (W = 1): htm3_sp's three waits, learning on and off.
func TestAccel3Cycles(t *testing.T) {
	p := Params3{N: 30, C: 8, Q: 2, K: 4, S: 16, M: 3}
	for _, tc := range []struct {
		name           string
		learn          bool
		nIn            int
		active, bumped []int
		tmCells, used  int
		want           [NumPhases]uint64
	}{
		// LOAD 2+5+2 (+5+2), OVERLAP 8·2+3, INHIBIT 2+8+2 and the wait for
		// the iteration to cycle 128; TM_DENDRITE 13+2·max(3,4) (+3);
		// OUTPUT 1+2·5.
		{"no learning", false, 5, nil, nil, 50, 2,
			[NumPhases]uint64{16, 19, 100, 0, 0, 0, 53, 1, 24, 11}},
		// LEARN 1, the wait for the job to leave cfg/regs from 9+19+12 =
		// 40 to 147, (4·3+2+5)+(4·5+2+5); DUTY 2·8+6 (no wait: LEARN ends
		// at 194, after 182) and (4·2+2+5).
		{"learning", true, 5, []int{3, 5}, []int{2}, 70, 0,
			[NumPhases]uint64{16, 19, 12, 154, 37, 0, 73, 1, 16, 11}},
		// no active column: LEARN 1+107 ends at 148; DUTY 2·8+6, the wait
		// for the divider to 182, and (4·2+2+5).
		{"learning, no active column", true, 5, nil, []int{2}, 70, 0,
			[NumPhases]uint64{16, 19, 12, 108, 71, 0, 73, 1, 16, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Accel3Cycles(p, tc.learn, tc.nIn, tc.active, tc.bumped, tc.tmCells, tc.used))
		})
	}
}

// TestTMCells3Cycles works TM.md's formulas by hand.
func TestTMCells3Cycles(t *testing.T) {
	p := Params3{N: 30, C: 8, Q: 2, K: 4, S: 16, M: 3}
	// 45 + ⌈32/16⌉ + 10·⌈8/8⌉ + 3·2·4 + 7 entries + 1·(4+2) + 3·2 draws.
	require.Equal(t, 45+2+10+24+7+6+6, TMCells3Cycles(p, 3, 7, 1, 2))
	for _, tc := range []struct {
		name string
		npw  int
		o    TMCells3Ops
		want int
	}{
		{"none", 3, TMCells3Ops{}, 0},
		{"adapt", 3, TMCells3Ops{Resume: 1, Adapts: 2}, 1 + 2*12},
		{"grow", 3, TMCells3Ops{BLearn: 1, Grows: 1, GEv: 2, Creates: 1, Pops: 1}, 1 + (6 + 9 + 12) + 10 + 3 + 12},
		{"evict", 0, TMCells3Ops{Walks: 1, Walked: 5, Scans: 1, Destroys: 2}, 2 + 20 + 50 + 2*17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, TMCells3LearnCycles(p, tc.npw, tc.o))
		})
	}
}

// TestAccel3Small checks the formulas on the small preset against the
// figures the RTL documents measure: SP_OVERLAP 2,051 cycles
// (hdl/rtl3/README.md) and RESTORE 1,049 on a fresh image (ACCEL.md).
func TestAccel3Small(t *testing.T) {
	r, err := model.NewRegion(presetConfig(t, "small", readRows(t, jumpsup)))
	require.NoError(t, err)
	im, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	p, err := Params3Of(im)
	require.NoError(t, err)
	require.Equal(t, uint64(2051), SP3Cycles(p, true, 0, nil, nil)[PhaseSPOverlap])
	require.Equal(t, uint64(1049), Accel3RestoreCycles(p, 0))
	_, err = Params3Of(&image.Image{})
	require.ErrorContains(t, err, "no cfg memory")
}

// TestTMCells3Counts runs the tight stress configuration (learning off
// every 10th step) and checks the simulator's counts of TM.md's formula
// (Sim.TMCells3) against the step's event counters and each other, and
// that the run reaches every count. The RTL's own counts are compared with
// these in package hdl (TestTMCells3, TestAccel3).
func TestTMCells3Counts(t *testing.T) {
	rows := readRows(t, jumpsup)
	cfg := tightConfig(t, rows)
	golden, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(golden, image.DefaultArch())
	require.NoError(t, err)
	s, err := New(im)
	require.NoError(t, err)
	enc, err := model.NewEncoder(cfg)
	require.NoError(t, err)
	var sum TMCells3Counts
	var extraPasses int
	for i, row := range rows[:1000] {
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		before := append([]uint64(nil), s.regs...)
		npw := len(s.WinnerCells())
		learn := i%10 != 9
		r, err := s.Step(in, learn)
		require.NoError(t, err)
		c := s.TMCells3()
		ev := func(w int) int { return int(s.regs[w] - before[w]) }
		o := c.Ops
		require.Equal(t, len(r.ActiveColumns), c.Act, "step %d: active columns", i)
		require.Equal(t, npw, c.PrevWinners, "step %d: previous winners", i)
		require.GreaterOrEqual(t, c.Visited, c.Act, "step %d: visited columns", i)
		require.LessOrEqual(t, c.Draws, c.Bursts, "step %d: draws", i)
		require.LessOrEqual(t, c.Bursts, c.Act, "step %d: bursts", i)
		require.Equal(t, ev(regSegCreated), o.Pops, "step %d: pops", i)
		require.Equal(t, ev(regSegEvictedCell), o.Walks, "step %d: walks", i)
		require.Equal(t, ev(regSegEvictedPool)+ev(regSegNotCreated), o.Scans, "step %d: scans", i)
		require.Equal(t, ev(regSegEvictedCell)+ev(regSegEvictedPool)+ev(regSegPruned), o.Destroys, "step %d: destroys", i)
		require.Equal(t, o.Pops+ev(regSegNotCreated), o.Creates, "step %d: creates", i)
		require.LessOrEqual(t, o.Resume, o.Adapts, "step %d: resumes", i)
		require.Equal(t, o.Grows+ev(regSynEvicted), o.GEv, "step %d: weakest-synapse passes (one a grow, one after each eviction)", i)
		if learn {
			require.Equal(t, c.Bursts, o.BLearn, "step %d: bursts with learning", i)
		} else {
			require.Zero(t, o, "step %d: segment operations without learning", i)
		}
		extraPasses += o.GEv - o.Grows
		sum.Act += c.Act
		sum.Visited += c.Visited
		sum.Entries += c.Entries
		sum.Bursts += c.Bursts
		sum.Draws += c.Draws
		o2 := &sum.Ops
		o2.Resume, o2.BLearn, o2.Adapts, o2.Grows, o2.GEv = o2.Resume+o.Resume, o2.BLearn+o.BLearn, o2.Adapts+o.Adapts, o2.Grows+o.Grows, o2.GEv+o.GEv
		o2.Creates, o2.Walks, o2.Walked, o2.Scans, o2.Pops, o2.Destroys = o2.Creates+o.Creates, o2.Walks+o.Walks, o2.Walked+o.Walked, o2.Scans+o.Scans, o2.Pops+o.Pops, o2.Destroys+o.Destroys
	}
	t.Logf("counts over the run: %+v", sum)
	require.Positive(t, sum.Entries)
	require.Positive(t, sum.Draws)
	require.Positive(t, extraPasses, "no grow made a second weakest-synapse pass")
	require.Positive(t, sum.Ops.Walked)
	require.Less(t, sum.Ops.Resume, sum.Ops.Adapts, "no burst adapted its best matching segment")
	for name, n := range map[string]int{"resume": sum.Ops.Resume, "grow": sum.Ops.Grows, "walk": sum.Ops.Walks,
		"scan": sum.Ops.Scans, "destroy": sum.Ops.Destroys} {
		require.Positive(t, n, "no %s in the run", name)
	}
}
