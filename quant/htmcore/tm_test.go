package htmcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func smallTM(t testing.TB, mod func(*TMParams)) *TemporalMemory {
	t.Helper()
	p := DefaultTMParams([]uint32{4})
	p.CellsPerColumn = 2
	p.ActivationThreshold = 1
	p.MinThreshold = 1
	p.ConnectedPermanence = 0.2
	mod(&p)
	tm, err := NewTemporalMemory(p)
	require.NoError(t, err)
	return tm
}

func step(tm *TemporalMemory, cols ...uint32) {
	tm.Compute(cols, true)
	tm.ActivateDendrites(true)
}

// A sequence worked by hand: bursting, segment growth on the least used
// cell, prediction, and the punishment of a wrong prediction by
// predictedSegmentDecrement.
func TestTMHandChecked(t *testing.T) {
	tm := smallTM(t, func(p *TMParams) { p.PredictedSegmentDecrement = 0.05 })
	c := tm.Connections()

	step(tm, 0) // burst, no previous winners: nothing grows
	require.Equal(t, []uint32{0, 1}, tm.ActiveCells())
	require.Equal(t, []uint32{0}, tm.WinnerCells(), "least used cell, lowest index")
	require.Equal(t, float32(1), tm.Anomaly())
	require.Equal(t, 0, tm.NumSegments())

	step(tm, 1) // burst; a segment on cell 2 from cell 0
	require.Equal(t, []uint32{2, 3}, tm.ActiveCells())
	require.Equal(t, []uint32{2}, tm.WinnerCells())
	require.Equal(t, 1, tm.NumSegments())
	require.Equal(t, []uint32{0}, c.SegmentsForCell(2))
	require.Equal(t, SynapseData{PresynapticCell: 0, Permanence: 0.21, Segment: 0}, withoutIndex(c.DataForSynapse(0)))
	require.Empty(t, tm.PredictiveCells())

	step(tm, 0) // burst; a segment on cell 0 from cell 2; cell 2 predicted
	require.Equal(t, []uint32{0}, tm.WinnerCells())
	require.Equal(t, []uint32{2}, tm.PredictiveCells())
	require.Equal(t, 2, tm.NumSegments())

	step(tm, 2) // column 1 was predicted, not active: punished
	require.Equal(t, float32(1), tm.Anomaly())
	require.Equal(t, float32(0.21)+(-float32(0.05)), c.DataForSynapse(0).Permanence)
	require.Equal(t, []uint32{4, 5}, tm.ActiveCells())

	step(tm, 0) // column 2's new segment predicts; column 1's (0.16 < 0.2) no longer
	require.Equal(t, []uint32{4}, tm.PredictiveCells())

	// A predicted column: only the predicted cell becomes active, and its
	// segment learns (+0.1 on the active synapse).
	tm2 := smallTM(t, func(p *TMParams) {})
	step(tm2, 0)
	step(tm2, 1)
	step(tm2, 0)
	require.Equal(t, []uint32{2}, tm2.PredictiveCells())
	step(tm2, 1)
	require.Equal(t, float32(0), tm2.Anomaly())
	require.Equal(t, []uint32{2}, tm2.ActiveCells())
	require.Equal(t, []uint32{2}, tm2.WinnerCells())
	require.Equal(t, float32(0.21)+float32(0.1), tm2.Connections().DataForSynapse(0).Permanence)
	checkConnections(t, tm2.Connections(), 255, 255)
}

func withoutIndex(d SynapseData) SynapseData { d.mapIndex = 0; return d }

// Partly predicted steps give the fraction of unpredicted columns, in
// float32.
func TestTMAnomaly(t *testing.T) {
	tm := smallTM(t, func(p *TMParams) {})
	step(tm, 0)
	step(tm, 1)
	step(tm, 0)
	tm.Compute([]uint32{1, 2, 3}, true)
	require.Equal(t, float32(2)/float32(3), tm.Anomaly())
	tm.ActivateDendrites(true)
	tm.Compute(nil, true)
	require.Equal(t, float32(0), tm.Anomaly())

	d := smallTM(t, func(p *TMParams) { p.AnomalyMode = AnomalyDisabled })
	d.Compute([]uint32{1}, true)
	require.Equal(t, float32(0.5), d.Anomaly())
}

// Without learning nothing grows and the generator is not used except for
// the least used cell's shuffle.
func TestTMNoLearning(t *testing.T) {
	tm := smallTM(t, func(p *TMParams) {})
	for i := 0; i < 10; i++ {
		tm.Compute([]uint32{uint32(i % 4)}, false)
		tm.ActivateDendrites(false)
	}
	require.Equal(t, 0, tm.NumSegments())
	require.Equal(t, uint64(10), tm.rng.Steps(), "one draw per shuffle of 2 cells")
}

func TestTMParamErrors(t *testing.T) {
	for name, mod := range map[string]func(*TMParams){
		"minThreshold":  func(p *TMParams) { p.MinThreshold = 14 },
		"permanence":    func(p *TMParams) { p.InitialPermanence = 1.5 },
		"cells":         func(p *TMParams) { p.CellsPerColumn = 0 },
		"seed 0":        func(p *TMParams) { p.Seed = 0 },
		"external":      func(p *TMParams) { p.ExternalPredictiveInputs = 3 },
		"max segments":  func(p *TMParams) { p.MaxSegmentsPerCell = 0 },
		"no dimensions": func(p *TMParams) { p.ColumnDimensions = nil },
	} {
		p := DefaultTMParams([]uint32{16})
		mod(&p)
		_, err := NewTemporalMemory(p)
		require.Error(t, err, name)
	}
}
