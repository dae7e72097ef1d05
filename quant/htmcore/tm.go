package htmcore

import (
	"errors"
	"fmt"
	"slices"
)

// AnomalyMode is htm.core's TemporalMemory ANMode, as far as supported.
type AnomalyMode int

const (
	// AnomalyRaw is ANMode::RAW: the fraction of active columns that were
	// not predicted.
	AnomalyRaw AnomalyMode = iota
	// AnomalyDisabled is ANMode::DISABLED: the anomaly is always 0.5.
	AnomalyDisabled
)

// TMParams holds the arguments of htm.core's TemporalMemory constructor,
// under their htm.core names and with their htm.core types (Permanence is
// float32, SynapseIdx and SegmentIdx are uint16, CellIdx is uint32, Int is
// int32).
type TMParams struct {
	ColumnDimensions          []uint32
	CellsPerColumn            uint32
	ActivationThreshold       uint16
	InitialPermanence         float32
	ConnectedPermanence       float32
	MinThreshold              uint16
	MaxNewSynapseCount        uint16
	PermanenceIncrement       float32
	PermanenceDecrement       float32
	PredictedSegmentDecrement float32
	// Seed seeds the generator; htm.core takes seed 0 to mean a random
	// seed, which this package refuses.
	Seed                  int32
	MaxSegmentsPerCell    uint16
	MaxSynapsesPerSegment uint16
	// CheckInputs is accepted and, as in htm.core v2.2.0, unused.
	CheckInputs bool
	// ExternalPredictiveInputs must be 0: external inputs are not supported.
	ExternalPredictiveInputs uint32
	AnomalyMode              AnomalyMode
}

// DefaultTMParams returns htm.core's defaults for the given column
// dimensions.
func DefaultTMParams(columnDimensions []uint32) TMParams {
	return TMParams{
		ColumnDimensions:          columnDimensions,
		CellsPerColumn:            32,
		ActivationThreshold:       13,
		InitialPermanence:         0.21,
		ConnectedPermanence:       0.5,
		MinThreshold:              10,
		MaxNewSynapseCount:        20,
		PermanenceIncrement:       0.1,
		PermanenceDecrement:       0.1,
		PredictedSegmentDecrement: 0,
		Seed:                      42,
		MaxSegmentsPerCell:        255,
		MaxSynapsesPerSegment:     255,
		CheckInputs:               true,
		AnomalyMode:               AnomalyRaw,
	}
}

// TemporalMemory is htm.core's TemporalMemory (src/htm/algorithms/
// TemporalMemory.cpp): cells in columns, distal segments in a Connections,
// learning that adapts, grows, prunes and evicts segments and synapses in
// htm.core's order and with htm.core's random draws.
type TemporalMemory struct {
	p          TMParams
	numColumns uint32
	numCells   uint32
	conn       *Connections
	rng        *Random

	activeCells      []uint32
	winnerCells      []uint32
	activeSegments   []uint32
	segKeys          []uint64 // scratch for sortSegments
	colPredicted     []bool   // scratch for the anomaly, all false between steps
	matchingSegments []uint32
	numActiveConn    []uint16
	numActivePot     []uint16
	segmentsValid    bool
	anomaly          float32

	prevActiveDense []bool
}

// NewTemporalMemory returns htm.core's TemporalMemory(p...).
func NewTemporalMemory(p TMParams) (*TemporalMemory, error) {
	if len(p.ColumnDimensions) == 0 {
		return nil, errors.New("htmcore: tm: columnDimensions must not be empty")
	}
	if p.CellsPerColumn == 0 {
		return nil, errors.New("htmcore: tm: cellsPerColumn must be positive")
	}
	for _, f := range []struct {
		name string
		v    float32
	}{
		{"initialPermanence", p.InitialPermanence}, {"connectedPermanence", p.ConnectedPermanence},
		{"permanenceIncrement", p.PermanenceIncrement}, {"permanenceDecrement", p.PermanenceDecrement},
	} {
		if !(f.v >= 0 && f.v <= 1) {
			return nil, fmt.Errorf("htmcore: tm: %s %g must be in [0, 1]", f.name, f.v)
		}
	}
	if p.MinThreshold > p.ActivationThreshold {
		return nil, fmt.Errorf("htmcore: tm: minThreshold %d exceeds activationThreshold %d", p.MinThreshold, p.ActivationThreshold)
	}
	if p.MaxSegmentsPerCell == 0 {
		return nil, errors.New("htmcore: tm: maxSegmentsPerCell must be positive")
	}
	if p.ExternalPredictiveInputs != 0 {
		return nil, errors.New("htmcore: tm: external predictive inputs are not supported")
	}
	if p.AnomalyMode != AnomalyRaw && p.AnomalyMode != AnomalyDisabled {
		return nil, fmt.Errorf("htmcore: tm: anomaly mode %d is not supported", p.AnomalyMode)
	}
	if p.Seed == 0 {
		return nil, errors.New("htmcore: tm: seed 0 means a random seed in htm.core; give a non-zero seed")
	}
	tm := &TemporalMemory{p: p, numColumns: 1}
	tm.p.ColumnDimensions = slices.Clone(p.ColumnDimensions)
	for _, d := range p.ColumnDimensions {
		tm.numColumns *= d
	}
	if tm.numColumns == 0 {
		return nil, errors.New("htmcore: tm: column dimensions must be positive")
	}
	tm.numCells = tm.numColumns * p.CellsPerColumn
	tm.conn = NewConnections(tm.numCells, p.ConnectedPermanence)
	tm.rng = NewRandom(uint32(p.Seed))
	tm.prevActiveDense = make([]bool, tm.numCells)
	tm.colPredicted = make([]bool, tm.numColumns)
	tm.Reset()
	return tm, nil
}

// Reset forgets the current activity (htm.core's reset): the next step
// starts a new sequence.
func (tm *TemporalMemory) Reset() {
	tm.activeCells = tm.activeCells[:0]
	tm.winnerCells = tm.winnerCells[:0]
	tm.activeSegments = tm.activeSegments[:0]
	tm.matchingSegments = tm.matchingSegments[:0]
	tm.segmentsValid = false
	tm.anomaly = -1
}

// Compute runs one step on the active columns (indices below the number of
// columns; order and duplicates do not matter): ActivateDendrites if the
// segments are not yet computed, the anomaly, then the cells' activation
// and, with learn, learning. It panics on a column out of range.
func (tm *TemporalMemory) Compute(activeColumns []uint32, learn bool) {
	cols := slices.Clone(activeColumns)
	slices.Sort(cols)
	cols = slices.Compact(cols)
	if len(cols) > 0 && cols[len(cols)-1] >= tm.numColumns {
		panic(fmt.Sprintf("htmcore: tm: column %d out of range [0, %d)", cols[len(cols)-1], tm.numColumns))
	}
	tm.ActivateDendrites(learn)
	tm.calculateAnomaly(cols)
	tm.activateCells(cols, learn)
}

func (tm *TemporalMemory) calculateAnomaly(cols []uint32) {
	if tm.p.AnomalyMode == AnomalyDisabled {
		tm.anomaly = 0.5
		return
	}
	if len(cols) == 0 {
		tm.anomaly = 0
		return
	}
	predicted := tm.colPredicted
	for _, seg := range tm.activeSegments {
		predicted[tm.conn.CellForSegment(seg)/tm.p.CellsPerColumn] = true
	}
	both := 0
	for _, c := range cols {
		if predicted[c] {
			both++
		}
	}
	for _, seg := range tm.activeSegments {
		predicted[tm.conn.CellForSegment(seg)/tm.p.CellsPerColumn] = false
	}
	tm.anomaly = float32(len(cols)-both) / float32(len(cols))
}

// ActivateDendrites computes the active and matching segments from the
// active cells, unless they are already computed for this step.
func (tm *TemporalMemory) ActivateDendrites(learn bool) {
	if tm.segmentsValid {
		return
	}
	tm.numActiveConn, tm.numActivePot = tm.conn.ComputeActivityPotential(tm.activeCells, tm.numActiveConn, tm.numActivePot)
	tm.activeSegments = tm.activeSegments[:0]
	for seg, n := range tm.numActiveConn {
		if n >= tm.p.ActivationThreshold {
			tm.activeSegments = append(tm.activeSegments, uint32(seg))
		}
	}
	tm.sortSegments(tm.activeSegments)
	tm.matchingSegments = tm.matchingSegments[:0]
	for seg, n := range tm.numActivePot {
		if n >= tm.p.MinThreshold {
			tm.matchingSegments = append(tm.matchingSegments, uint32(seg))
		}
	}
	tm.sortSegments(tm.matchingSegments)
	tm.segmentsValid = true
}

// sortSegments orders segs as Connections.CompareSegments does, by (cell,
// id), through one sort of packed 64-bit keys instead of a comparator.
func (tm *TemporalMemory) sortSegments(segs []uint32) {
	keys := tm.segKeys[:0]
	for _, seg := range segs {
		keys = append(keys, uint64(tm.conn.CellForSegment(seg))<<32|uint64(seg))
	}
	slices.Sort(keys)
	for i, k := range keys {
		segs[i] = uint32(k)
	}
	tm.segKeys = keys
}

func (tm *TemporalMemory) columnOfSegment(seg uint32) uint32 {
	return tm.conn.CellForSegment(seg) / tm.p.CellsPerColumn
}

func (tm *TemporalMemory) activateCells(cols []uint32, learn bool) {
	for _, c := range tm.activeCells {
		tm.prevActiveDense[c] = true
	}
	prevActiveCells := tm.activeCells
	tm.activeCells = make([]uint32, 0, len(prevActiveCells))
	prevWinnerCells := tm.winnerCells
	tm.winnerCells = make([]uint32, 0, len(prevWinnerCells))

	act, match := tm.activeSegments, tm.matchingSegments
	ai, si, mi := 0, 0, 0
	for {
		column := tm.numColumns
		if ai < len(cols) {
			column = min(column, cols[ai])
		}
		if si < len(act) {
			column = min(column, tm.columnOfSegment(act[si]))
		}
		if mi < len(match) {
			column = min(column, tm.columnOfSegment(match[mi]))
		}
		if column == tm.numColumns {
			break
		}
		ae := ai
		for ae < len(cols) && cols[ae] == column {
			ae++
		}
		se := si
		for se < len(act) && tm.columnOfSegment(act[se]) == column {
			se++
		}
		me := mi
		for me < len(match) && tm.columnOfSegment(match[me]) == column {
			me++
		}
		if ai != ae {
			if si != se {
				tm.activatePredictedColumn(act[si:se], prevWinnerCells, learn)
			} else {
				tm.burstColumn(column, match[mi:me], prevWinnerCells, learn)
			}
		} else if learn {
			tm.punishPredictedColumn(match[mi:me])
		}
		ai, si, mi = ae, se, me
	}
	tm.segmentsValid = false
	for _, c := range prevActiveCells {
		tm.prevActiveDense[c] = false
	}
}

func (tm *TemporalMemory) activatePredictedColumn(segs []uint32, prevWinnerCells []uint32, learn bool) {
	i := 0
	for i < len(segs) {
		cell := tm.conn.CellForSegment(segs[i])
		tm.activeCells = append(tm.activeCells, cell)
		tm.winnerCells = append(tm.winnerCells, cell)
		for {
			seg := segs[i]
			if learn {
				tm.conn.AdaptSegment(seg, tm.prevActiveDense, tm.p.PermanenceIncrement, tm.p.PermanenceDecrement, true, uint32(tm.p.MinThreshold))
				nGrow := int32(tm.p.MaxNewSynapseCount) - int32(tm.numActivePot[seg])
				if nGrow > 0 {
					tm.conn.GrowSynapses(seg, prevWinnerCells, tm.p.InitialPermanence, tm.rng, int(nGrow), int(tm.p.MaxSynapsesPerSegment))
				}
			}
			i++
			if i == len(segs) || tm.conn.CellForSegment(segs[i]) != cell {
				break
			}
		}
	}
}

func (tm *TemporalMemory) burstColumn(column uint32, matching []uint32, prevWinnerCells []uint32, learn bool) {
	start := column * tm.p.CellsPerColumn
	for c := start; c < start+tm.p.CellsPerColumn; c++ {
		tm.activeCells = append(tm.activeCells, c)
	}
	// std::max_element: the first segment of greatest potential overlap.
	best, haveBest := uint32(0), false
	for _, seg := range matching {
		if !haveBest || tm.numActivePot[best] < tm.numActivePot[seg] {
			best, haveBest = seg, true
		}
	}
	var winner uint32
	if haveBest {
		winner = tm.conn.CellForSegment(best)
	} else {
		i, _ := slices.BinarySearchFunc(prevWinnerCells, column, func(cell, col uint32) int {
			return cmpUint32(cell/tm.p.CellsPerColumn, col)
		})
		if i < len(prevWinnerCells) && prevWinnerCells[i]/tm.p.CellsPerColumn == column {
			winner = prevWinnerCells[i]
		} else {
			winner = tm.leastUsedCell(column)
		}
	}
	tm.winnerCells = append(tm.winnerCells, winner)
	if !learn {
		return
	}
	if haveBest {
		tm.conn.AdaptSegment(best, tm.prevActiveDense, tm.p.PermanenceIncrement, tm.p.PermanenceDecrement, true, uint32(tm.p.MinThreshold))
		nGrow := int32(tm.p.MaxNewSynapseCount) - int32(tm.numActivePot[best])
		if nGrow > 0 {
			tm.conn.GrowSynapses(best, prevWinnerCells, tm.p.InitialPermanence, tm.rng, int(nGrow), int(tm.p.MaxSynapsesPerSegment))
		}
		return
	}
	nGrowExact := min(uint32(tm.p.MaxNewSynapseCount), uint32(len(prevWinnerCells)))
	if nGrowExact > 0 {
		seg := tm.conn.CreateSegment(winner, tm.p.MaxSegmentsPerCell)
		tm.conn.GrowSynapses(seg, prevWinnerCells, tm.p.InitialPermanence, tm.rng, int(nGrowExact), int(tm.p.MaxSynapsesPerSegment))
	}
}

// leastUsedCell returns the cell of column with the fewest segments (the
// lowest index on a tie), after shuffling the column's cells as htm.core
// does, which changes nothing but the generator's state.
func (tm *TemporalMemory) leastUsedCell(column uint32) uint32 {
	if tm.p.CellsPerColumn == 1 {
		return column
	}
	cells := make([]uint32, tm.p.CellsPerColumn)
	for i := range cells {
		cells[i] = column*tm.p.CellsPerColumn + uint32(i)
	}
	Shuffle(tm.rng, cells)
	best := cells[0]
	for _, c := range cells[1:] {
		nc, nb := tm.conn.NumSegmentsOnCell(c), tm.conn.NumSegmentsOnCell(best)
		if nc < nb || (nc == nb && c < best) {
			best = c
		}
	}
	return best
}

func (tm *TemporalMemory) punishPredictedColumn(matching []uint32) {
	if !(tm.p.PredictedSegmentDecrement > 0) {
		return
	}
	for _, seg := range matching {
		tm.conn.AdaptSegment(seg, tm.prevActiveDense, -tm.p.PredictedSegmentDecrement, 0, true, uint32(tm.p.MinThreshold))
	}
}

// Params returns the parameters.
func (tm *TemporalMemory) Params() TMParams { return tm.p }

// NumberOfColumns returns the number of columns.
func (tm *TemporalMemory) NumberOfColumns() int { return int(tm.numColumns) }

// NumberOfCells returns the number of cells.
func (tm *TemporalMemory) NumberOfCells() int { return int(tm.numCells) }

// ActiveCells returns the active cells, ascending.
func (tm *TemporalMemory) ActiveCells() []uint32 { return slices.Clone(tm.activeCells) }

// WinnerCells returns the winner cells, ascending.
func (tm *TemporalMemory) WinnerCells() []uint32 { return slices.Clone(tm.winnerCells) }

// PredictiveCells returns the cells with an active segment, ascending. It
// panics when the segments are not computed (call ActivateDendrites).
func (tm *TemporalMemory) PredictiveCells() []uint32 {
	if !tm.segmentsValid {
		panic("htmcore: tm: call ActivateDendrites before PredictiveCells")
	}
	var cells []uint32
	for _, seg := range tm.activeSegments {
		c := tm.conn.CellForSegment(seg)
		if len(cells) == 0 || cells[len(cells)-1] != c {
			cells = append(cells, c)
		}
	}
	return cells
}

// ActiveSegments returns the active segments, by cell then id.
func (tm *TemporalMemory) ActiveSegments() []uint32 { return slices.Clone(tm.activeSegments) }

// MatchingSegments returns the matching segments, by cell then id.
func (tm *TemporalMemory) MatchingSegments() []uint32 { return slices.Clone(tm.matchingSegments) }

// Anomaly returns the anomaly of the last step (−1 before the first).
func (tm *TemporalMemory) Anomaly() float32 { return tm.anomaly }

// NumSegments returns the number of segments.
func (tm *TemporalMemory) NumSegments() int { return tm.conn.NumSegments() }

// NumSynapses returns the number of synapses.
func (tm *TemporalMemory) NumSynapses() int { return tm.conn.NumSynapses() }

// Connections returns the TemporalMemory's connections (not a copy).
func (tm *TemporalMemory) Connections() *Connections { return tm.conn }
