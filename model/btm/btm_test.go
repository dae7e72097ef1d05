package btm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// small is a TM small enough to follow by hand: 4 columns of 3 cells
// (cell 0 of each is its start cell), two synapses make a segment active.
func small() Params {
	return Params{NumColumns: 4, CellsPerColumn: 3, ActivationThreshold: 2, MinThreshold: 1,
		NewSynapseCount: 2, MaxSegmentsPerCell: 4, MaxSynapsesPerSeg: 4,
		InitialPermanence: 54, ConnectedPermanence: 128, PermanenceIncrement: 26, PermanenceDecrement: 26,
		PermanenceMax: 255, PamLength: 1, MaxInfBacktrack: 2, MaxLrnBacktrack: 2, SegUpdateValidDuration: 5, Seed: 42}
}

type seg struct {
	src  []uint32
	perm []uint16
}

func segs(t *TM, cell uint32) []seg {
	var out []seg
	for j := range t.Slots(cell) {
		s, p := t.Segment(cell, j)
		out = append(out, seg{s, p})
	}
	return out
}

// A, B, A, B, A worked by hand (docs/SPEC.md, section 12.10). NuPIC's
// generator with seed 42 draws 91716700, 729225899, 1505223544, 930964946,
// 467588745, 563461275, 1395259286, 1884038379, ...; every draw here is
// getUInt32(2), a choice between a column's two non-start cells.
//
//  1. A = {0, 1}: inference bursts, backtracking from A's start cells
//     predicts nothing. Learning: no learning cells last step, so
//     cellForNewSegment draws (cells 1 and 5) but no segment is made;
//     not in sequence, pamCounter 1 → 0, nothing to backtrack over: the
//     learning cells are A's start cells {0, 3}.
//  2. B = {2, 3}: columns 2 and 3 draw cells 7 and 10, each gets a segment
//     from {0, 3} at 54. Learning cells: B's start cells {6, 9}.
//  3. A: inference bursts A; segments 7 and 10 see both their synapses
//     active (not connected), so columns 2 and 3 get a non-zero confidence:
//     they are predicted. Learning draws cells 2 and 5, segments from
//     {6, 9}; learning restarts on {0, 3}, and phase 2 queues updates of
//     segments 7 and 10 (their two synapses from {0, 3}).
//  4. B: anomaly 0. The queued updates apply (54 → 80). Cells 7 and 10
//     were the only predicted learning cells of their columns: in
//     sequence.
//  5. A: anomaly 0 (columns 0 and 1 predicted by segments 2 and 5).
//     Learning cells 7 and 10 predict nothing in A: cells 1 and 5 (draws
//     0 and 1) get segments from {7, 10}; not in sequence, pamCounter runs
//     out, learning backtracks: started on B's start cells it predicts
//     cells 2 and 5, which A then activates, in sequence; the replay
//     applies segments 2 and 5's updates (54 → 80).
func TestHandWorked(t *testing.T) {
	tm, err := New(small())
	require.NoError(t, err)
	A, B := []uint32{0, 1}, []uint32{2, 3}
	var anomalies []uint32
	for _, cols := range [][]uint32{A, B, A, B, A} {
		require.NoError(t, tm.Compute(cols, true))
		anomalies = append(anomalies, tm.Unpredicted())
	}
	assert.Equal(t, []uint32{2, 2, 2, 0, 0}, anomalies)
	at80, at54 := []uint16{80, 80}, []uint16{54, 54}
	assert.Equal(t, []seg{{[]uint32{0, 3}, at80}}, segs(tm, 7))
	assert.Equal(t, []seg{{[]uint32{0, 3}, at80}}, segs(tm, 10))
	assert.Equal(t, []seg{{[]uint32{6, 9}, at80}}, segs(tm, 2))
	assert.Equal(t, []seg{{[]uint32{6, 9}, at80}, {[]uint32{7, 10}, at54}}, segs(tm, 5))
	assert.Equal(t, []seg{{[]uint32{7, 10}, at54}}, segs(tm, 1))
	assert.Equal(t, 6, tm.NumSegments())
	assert.Equal(t, 12, tm.NumSynapses())
	assert.Equal(t, []uint32{2, 5}, tm.LearnCells(nil))
	// Bursting A, segments 7 and 10 (80 < 128: not connected) give columns
	// 2 and 3 confidence; no cell is predicted.
	assert.Equal(t, []uint32{2, 3}, tm.PredictedColumns(nil))
	assert.Empty(t, tm.PredictiveCells(nil))
	st := tm.Stats()
	assert.Equal(t, uint64(1), st.LrnBacktrackFound)
	assert.Equal(t, uint64(4), st.UpdatesApplied)
}
