package btm

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// put makes segment slot 0 of a cell by hand, with its forward index.
func put(t *TM, cell uint32, src []uint32, perm []uint16) {
	t.cells[cell] = append(t.cells[cell], segment{src: src, perm: perm, lastActive: t.nLrnIter})
	for _, c := range src {
		t.out[c] = append(t.out[c], segRef{cell, uint16(len(t.cells[cell]) - 1)})
	}
	t.nSegs++
	t.nSyns += len(src)
}

// Applying an update (SPEC 12.9), worked by hand with decrement and
// increment 26, initial permanence 54, P = 255.
func TestAdaptSegment(t *testing.T) {
	for _, tt := range []struct {
		name      string
		maxSyn    int
		src       []uint32
		perm      []uint16
		update    []uint32
		wantSrc   []uint32
		wantPerm  []uint16
		wantFreed bool
	}{
		{
			// 1, 2, 3 lose 26; 4 gains 26; 7 and 8 are new; 4 + 2 > 4: the
			// two weakest not in the update (2 and 3 at 24, in slot order)
			// go.
			name: "free inactive first", maxSyn: 4,
			src: []uint32{1, 2, 3, 4}, perm: []uint16{100, 50, 50, 200}, update: []uint32{4, 7, 8},
			wantSrc: []uint32{1, 4, 7, 8}, wantPerm: []uint16{74, 226, 54, 54},
		},
		{
			// Every synapse is in the update: the weakest of them goes,
			// counted P higher but still the weakest.
			name: "free active when needed", maxSyn: 2,
			src: []uint32{1, 2}, perm: []uint16{10, 20}, update: []uint32{1, 2, 3},
			wantSrc: []uint32{2, 3}, wantPerm: []uint16{46, 54},
		},
		{
			// At or below the decrement a synapse is removed; increments
			// saturate at P.
			name: "decrement removes", maxSyn: 4,
			src: []uint32{1, 2, 3}, perm: []uint16{26, 27, 250}, update: []uint32{3},
			wantSrc: []uint32{2, 3}, wantPerm: []uint16{1, 255},
		},
		{
			name: "empty segment frees its slot", maxSyn: 4,
			src: []uint32{1}, perm: []uint16{20}, update: nil,
			wantFreed: true,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := small()
			p.MaxSynapsesPerSeg, p.NewSynapseCount = tt.maxSyn, min(2, tt.maxSyn)
			tm, err := New(p)
			require.NoError(t, err)
			put(tm, 5, slices.Clone(tt.src), slices.Clone(tt.perm))
			u := update{cell: 5, slot: 0, cells: tt.update}
			tm.adaptSegment(&u)
			src, perm := tm.Segment(5, 0)
			if tt.wantFreed {
				assert.Empty(t, src)
				assert.Equal(t, []int{0}, tm.free[5])
				assert.Equal(t, 0, tm.NumSegments())
				checkInvariants(t, tm)
				return
			}
			assert.Equal(t, tt.wantSrc, src)
			assert.Equal(t, tt.wantPerm, perm)
			assert.Equal(t, len(tt.wantSrc), tm.NumSynapses())
			checkInvariants(t, tm)
		})
	}
}

// checkInvariants checks what SPEC 12.1 keeps true: sorted, unique
// presynaptic cells, permanences in [1, P], sizes within bounds, the
// forward index equal to the synapses, the counters right.
func checkInvariants(t *testing.T, tm *TM) {
	t.Helper()
	want := map[[3]uint32]int{}
	segs, syns := 0, 0
	for c := range tm.cells {
		require.LessOrEqual(t, len(tm.cells[c]), tm.p.MaxSegmentsPerCell, "cell %d", c)
		for j, s := range tm.cells[c] {
			require.Equal(t, len(s.src), len(s.perm))
			require.LessOrEqual(t, len(s.src), tm.p.MaxSynapsesPerSeg)
			require.True(t, slices.IsSorted(s.src) && len(slices.Compact(slices.Clone(s.src))) == len(s.src), "cell %d slot %d: %v", c, j, s.src)
			if len(s.src) > 0 {
				segs++
				require.NotContains(t, tm.free[c], j, "used slot on the free stack")
			} else {
				require.Contains(t, tm.free[c], j, "free slot not on the free stack")
			}
			conn := 0
			for k, p := range s.perm {
				require.True(t, p >= 1 && p <= tm.p.PermanenceMax)
				if p >= tm.p.ConnectedPermanence {
					conn++
				}
				want[[3]uint32{s.src[k], uint32(c), uint32(j)}]++
			}
			require.Equal(t, conn, s.nConnected)
			syns += len(s.src)
		}
	}
	have := map[[3]uint32]int{}
	for src, refs := range tm.out {
		for _, r := range refs {
			have[[3]uint32{uint32(src), r.cell, uint32(r.slot)}]++
		}
	}
	require.Equal(t, want, have, "forward index")
	require.Equal(t, segs, tm.NumSegments())
	require.Equal(t, syns, tm.NumSynapses())
}

// On random sequences with repeats the invariants hold at every step, the
// queue is empty after every learning step's processing, histories stay
// bounded, and two TMs given the same inputs agree exactly.
func TestRandomSequences(t *testing.T) {
	p := Params{NumColumns: 64, CellsPerColumn: 4, ActivationThreshold: 3, MinThreshold: 2,
		NewSynapseCount: 4, MaxSegmentsPerCell: 3, MaxSynapsesPerSeg: 6,
		InitialPermanence: 54, ConnectedPermanence: 128, PermanenceIncrement: 26, PermanenceDecrement: 26,
		PermanenceMax: 255, PamLength: 2, MaxInfBacktrack: 3, MaxLrnBacktrack: 2, MaxSeqLength: 8,
		SegUpdateValidDuration: 5, Seed: 1960}
	a, err := New(p)
	require.NoError(t, err)
	b, _ := New(p)
	rnd := rand.New(rand.NewPCG(1, 2))
	var patterns [][]uint32
	for range 6 {
		var cols []uint32
		for _, c := range rnd.Perm(p.NumColumns)[:6] {
			cols = append(cols, uint32(c))
		}
		slices.Sort(cols)
		patterns = append(patterns, cols)
	}
	var predicted int
	for step := range 600 {
		cols := patterns[step%len(patterns)]
		if rnd.IntN(10) == 0 {
			cols = patterns[rnd.IntN(len(patterns))]
		}
		learn := step < 500
		require.NoError(t, a.Compute(cols, learn))
		require.NoError(t, b.Compute(cols, learn))
		require.Equal(t, a.Unpredicted(), b.Unpredicted(), "step %d", step)
		require.LessOrEqual(t, len(a.prevInf), p.MaxInfBacktrack+1)
		require.LessOrEqual(t, len(a.prevLrn), p.MaxLrnBacktrack+1)
		require.LessOrEqual(t, len(a.updates), p.NumColumns)
		if step%50 == 0 {
			checkInvariants(t, a)
		}
		if step >= 500 && a.Unpredicted() == 0 {
			predicted++
		}
	}
	checkInvariants(t, a)
	assert.Equal(t, a.Stats(), b.Stats())
	assert.Greater(t, predicted, 50, "the TM learned no sequence")
	assert.Greater(t, a.Stats().InfBacktracks, uint64(0))
	assert.Greater(t, a.Stats().LrnBacktrackFound, uint64(0))
	assert.Greater(t, a.Stats().SegmentsEvicted, uint64(0), "the eviction rule is exercised")
}

func TestErrors(t *testing.T) {
	for name, mut := range map[string]func(*Params){
		"one cell":   func(p *Params) { p.CellsPerColumn = 1 },
		"seed 0":     func(p *Params) { p.Seed = 0 },
		"new > max":  func(p *Params) { p.NewSynapseCount = 5 },
		"perm 0":     func(p *Params) { p.InitialPermanence = 0 },
		"perm > max": func(p *Params) { p.ConnectedPermanence = 256 },
		"pam 0":      func(p *Params) { p.PamLength = 0 },
		"backtrack":  func(p *Params) { p.MaxInfBacktrack = 2000 },
	} {
		p := small()
		mut(&p)
		_, err := New(p)
		assert.Error(t, err, name)
	}
	tm, _ := New(small())
	assert.ErrorContains(t, tm.Compute([]uint32{1, 1}, true), "ascending")
	assert.ErrorContains(t, tm.Compute([]uint32{4}, true), "below 4")
}

// Reset restarts on start cells: the next step is in sequence for both
// states, and nothing is queued.
func TestReset(t *testing.T) {
	tm, _ := New(small())
	for _, cols := range [][]uint32{{0, 1}, {2, 3}, {0, 1}} {
		require.NoError(t, tm.Compute(cols, true))
	}
	tm.Reset()
	assert.Empty(t, tm.prevInf)
	assert.Empty(t, tm.updates)
	require.NoError(t, tm.Compute([]uint32{2, 3}, true))
	assert.Equal(t, []uint32{6, 9}, tm.ActiveCells(nil), "after a reset inference starts on start cells")
	checkInvariants(t, tm)
}
