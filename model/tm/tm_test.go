package tm

// Table tests of the temporal memory against docs/SPEC.md, section 6. Each
// case crafts a whole state (segments, synapses, previous active and winner
// cells, generator), runs one Compute and compares every field of the
// resulting state with values worked out by hand from the specification; the
// derivation is in the comment of each case. Generator draws are xorshift32
// steps computed independently of the Go code (section 3); each is listed
// with the bounded value it gives.

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/rng"
)

// base: 4 columns × 2 cells (cell i of column c is 2c+i), M = 4 slots, S =
// 4 segments, 2 segments per cell, P = 15, initial 5, connected 8, +2/−1.
// A segment is active with ≥ 2 connected active synapses, matching with ≥ 1
// active synapse.
func base() Params {
	return Params{
		NumColumns: 4, CellsPerColumn: 2,
		ActivationThreshold: 2, MinThreshold: 1, MaxNewSynapseCount: 3,
		MaxSegmentsPerCell: 2, MaxSynapsesPerSegment: 4, SegmentCapacity: 4,
		PermBits: 4, InitialPermanence: 5, ConnectedPermanence: 8,
		PermanenceIncrement: 2, PermanenceDecrement: 1, PredictedSegmentDecrement: 0,
		Seed: 1,
	}
}

type syn struct {
	slot int
	cell uint32
	perm uint16
}

type seg struct {
	id   uint32
	cell uint32
	last uint32
	seq  uint64
	syns []syn
}

// world is a readable description of a State.
type world struct {
	iteration uint32
	gen       uint32
	created   uint64
	segs      []seg
	free      []uint32 // bottom first
	active    []uint32
	winners   []uint32
	stats     Stats
}

func (w world) state(p Params) State {
	S, M := p.SegmentCapacity, p.MaxSynapsesPerSegment
	st := State{
		Iteration: w.iteration, Generator: w.gen, Created: w.created,
		SegCell: make([]uint32, S), SegLastUsed: make([]uint32, S), SegSeq: make([]uint64, S),
		Free:    append([]uint32{}, w.free...),
		SynCell: make([]uint32, S*M), SynPerm: make([]uint16, S*M),
		ActiveCells: append([]uint32{}, w.active...),
		WinnerCells: append([]uint32{}, w.winners...),
		Stats:       w.stats,
	}
	for i := range st.SegCell {
		st.SegCell[i] = None
	}
	for i := range st.SynCell {
		st.SynCell[i] = None
	}
	for _, s := range w.segs {
		st.SegCell[s.id], st.SegLastUsed[s.id], st.SegSeq[s.id] = s.cell, s.last, s.seq
		for _, y := range s.syns {
			st.SynCell[int(s.id)*M+y.slot], st.SynPerm[int(s.id)*M+y.slot] = y.cell, y.perm
		}
	}
	return st
}

// normal clears what the SPEC leaves undefined: the permanence of a free
// slot and the last use and creation number of a free segment (the model
// keeps stale values there). It also turns nil lists into empty ones.
func normal(st State, M int) State {
	st.SegLastUsed, st.SegSeq, st.SynPerm = slices.Clone(st.SegLastUsed), slices.Clone(st.SegSeq), slices.Clone(st.SynPerm)
	for s, c := range st.SegCell {
		if c == None {
			st.SegLastUsed[s], st.SegSeq[s] = 0, 0
		}
	}
	for j, c := range st.SynCell {
		if c == None {
			st.SynPerm[j] = 0
		}
	}
	st.Free = append([]uint32{}, st.Free...)
	st.ActiveCells = append([]uint32{}, st.ActiveCells...)
	st.WinnerCells = append([]uint32{}, st.WinnerCells...)
	return st
}

type tmCase struct {
	name  string
	p     func(*Params)
	in    world
	cols  []uint32
	learn bool
	want  world
	// outputs
	predictive  []uint32 // cells of active segments after the step
	predictedCo []uint32 // columns predicted for this step (6.2)
	unpredicted uint32   // anomaly numerator
}

func runCase(t *testing.T, tc tmCase) {
	t.Helper()
	p := base()
	if tc.p != nil {
		tc.p(&p)
	}
	tm, err := New(p)
	require.NoError(t, err)
	require.NoError(t, tm.SetState(tc.in.state(p)))
	require.NoError(t, tm.Compute(tc.cols, tc.learn))
	want := tc.want.state(p)
	assert.Equal(t, normal(want, p.MaxSynapsesPerSegment), normal(tm.State(), p.MaxSynapsesPerSegment))
	assert.Equal(t, tc.want.active, append([]uint32{}, tm.ActiveCells()...), "active cells")
	assert.Equal(t, tc.want.winners, append([]uint32{}, tm.WinnerCells()...), "winner cells")
	assert.Equal(t, tc.predictive, tm.PredictiveCells([]uint32{}), "predictive cells")
	assert.Equal(t, tc.predictedCo, append([]uint32{}, tm.PredictedColumns()...), "predicted columns")
	assert.Equal(t, tc.unpredicted, tm.Unpredicted(), "unpredicted")
	assert.Equal(t, len(tc.want.segs), tm.NumSegments(), "segments")
	n := 0
	for _, s := range tc.want.segs {
		n += len(s.syns)
	}
	assert.Equal(t, n, tm.NumSynapses(), "synapses")
	assert.Equal(t, tc.want.stats, tm.Stats(), "stats")
}

var e = []uint32{}

func s5(p *Params) { p.SegmentCapacity = 5 }

// caseA: predicted column 1 (cells 2, 3) with three active segments, two on
// the same cell, plus a matching one; burst of column 2 through its previous
// winner.
//
// Before: prevActive {0,1,5}, prevWinners {0,5}. Dendrite activation:
// seg0 (cell 3: 0@14, 1@9, 4@1): numPot 2, numConn 2 → active.
// seg1 (cell 3: 1@15, 0@8): 2/2 → active.
// seg2 (cell 2: 0@8, 1@8, 6@3): 2/2 → active.
// seg3 (cell 2: 5@2): numPot 1, numConn 0 → matching only.
// Segment order (cell, creation): seg2 (2, #1), seg3 (2, #3), seg0 (3, #0),
// seg1 (3, #2). Predicted columns {1}; of the active {1, 2}, 1 is not
// predicted.
func caseA(learn bool) tmCase {
	in := world{
		iteration: 10, gen: rng.Seed(11), created: 4,
		segs: []seg{
			{0, 3, 4, 0, []syn{{0, 0, 14}, {1, 1, 9}, {2, 4, 1}}},
			{1, 3, 6, 2, []syn{{0, 1, 15}, {1, 0, 8}}},
			{2, 2, 5, 1, []syn{{0, 0, 8}, {1, 1, 8}, {2, 6, 3}}},
			{3, 2, 1, 3, []syn{{0, 5, 2}}},
		},
		free:   []uint32{4},
		active: []uint32{0, 1, 5}, winners: []uint32{0, 5},
	}
	if !learn {
		// 6.11: cells are activated as with learning (winner of column 2
		// is its previous winner 5: no draw); nothing else changes.
		// Dendrite activation on {2,3,4,5}: seg3 has 5@2: matching only.
		want := in
		want.active, want.winners = []uint32{2, 3, 4, 5}, []uint32{2, 3, 5}
		return tmCase{name: "A predicted column, no learning", p: s5, in: in, cols: []uint32{1, 2}, learn: false,
			want: want, predictive: e, predictedCo: []uint32{1}, unpredicted: 1}
	}
	return tmCase{
		name: "A predicted column", p: s5, in: in, cols: []uint32{1, 2}, learn: true,
		// Column 1, segments of A in order:
		// seg2: cell 2 active + winner; g = 3 − 2 = 1; adapt 0: 8→10, 1: 8→10,
		//   6 (not prev active): 3→2; grow 1: candidates {0,5} − {0,1,6} =
		//   {5}, draw 1 (0x00673EB4) below(1) = 0 → take 5 → slot 3 @5.
		// seg0: cell 3 active + winner; g = 1; adapt 14→15 (16 saturated),
		//   9→11, 4: 1→0 destroyed (SynapsesPruned); 2 synapses ≥ 1 stays;
		//   grow: {5}, draw 2 (0x118860EC) → slot 2 (lowest free) @5.
		// seg1: cell 3 again (once per cell); g = 1; adapt 15→15 (saturated),
		//   8→10; grow {5}, draw 3 (0xAF282AE6) → slot 2 @5.
		// seg3 (matching, column predicted): untouched.
		// Column 2 bursts: cells 4, 5; no matching; lowest previous winner
		// in the column: 5 (no draw). n = min(3, |{0,5}|) = 2: create on
		// cell 5: pop 4, last 10, seq 4, created 5; grow: draw 4
		// (0xE4E3445C) below(2) = 1 < 2 take 0, draw 5 (0x0178CF68)
		// below(1) = 0 take 5 → slots 0, 1.
		// Dendrite activation on {2,3,4,5}: only synapses from 5 (perm 5
		// or 2, none connected): no active segment; iteration → 11.
		want: world{
			iteration: 11, gen: 0x0178CF68, created: 5,
			segs: []seg{
				{0, 3, 4, 0, []syn{{0, 0, 15}, {1, 1, 11}, {2, 5, 5}}},
				{1, 3, 6, 2, []syn{{0, 1, 15}, {1, 0, 10}, {2, 5, 5}}},
				{2, 2, 5, 1, []syn{{0, 0, 10}, {1, 1, 10}, {2, 6, 2}, {3, 5, 5}}},
				{3, 2, 1, 3, []syn{{0, 5, 2}}},
				{4, 5, 10, 4, []syn{{0, 0, 5}, {1, 5, 5}}},
			},
			free:   []uint32{},
			active: []uint32{2, 3, 4, 5}, winners: []uint32{2, 3, 5},
			stats: Stats{SegmentsCreated: 1, SynapsesCreated: 5, SynapsesPruned: 1},
		},
		predictive: e, predictedCo: []uint32{1}, unpredicted: 1,
	}
}

// caseB: four bursting columns without matching segments.
//
// Before: seg0 on cell 0 (synapses from 2, 3 @9), prevActive {4,5,6,7},
// prevWinners {5,6,7}: no segment is active or matching. Generator seeded
// with 5 (x₀ = 0xCC0D53CD). n = min(maxNew 2, 3) = 2 per new segment.
func caseB(learn bool) tmCase {
	in := world{
		iteration: 7, gen: rng.Seed(5), created: 1,
		segs:   []seg{{0, 0, 3, 0, []syn{{0, 2, 9}, {1, 3, 9}}}},
		free:   []uint32{4, 3, 2, 1},
		active: []uint32{4, 5, 6, 7}, winners: []uint32{5, 6, 7},
	}
	p := func(p *Params) { p.SegmentCapacity, p.MaxNewSynapseCount = 5, 2 }
	if !learn {
		// Without learning only the least-used-cell draws happen (6.11):
		// column 0: draw 1 below(1) = 0 → cell 1; column 1: draw 2
		// (0x56EAD780) below(2) = 0 → cell 2. Columns 2, 3: previous
		// winners 5 and 6. seg0 becomes active (2, 3 connected) but its
		// last use is not updated, nor the iteration.
		want := in
		want.gen = 0x56EAD780
		want.active, want.winners = []uint32{0, 1, 2, 3, 4, 5, 6, 7}, []uint32{1, 2, 5, 6}
		return tmCase{name: "B bursts, no learning", p: p, in: in, cols: []uint32{0, 1, 2, 3},
			want: want, predictive: []uint32{0}, predictedCo: e, unpredicted: 4}
	}
	return tmCase{
		name: "B bursts", p: p, in: in, cols: []uint32{0, 1, 2, 3}, learn: true,
		// Column 0: cell 0 has 1 segment, cell 1 none → ties = 1, draw 1
		// (0xA8ECDE17) below(1) = 0 → cell 1 (a draw even for one
		// candidate). Create: pop 1 (top of 4,3,2,1), seq 1, last 7. Grow 2
		// of {5,6,7}: draw 2 (0x56EAD780) below(3) = 1 < 2 take 5; draw 3
		// (0x8F40E02D) below(2) = 1 ≥ 1 skip 6; draw 4 (0xFBE4386F)
		// below(1) = 0 take 7.
		// Column 1: both cells empty → ties = 2, draw 5 (0xE1D5257B)
		// below(2) = 1 → cell 3. Create seg2, seq 2. Draw 6 (0xEA369F06)
		// below(3) = 2 skip 5; draw 7 (0x031E3E4D) below(2) = 0 take 6;
		// draw 8 (0x5E2878E6) take 7.
		// Column 2: lowest previous winner 5 (4 is not a winner). seg3,
		// seq 3; draw 9 (0x77A69FFC) below(3) = 1 take 5; draw 10
		// (0x2F70F7D0) below(2) = 0 take 6.
		// Column 3: previous winners 6, 7 → 6. seg4, seq 4; draw 11
		// (0x00D70DB5) below(3) = 0 take 5; draw 12 (0xCD5A7DA5)
		// below(2) = 1 skip 6; draw 13 (0xDF3D0692) take 7.
		// Dendrite activation on all cells: seg0 (2@9, 3@9) active → last
		// use = 7, then iteration 8; the new segments (perm 5) match only.
		want: world{
			iteration: 8, gen: 0xDF3D0692, created: 5,
			segs: []seg{
				{0, 0, 7, 0, []syn{{0, 2, 9}, {1, 3, 9}}},
				{1, 1, 7, 1, []syn{{0, 5, 5}, {1, 7, 5}}},
				{2, 3, 7, 2, []syn{{0, 6, 5}, {1, 7, 5}}},
				{3, 5, 7, 3, []syn{{0, 5, 5}, {1, 6, 5}}},
				{4, 6, 7, 4, []syn{{0, 5, 5}, {1, 7, 5}}},
			},
			free:   []uint32{},
			active: []uint32{0, 1, 2, 3, 4, 5, 6, 7}, winners: []uint32{1, 3, 5, 6},
			stats: Stats{SegmentsCreated: 4, SynapsesCreated: 8},
		},
		predictive: []uint32{0}, predictedCo: e, unpredicted: 4,
	}
}

// caseC: bursting column 1 with matching segments.
//
// prevActive {0,1,4,5}, prevWinners {1,4}.
// seg0 (cell 3, #2: 0@7, 1@7): numPot 2, numConn 0.
// seg1 (cell 2, #4: 0@4, 1@9): numPot 2, numConn 1.
// seg2 (cell 3, #3: 0@8, 6@3): numPot 1, numConn 1.
// None active; all matching. Segment order: seg1 (cell 2), seg0 (cell 3,
// #2), seg2 (cell 3, #3). Best matching: largest numPot 2, first in that
// order → seg1 (not seg0, the lower index and earlier creation).
func caseC() tmCase {
	in := world{
		iteration: 20, gen: rng.Seed(14), created: 5,
		segs: []seg{
			{0, 3, 10, 2, []syn{{0, 0, 7}, {1, 1, 7}}},
			{1, 2, 11, 4, []syn{{0, 0, 4}, {1, 1, 9}}},
			{2, 3, 12, 3, []syn{{0, 0, 8}, {1, 6, 3}}},
		},
		free:   []uint32{3},
		active: []uint32{0, 1, 4, 5}, winners: []uint32{1, 4},
	}
	return tmCase{
		name: "C best matching segment, tie → segment order", in: in, cols: []uint32{1}, learn: true,
		// Winner 2. g = 3 − 2 = 1; adapt seg1: 4→6, 9→11; grow 1: {1,4} −
		// {0,1} = {4}, draw 1 (0x7727B65B) below(1) → take 4 → slot 2 @5.
		// seg0, seg2 untouched. No synapse from cells 2, 3: nothing active.
		want: world{
			iteration: 21, gen: 0x7727B65B, created: 5,
			segs: []seg{
				{0, 3, 10, 2, []syn{{0, 0, 7}, {1, 1, 7}}},
				{1, 2, 11, 4, []syn{{0, 0, 6}, {1, 1, 11}, {2, 4, 5}}},
				{2, 3, 12, 3, []syn{{0, 0, 8}, {1, 6, 3}}},
			},
			free:   []uint32{3},
			active: []uint32{2, 3}, winners: []uint32{2},
			stats: Stats{SynapsesCreated: 1},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseC2: the largest numPot wins even late in segment order.
// seg2 (cell 3, #3: 0@3, 1@3, 4@3): numPot 3 > 2.
func caseC2() tmCase {
	in := world{
		iteration: 20, gen: rng.Seed(14), created: 5,
		segs: []seg{
			{0, 3, 10, 2, []syn{{0, 0, 7}, {1, 1, 7}}},
			{1, 2, 11, 4, []syn{{0, 0, 4}, {1, 1, 9}}},
			{2, 3, 12, 3, []syn{{0, 0, 3}, {1, 1, 3}, {2, 4, 3}}},
		},
		free:   []uint32{3},
		active: []uint32{0, 1, 4, 5}, winners: []uint32{1, 4},
	}
	return tmCase{
		name: "C2 best matching segment, largest numPot", in: in, cols: []uint32{1}, learn: true,
		// Winner 3; g = 3 − 3 = 0: adapt only (3→5 ×3), no growth, no draw.
		want: world{
			iteration: 21, gen: rng.Seed(14), created: 5,
			segs: []seg{
				{0, 3, 10, 2, []syn{{0, 0, 7}, {1, 1, 7}}},
				{1, 2, 11, 4, []syn{{0, 0, 4}, {1, 1, 9}}},
				{2, 3, 12, 3, []syn{{0, 0, 5}, {1, 1, 5}, {2, 4, 5}}},
			},
			free:   []uint32{3},
			active: []uint32{2, 3}, winners: []uint32{3},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseD: creation on a full cell (2 segments per cell).
// Cell 1 holds seg0 (#5) and seg1 (#4) with synapses from cells 7, 6 (not
// previously active): neither matches. prevActive {1,4}, prevWinners {1,4}.
func caseD(tie bool) tmCase {
	last0 := uint32(3)
	if !tie {
		last0 = 2
	}
	in := world{
		iteration: 9, gen: rng.Seed(12), created: 6,
		segs: []seg{
			{0, 1, last0, 5, []syn{{0, 7, 9}}},
			{1, 1, 3, 4, []syn{{0, 6, 9}}},
		},
		free:   []uint32{3, 2},
		active: []uint32{1, 4}, winners: []uint32{1, 4},
	}
	// Column 0 bursts; lowest previous winner in it: 1. n = min(3, 2) = 2.
	// Grow 2 of {1,4}: draw 1 (0x4DF9C5E0) below(2) < 2 take 1; draw 2
	// (0xDDFA1702) below(1) take 4. Dendrite on {0,1}: the new segment has
	// 1@5: matching, not active.
	stats := Stats{SegmentsCreated: 1, SegmentsEvictedCell: 1, SynapsesCreated: 2}
	if tie {
		// Both last used at 3: the earliest created, seg1 (#4), goes (not
		// the lower index seg0). Free 3,2,1 → pop 1: cell 1, last 9, #6.
		return tmCase{
			name: "D cell full, LRU tie → earliest created", in: in, cols: []uint32{0}, learn: true,
			want: world{
				iteration: 10, gen: 0xDDFA1702, created: 7,
				segs: []seg{
					{0, 1, 3, 5, []syn{{0, 7, 9}}},
					{1, 1, 9, 6, []syn{{0, 1, 5}, {1, 4, 5}}},
				},
				free:   []uint32{3, 2},
				active: []uint32{0, 1}, winners: []uint32{1}, stats: stats,
			},
			predictive: e, predictedCo: e, unpredicted: 1,
		}
	}
	// seg0 last used at 2 < 3: seg0 goes although created later.
	return tmCase{
		name: "D cell full, LRU", in: in, cols: []uint32{0}, learn: true,
		want: world{
			iteration: 10, gen: 0xDDFA1702, created: 7,
			segs: []seg{
				{0, 1, 9, 6, []syn{{0, 1, 5}, {1, 4, 5}}},
				{1, 1, 3, 4, []syn{{0, 6, 9}}},
			},
			free:   []uint32{3, 2},
			active: []uint32{0, 1}, winners: []uint32{1}, stats: stats,
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseE: creation with the pool full (S = 3).
// prevActive {0,2,3}, prevWinners {0,3}.
// seg0 (cell 6, last 1: 2@9): numPot 1 → matching (not active).
// seg1 (cell 4, last 5: 7@9), seg2 (cell 5, last 5: 7@3): idle.
func caseE(allBusy bool) tmCase {
	p := func(p *Params) { p.SegmentCapacity = 3 }
	if allBusy {
		// seg1 (3@9) and seg2 (3@3) match too: no segment may be evicted;
		// SegmentsNotCreated, no growth, no draw. Columns 2 and 3 (not
		// active) are punished, with predictedSegmentDecrement 0: nothing.
		in := world{
			iteration: 30, gen: rng.Seed(13), created: 9,
			segs: []seg{
				{0, 6, 1, 6, []syn{{0, 2, 9}}},
				{1, 4, 5, 7, []syn{{0, 3, 9}}},
				{2, 5, 5, 8, []syn{{0, 3, 3}}},
			},
			free:   []uint32{},
			active: []uint32{0, 2, 3}, winners: []uint32{0, 3},
		}
		want := in
		want.iteration = 31
		want.active, want.winners = []uint32{0, 1}, []uint32{0}
		want.stats = Stats{SegmentsNotCreated: 1}
		return tmCase{name: "E pool full, all in use", p: p, in: in, cols: []uint32{0}, learn: true,
			want: want, predictive: e, predictedCo: e, unpredicted: 1}
	}
	in := world{
		iteration: 30, gen: rng.Seed(13), created: 9,
		segs: []seg{
			{0, 6, 1, 6, []syn{{0, 2, 9}}},
			{1, 4, 5, 7, []syn{{0, 7, 9}}},
			{2, 5, 5, 8, []syn{{0, 7, 3}}},
		},
		free:   []uint32{},
		active: []uint32{0, 2, 3}, winners: []uint32{0, 3},
	}
	return tmCase{
		name: "E pool full, LRU idle, lowest index on ties", p: p, in: in, cols: []uint32{0}, learn: true,
		// Column 0 bursts, winner 0 (previous winner). Pool full: seg0 has
		// the smallest last use but matches; seg1, seg2 tie at 5 → lowest
		// index seg1 goes; pop 1: cell 0, last 30, #9. Grow 2 of {0,3}:
		// draw 1 (0xBB215256) below(2) take 0, draw 2 (0xBC108683) take 3.
		// Column 3 (seg0, not active): punishment off. Dendrite on {0,1}:
		// new seg1 has 0@5: matching only.
		want: world{
			iteration: 31, gen: 0xBC108683, created: 10,
			segs: []seg{
				{0, 6, 1, 6, []syn{{0, 2, 9}}},
				{1, 0, 30, 9, []syn{{0, 0, 5}, {1, 3, 5}}},
				{2, 5, 5, 8, []syn{{0, 7, 3}}},
			},
			free:   []uint32{},
			active: []uint32{0, 1}, winners: []uint32{0},
			stats: Stats{SegmentsCreated: 1, SegmentsEvictedPool: 1, SynapsesCreated: 2},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseF: growth on a full segment (M = 4).
// seg0 (cell 3: 0@1, 4@4, 5@4, 6@10); prevActive {0,6,7}: numPot 2
// (0, 6), numConn 1 (6) → matching, not active. Column 1 bursts, winner 3,
// g = 3 − 2 = 1; adapt: 0: 1→3, 4: 4→3, 5: 4→3, 6: 10→12.
func caseF(noneEvictable bool) tmCase {
	winners := []uint32{0, 7}
	if noneEvictable {
		winners = []uint32{0, 4, 5, 6, 7}
	}
	in := world{
		iteration: 40, gen: rng.Seed(15), created: 1,
		segs:   []seg{{0, 3, 30, 0, []syn{{0, 0, 1}, {1, 4, 4}, {2, 5, 4}, {3, 6, 10}}}},
		free:   []uint32{3, 2, 1},
		active: []uint32{0, 6, 7}, winners: winners,
	}
	if noneEvictable {
		// Candidates {0,4,5,6,7} − {0,4,5,6} = {7}, need 1; the segment is
		// full but every synapse is from a previous winner: no eviction,
		// need = min(1, 4 − 4) = 0, no draw.
		return tmCase{
			name: "F full segment, nothing evictable", in: in, cols: []uint32{1}, learn: true,
			want: world{
				iteration: 41, gen: rng.Seed(15), created: 1,
				segs:   []seg{{0, 3, 30, 0, []syn{{0, 0, 3}, {1, 4, 3}, {2, 5, 3}, {3, 6, 12}}}},
				free:   []uint32{3, 2, 1},
				active: []uint32{2, 3}, winners: []uint32{3},
			},
			predictive: e, predictedCo: e, unpredicted: 1,
		}
	}
	return tmCase{
		name: "F full segment, weakest synapse evicted", in: in, cols: []uint32{1}, learn: true,
		// Candidates {0,7} − {0,4,5,6} = {7}, need 1; 4 + 1 − 4 = 1 to
		// destroy: among synapses not from previous winners (slot 0, cell 0,
		// is excluded although its 3 ties) slots 1 and 2 tie at 3 → slot 1.
		// Draw 1 (0x75544A4C) below(1) → 7 in the lowest free slot, 1.
		want: world{
			iteration: 41, gen: 0x75544A4C, created: 1,
			segs:   []seg{{0, 3, 30, 0, []syn{{0, 0, 3}, {1, 7, 5}, {2, 5, 3}, {3, 6, 12}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{2, 3}, winners: []uint32{3},
			stats: Stats{SynapsesEvicted: 1, SynapsesCreated: 1},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseG: selection sampling and lowest free slots with holes.
// seg0 (cell 7: slot 1 0@7, slot 3 2@7); prevActive = prevWinners =
// {0,1,2,3,4}: numPot 2, numConn 0. maxNew 4: g = 2.
func caseG() tmCase {
	return tmCase{
		name: "G growth by selection sampling into holes", p: func(p *Params) { p.MaxNewSynapseCount = 4 },
		in: world{
			iteration: 3, gen: rng.Seed(1), created: 1,
			segs:   []seg{{0, 7, 2, 0, []syn{{1, 0, 7}, {3, 2, 7}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{0, 1, 2, 3, 4}, winners: []uint32{0, 1, 2, 3, 4},
		},
		cols: []uint32{3}, learn: true,
		// Adapt 7→9, 7→9. Candidates {0..4} − {0,2} = {1,3,4}, need 2:
		// draw 1 (0x1F48D1FB) below(3) = 0 < 2 take 1; draw 2 (0xAB81DB40)
		// below(2) = 1 ≥ 1 skip 3; draw 3 (0x8DDBF5B4) below(1) = 0 take 4.
		// 1 → slot 0, 4 → slot 2.
		want: world{
			iteration: 4, gen: 0x8DDBF5B4, created: 1,
			segs:   []seg{{0, 7, 2, 0, []syn{{0, 1, 5}, {1, 0, 9}, {2, 4, 5}, {3, 2, 9}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{6, 7}, winners: []uint32{7},
			stats: Stats{SynapsesCreated: 2},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

// caseH: punishment of matching segments in inactive columns.
// prevActive {0,1}, prevWinners {0}.
// seg0 (cell 4: 0@5, 1@1, 7@3): numPot 2, numConn 0 → matching.
// seg1 (cell 6: 0@9, 1@9): 2/2 → active (and matching): column 3 predicted.
// No active column.
func caseH(psd uint16, learn bool) tmCase {
	in := world{
		iteration: 50, gen: rng.Seed(2), created: 2,
		segs: []seg{
			{0, 4, 40, 0, []syn{{0, 0, 5}, {1, 1, 1}, {2, 7, 3}}},
			{1, 6, 45, 1, []syn{{0, 0, 9}, {1, 1, 9}}},
		},
		free:   []uint32{3, 2},
		active: []uint32{0, 1}, winners: []uint32{0},
	}
	want := in
	want.active, want.winners = []uint32{}, []uint32{}
	name := "H punishment off"
	if learn {
		want.iteration = 51
	} else {
		name = "H no learning"
	}
	if psd > 0 && learn {
		// Columns 2 and 3 are visited (not active): seg0: 0: 5→3, 1: 1→0
		// destroyed (SynapsesPruned), 7 (not previously active) unchanged;
		// 2 synapses ≥ minThreshold 1. seg1 (active, hence matching):
		// 9→7, 9→7.
		name = "H punishment"
		want.segs = []seg{
			{0, 4, 40, 0, []syn{{0, 0, 3}, {2, 7, 3}}},
			{1, 6, 45, 1, []syn{{0, 0, 7}, {1, 1, 7}}},
		}
		want.stats = Stats{SynapsesPruned: 1}
	}
	// Anomaly: no active column → 0 unpredicted (0/0); predicted columns {3}.
	return tmCase{name: name, p: func(p *Params) { p.PredictedSegmentDecrement = psd }, in: in, cols: []uint32{},
		learn: learn, want: want, predictive: e, predictedCo: []uint32{3}, unpredicted: 0}
}

// caseH4: punishment leaving fewer than minThreshold (3) synapses destroys
// the segment. seg0 (cell 4: 0@5, 1@1, 2@2), prevActive {0,1,2}: numPot 3 →
// matching. −2: 3, 0 (destroyed), 0 (destroyed): 1 synapse < 3 → segment
// destroyed and pushed on the free stack.
func caseH4() tmCase {
	return tmCase{
		name: "H4 punishment prunes the segment",
		p:    func(p *Params) { p.PredictedSegmentDecrement, p.MinThreshold = 2, 3 },
		in: world{
			iteration: 50, gen: rng.Seed(2), created: 1,
			segs:   []seg{{0, 4, 40, 0, []syn{{0, 0, 5}, {1, 1, 1}, {2, 2, 2}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{0, 1, 2}, winners: []uint32{0},
		},
		cols: []uint32{}, learn: true,
		want: world{
			iteration: 51, gen: rng.Seed(2), created: 1,
			free:   []uint32{3, 2, 1, 0},
			active: []uint32{}, winners: []uint32{},
			stats: Stats{SynapsesPruned: 2, SegmentsPruned: 1},
		},
		predictive: e, predictedCo: e, unpredicted: 0,
	}
}

// caseI: adaptation prunes an active segment of a predicted column, so it
// does not grow. activationThreshold 1, minThreshold 3.
// seg0 (cell 3: 0@9, 1@9, 6@1), prevActive {0,1}: numConn 2 ≥ 1 → active;
// numPot 2 < 3 → not matching.
func caseI() tmCase {
	return tmCase{
		name: "I adapt prunes the segment, no growth",
		p:    func(p *Params) { p.ActivationThreshold, p.MinThreshold = 1, 3 },
		in: world{
			iteration: 60, gen: rng.Seed(3), created: 1,
			segs:   []seg{{0, 3, 50, 0, []syn{{0, 0, 9}, {1, 1, 9}, {2, 6, 1}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{0, 1}, winners: []uint32{0, 5},
		},
		cols: []uint32{1}, learn: true,
		// Cell 3 active + winner; g = 3 − 2 = 1; adapt 11, 11, 6: 1→0
		// destroyed; 2 < 3 synapses → segment destroyed; no growth, no draw.
		want: world{
			iteration: 61, gen: rng.Seed(3), created: 1,
			free:   []uint32{3, 2, 1, 0},
			active: []uint32{3}, winners: []uint32{3},
			stats: Stats{SynapsesPruned: 1, SegmentsPruned: 1},
		},
		predictive: e, predictedCo: []uint32{1}, unpredicted: 0,
	}
}

// caseJ: the first segment of an empty memory is segment 0 (the top of the
// initial free stack S−1 … 0), created with last use = iteration 0 and
// creation number 0.
func caseJ() tmCase {
	return tmCase{
		name: "J empty memory, first segment is 0",
		in: world{
			iteration: 0, gen: rng.Seed(16), created: 0,
			free:   []uint32{3, 2, 1, 0},
			active: []uint32{6}, winners: []uint32{6},
		},
		cols: []uint32{1}, learn: true,
		// Column 1: no segments, no previous winner in it: ties 2, draw 1
		// (0x15072EB5) below(2) = 0 → cell 2. n = min(3, 1) = 1: create seg0
		// (top of the stack), #0, last 0; grow 1 of {6}: draw 2
		// (0xEAEF2D7D) below(1) take 6.
		want: world{
			iteration: 1, gen: 0xEAEF2D7D, created: 1,
			segs:   []seg{{0, 2, 0, 0, []syn{{0, 6, 5}}}},
			free:   []uint32{3, 2, 1},
			active: []uint32{2, 3}, winners: []uint32{2},
			stats: Stats{SegmentsCreated: 1, SynapsesCreated: 1},
		},
		predictive: e, predictedCo: e, unpredicted: 1,
	}
}

func TestCompute(t *testing.T) {
	cases := []tmCase{
		caseA(true), caseA(false),
		caseB(true), caseB(false),
		caseC(), caseC2(),
		caseD(true), caseD(false),
		caseE(false), caseE(true),
		caseF(false), caseF(true),
		caseG(),
		caseH(2, true), caseH(0, true), caseH(2, false), caseH4(),
		caseI(),
		caseJ(),
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc) })
	}
}

// SPEC 6.9: every active segment gets segLastUsed = iteration (before the
// increment), only with learning; 6.2: predicted columns come from the last
// dendrite activation. Two steps on a learned sequence.
func TestActiveSegmentLastUsed(t *testing.T) {
	p := base()
	tm, err := New(p)
	require.NoError(t, err)
	// seg0 on cell 2 (column 1) from cells 0, 1 @9: active after column 0
	// bursts. prevActive empty.
	in := world{
		iteration: 5, gen: rng.Seed(1), created: 1,
		segs: []seg{{0, 2, 1, 0, []syn{{0, 0, 9}, {1, 1, 9}}}},
		free: []uint32{3, 2, 1}, active: []uint32{}, winners: []uint32{},
	}
	require.NoError(t, tm.SetState(in.state(p)))
	// Step 1, column 0 bursts: no previous winner, so the least used cell:
	// ties 2, draw 1 of seed 1 (0x1F48D1FB) below(2) = 0 → cell 0; no
	// previous winners → n = 0, no segment. Dendrite activation on {0,1}:
	// seg0 active → last use = iteration 5, then iteration 6.
	require.NoError(t, tm.Compute([]uint32{0}, true))
	st := tm.State()
	assert.Equal(t, uint32(5), st.SegLastUsed[0], "active after step 1: last use = iteration 5")
	assert.Equal(t, uint32(6), st.Iteration)
	assert.Equal(t, []uint32{0}, tm.WinnerCells())
	assert.Equal(t, uint32(0x1F48D1FB), st.Generator, "one draw from x₀ 0x514E28B7")
	assert.Equal(t, []uint32{2}, tm.PredictiveCells(nil))
	assert.Equal(t, 0, len(tm.PredictedColumns()))
	// Step 2, column 1 predicted: predicted columns {1}, unpredicted 0.
	require.NoError(t, tm.Compute([]uint32{1}, false))
	assert.Equal(t, []uint32{1}, tm.PredictedColumns())
	assert.Equal(t, uint32(0), tm.Unpredicted())
	assert.Equal(t, []uint32{2}, tm.WinnerCells())
	assert.Equal(t, uint32(6), tm.State().Iteration, "no learning: iteration unchanged")
}

// SPEC 6.2: anomaly numerator over several columns.
func TestUnpredicted(t *testing.T) {
	p := base()
	p.SegmentCapacity = 4
	// Active segments on cells 2 (column 1) and 5 (column 2), from cells 0, 1.
	in := world{
		iteration: 1, gen: rng.Seed(1), created: 2,
		segs: []seg{
			{0, 5, 0, 0, []syn{{0, 0, 9}, {1, 1, 9}}},
			{1, 2, 0, 1, []syn{{0, 0, 9}, {1, 1, 9}}},
		},
		free: []uint32{3, 2}, active: []uint32{0, 1}, winners: []uint32{0},
	}
	for _, tc := range []struct {
		cols        []uint32
		unpredicted uint32
	}{
		{[]uint32{0, 1}, 1},
		{[]uint32{1, 2}, 0},
		{[]uint32{0, 3}, 2},
		{[]uint32{0, 1, 2, 3}, 2},
		{[]uint32{}, 0},
	} {
		tm, err := New(p)
		require.NoError(t, err)
		require.NoError(t, tm.SetState(in.state(p)))
		require.NoError(t, tm.Compute(tc.cols, false))
		assert.Equal(t, []uint32{1, 2}, tm.PredictedColumns(), "%v", tc.cols)
		assert.Equal(t, tc.unpredicted, tm.Unpredicted(), "%v", tc.cols)
	}
}

func TestComputeRejectsBadColumns(t *testing.T) {
	tm, err := New(base())
	require.NoError(t, err)
	before := tm.State()
	for _, cols := range [][]uint32{{4}, {1, 1}, {2, 0}} {
		assert.Error(t, tm.Compute(cols, true), "%v", cols)
	}
	assert.Equal(t, before, tm.State())
}

// seqInputs is a deterministic input stream: a repeating sequence of
// column sets with an occasional noise set, enough to create, evict and
// prune segments in a small memory.
func seqInputs(step int) []uint32 {
	patterns := [][]uint32{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9, 10, 11}, {1, 5, 9}, {2, 6, 10}}
	if step%7 == 6 {
		return []uint32{uint32(step*5) % 16} // noise
	}
	return patterns[step%len(patterns)]
}

func roundTripParams() Params {
	return Params{
		NumColumns: 16, CellsPerColumn: 3,
		ActivationThreshold: 2, MinThreshold: 1, MaxNewSynapseCount: 3,
		MaxSegmentsPerCell: 2, MaxSynapsesPerSegment: 4, SegmentCapacity: 10,
		PermBits: 6, InitialPermanence: 21, ConnectedPermanence: 32,
		PermanenceIncrement: 6, PermanenceDecrement: 4, PredictedSegmentDecrement: 2,
		Seed: 9,
	}
}

// SPEC 9: save mid-stream, restore into a fresh memory, continue: identical
// outputs and state at every step.
func TestStateRoundTrip(t *testing.T) {
	p := roundTripParams()
	a, err := New(p)
	require.NoError(t, err)
	for step := 0; step < 40; step++ {
		require.NoError(t, a.Compute(seqInputs(step), step%9 != 8))
	}
	saved := a.State()
	b, err := New(p)
	require.NoError(t, err)
	require.NoError(t, b.SetState(saved))
	assert.Equal(t, saved, b.State(), "restored state reads back identically")
	assert.Equal(t, a.PredictiveCells(nil), b.PredictiveCells(nil))
	for step := 40; step < 100; step++ {
		learn := step%9 != 8
		require.NoError(t, a.Compute(seqInputs(step), learn))
		require.NoError(t, b.Compute(seqInputs(step), learn))
		require.Equal(t, a.State(), b.State(), "step %d", step)
		require.Equal(t, a.ActiveCells(), b.ActiveCells(), "step %d", step)
		require.Equal(t, a.WinnerCells(), b.WinnerCells(), "step %d", step)
		require.Equal(t, a.PredictiveCells(nil), b.PredictiveCells(nil), "step %d", step)
		require.Equal(t, a.PredictedColumns(), b.PredictedColumns(), "step %d", step)
		require.Equal(t, a.Unpredicted(), b.Unpredicted(), "step %d", step)
		require.Equal(t, a.NumSynapses(), b.NumSynapses(), "step %d", step)
		require.Equal(t, a.NumSegments(), b.NumSegments(), "step %d", step)
	}
	st := a.Stats()
	// The stream exercises the capacity events this test is meant to cover.
	assert.NotZero(t, st.SegmentsCreated)
	assert.NotZero(t, st.SegmentsEvictedPool+st.SegmentsEvictedCell, "%+v", st)
}

// SPEC 6.1 invariants, checked on every state of a long run: the state is
// accepted by a fresh memory, synapse counts agree, every used slot's
// permanence is in [1, P], no segment has two synapses to one cell (6.7
// step 1), each cell has at most maxSegmentsPerCell segments.
func TestInvariantsOverRun(t *testing.T) {
	p := roundTripParams()
	a, err := New(p)
	require.NoError(t, err)
	M := p.MaxSynapsesPerSegment
	for step := 0; step < 120; step++ {
		require.NoError(t, a.Compute(seqInputs(step), step%9 != 8))
		st := a.State()
		b, err := New(p)
		require.NoError(t, err)
		require.NoError(t, b.SetState(st), "step %d", step)
		syn := 0
		perCell := map[uint32]int{}
		for s, c := range st.SegCell {
			if c == None {
				continue
			}
			perCell[c]++
			seen := map[uint32]bool{}
			for j := s * M; j < (s+1)*M; j++ {
				if pc := st.SynCell[j]; pc != None {
					syn++
					require.False(t, seen[pc], "step %d segment %d: two synapses to cell %d", step, s, pc)
					seen[pc] = true
					require.True(t, st.SynPerm[j] >= 1 && st.SynPerm[j] <= p.PermMax())
				}
			}
		}
		for c, n := range perCell {
			require.LessOrEqual(t, n, p.MaxSegmentsPerCell, "cell %d", c)
		}
		require.Equal(t, syn, a.NumSynapses(), "step %d", step)
		require.Equal(t, len(st.Free)+a.NumSegments(), p.SegmentCapacity)
		require.True(t, slices.IsSorted(a.WinnerCells()))
	}
}

// SPEC 9: a loader refuses state that breaks the invariants of 6.1.
func TestSetStateRejects(t *testing.T) {
	p := base()
	good := world{
		iteration: 3, gen: rng.Seed(1), created: 2,
		segs: []seg{
			{0, 3, 1, 0, []syn{{0, 0, 9}, {2, 1, 4}}},
			{2, 5, 2, 1, []syn{{1, 6, 15}}},
		},
		free: []uint32{3, 1}, active: []uint32{0, 1}, winners: []uint32{0},
	}
	cases := []struct {
		name string
		mod  func(*State)
	}{
		{"segment arrays too short", func(st *State) { st.SegCell = st.SegCell[:3] }},
		{"generator 0, which it never reaches", func(st *State) { st.Generator = 0 }},
		{"lastUsed too long", func(st *State) { st.SegLastUsed = append(st.SegLastUsed, 0) }},
		{"seq too short", func(st *State) { st.SegSeq = st.SegSeq[:1] }},
		{"synapse cells too short", func(st *State) { st.SynCell = st.SynCell[:15] }},
		{"synapse perms too long", func(st *State) { st.SynPerm = append(st.SynPerm, 1) }},
		{"active cells unsorted", func(st *State) { st.ActiveCells = []uint32{1, 0} }},
		{"active cell out of range", func(st *State) { st.ActiveCells = []uint32{8} }},
		{"winner cell out of range", func(st *State) { st.WinnerCells = []uint32{9} }},
		{"free list names a used segment", func(st *State) { st.Free = []uint32{3, 1, 0} }},
		{"free list repeats a segment", func(st *State) { st.Free = []uint32{3, 1, 1} }},
		{"free list out of range", func(st *State) { st.Free = []uint32{3, 1, 4} }},
		{"free segment missing from the list", func(st *State) { st.Free = []uint32{3} }},
		{"owner cell out of range", func(st *State) { st.SegCell[0] = 8 }},
		{"creation number not below created", func(st *State) { st.SegSeq[2] = 2 }},
		{"too many segments on a cell", func(st *State) {
			st.SegCell[1], st.SegSeq[1] = 3, 0
			st.SegCell[2] = 3
			st.Free = []uint32{3}
		}},
		{"presynaptic cell out of range", func(st *State) { st.SynCell[1] = 8 }},
		{"permanence 0 in a used slot", func(st *State) { st.SynPerm[0] = 0 }},
		{"permanence above P", func(st *State) { st.SynPerm[2*4+1] = 16 }},
		{"synapse on a free segment", func(st *State) { st.SynCell[3*4+2], st.SynPerm[3*4+2] = 0, 5 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tm, err := New(p)
			require.NoError(t, err)
			require.NoError(t, tm.SetState(good.state(p)))
			before := tm.State()
			st := good.state(p)
			tc.mod(&st)
			assert.Error(t, tm.SetState(st))
			assert.Equal(t, before, tm.State(), "a refused state leaves the memory unchanged")
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Params)
		msg  string
	}{
		{"no columns", func(p *Params) { p.NumColumns = 0 }, "numColumns"},
		{"no cells", func(p *Params) { p.CellsPerColumn = 0 }, "cellsPerColumn"},
		{"too many cells", func(p *Params) { p.NumColumns, p.CellsPerColumn = 1<<16, 1<<16 }, "32-bit cell indices"},
		{"3 bits", func(p *Params) { p.PermBits = 3 }, "permanence width"},
		{"17 bits", func(p *Params) { p.PermBits = 17 }, "permanence width"},
		{"no slots", func(p *Params) { p.MaxSynapsesPerSegment = 0 }, "maxSynapsesPerSegment"},
		{"65536 slots", func(p *Params) { p.MaxSynapsesPerSegment = 65536 }, "maxSynapsesPerSegment"},
		{"activation 0", func(p *Params) { p.ActivationThreshold = 0 }, "activationThreshold"},
		{"activation > M", func(p *Params) { p.ActivationThreshold = 5 }, "activationThreshold"},
		{"min 0", func(p *Params) { p.MinThreshold = 0 }, "minThreshold"},
		{"min > M", func(p *Params) { p.MinThreshold = 5 }, "minThreshold"},
		{"maxNew 0", func(p *Params) { p.MaxNewSynapseCount = 0 }, "maxNewSynapseCount"},
		{"segments per cell 0", func(p *Params) { p.MaxSegmentsPerCell = 0 }, "maxSegmentsPerCell"},
		{"segments per cell 65536", func(p *Params) { p.MaxSegmentsPerCell = 65536 }, "maxSegmentsPerCell"},
		{"pool 0", func(p *Params) { p.SegmentCapacity = 0 }, "segmentCapacity"},
		{"pool × slots too big", func(p *Params) { p.SegmentCapacity, p.MaxSynapsesPerSegment = 1<<20, 1<<12 }, "31-bit synapse indices"},
		{"pool × slots one past 2^31", func(p *Params) { p.SegmentCapacity, p.MaxSynapsesPerSegment = 1<<16+1, 1<<15 }, "31-bit synapse indices"},
		{"connected 0", func(p *Params) { p.ConnectedPermanence = 0 }, "connectedPermanence"},
		{"connected > P", func(p *Params) { p.ConnectedPermanence = 16 }, "connectedPermanence"},
		{"initial 0", func(p *Params) { p.InitialPermanence = 0 }, "initialPermanence"},
		{"initial > P", func(p *Params) { p.InitialPermanence = 16 }, "initialPermanence"},
		{"increment > P", func(p *Params) { p.PermanenceIncrement = 16 }, "permanence step"},
		{"decrement > P", func(p *Params) { p.PermanenceDecrement = 16 }, "permanence step"},
		{"punishment > P", func(p *Params) { p.PredictedSegmentDecrement = 16 }, "permanence step"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.mod(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			_, err = New(p)
			assert.Error(t, err)
		})
	}
	for _, mod := range []func(*Params){
		func(p *Params) { p.PermBits = 16; p.ConnectedPermanence, p.InitialPermanence = 65535, 65535 },
		func(p *Params) { p.ActivationThreshold, p.MinThreshold = 4, 4 },
		func(p *Params) {
			p.PermanenceIncrement, p.PermanenceDecrement, p.PredictedSegmentDecrement = 15, 15, 15
		},
		func(p *Params) { p.MaxSegmentsPerCell, p.MaxSynapsesPerSegment = 65535, 65535 },
		func(p *Params) { p.SegmentCapacity, p.MaxSynapsesPerSegment = 1<<16, 1<<15 }, // 2^31 slots
	} {
		p := base()
		mod(&p)
		assert.NoError(t, p.Validate())
	}
}

// SPEC 6.1: a new memory has every segment free, the free stack S−1 … 0
// (segment 0 on top), every slot free, and the generator seeded.
func TestNew(t *testing.T) {
	p := base()
	p.Seed = 42
	tm, err := New(p)
	require.NoError(t, err)
	want := world{gen: rng.Seed(42), free: []uint32{3, 2, 1, 0}, active: []uint32{}, winners: []uint32{}}
	assert.Equal(t, normal(want.state(p), 4), normal(tm.State(), 4))
	assert.Equal(t, uint32(0xCB528376), rng.New(42).Next(), "SPEC section 3: seed 42's first draw")
}
