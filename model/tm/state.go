package tm

import (
	"fmt"
	"slices"

	"github.com/htmhw/htmhw/model/sdr"
)

// ActiveCells returns the cells active after the last step, ascending. The
// slice is reused by the next step.
func (t *TemporalMemory) ActiveCells() []uint32 { return t.activeCells }

// WinnerCells returns the winner cells of the last step, ascending. The
// slice is reused by the next step.
func (t *TemporalMemory) WinnerCells() []uint32 { return t.winnerCells }

// PredictiveCells appends to dst the cells predicted for the next step (the
// owners of active segments), ascending.
func (t *TemporalMemory) PredictiveCells(dst []uint32) []uint32 {
	dst = dst[:0]
	for _, s := range t.activeSegs {
		c := t.segCell[s]
		if n := len(dst); n == 0 || dst[n-1] != c {
			dst = append(dst, c)
		}
	}
	return dst
}

// PredictedColumns returns the columns that were predicted for the last
// step, ascending. The slice is reused by the next step.
func (t *TemporalMemory) PredictedColumns() []uint32 { return t.predictedCols }

// Unpredicted returns how many of the last step's active columns were not
// predicted: the numerator of the raw anomaly score.
func (t *TemporalMemory) Unpredicted() uint32 { return t.unpredicted }

// NumSegments returns the number of segments in use.
func (t *TemporalMemory) NumSegments() int { return t.p.SegmentCapacity - len(t.free) }

// NumSynapses returns the number of synapses in use.
func (t *TemporalMemory) NumSynapses() int { return t.numSynapses }

// Stats returns the capacity event counters.
func (t *TemporalMemory) Stats() Stats { return t.stats }

// Params returns the memory's parameters.
func (t *TemporalMemory) Params() Params { return t.p }

// State is the whole mutable state of a temporal memory: what a snapshot
// saves and a memory image holds.
type State struct {
	Iteration   uint32   // learning steps computed
	Generator   uint32   // generator state
	Created     uint64   // segments created so far: the next creation number
	SegCell     []uint32 // per segment: owner cell, None when free
	SegLastUsed []uint32 // per segment: iteration of last use
	SegSeq      []uint64 // per segment: creation number
	Free        []uint32 // free segment stack, bottom first
	SynCell     []uint32 // per synapse slot: presynaptic cell, None when free
	SynPerm     []uint16 // per synapse slot: permanence
	ActiveCells []uint32 // active cells of the last step
	WinnerCells []uint32 // winner cells of the last step
	Stats       Stats
}

// State returns a copy of the memory's state.
func (t *TemporalMemory) State() State {
	return State{
		Iteration:   t.iteration,
		Generator:   t.g.State(),
		Created:     t.seq,
		SegCell:     slices.Clone(t.segCell),
		SegLastUsed: slices.Clone(t.segLastUsed),
		SegSeq:      slices.Clone(t.segSeq),
		Free:        slices.Clone(t.free),
		SynCell:     slices.Clone(t.synCell),
		SynPerm:     slices.Clone(t.synPerm),
		ActiveCells: slices.Clone(t.activeCells),
		WinnerCells: slices.Clone(t.winnerCells),
		Stats:       t.stats,
	}
}

// SetState replaces the memory's state with a copy of st, after checking
// that it is consistent and fits the memory's parameters, and recomputes
// the dendrite activity of st's active cells without learning.
func (t *TemporalMemory) SetState(st State) error {
	S, M, n := t.p.SegmentCapacity, t.m, uint32(t.numCells)
	if len(st.SegCell) != S || len(st.SegLastUsed) != S || len(st.SegSeq) != S {
		return fmt.Errorf("tm: state has %d segments, capacity is %d", len(st.SegCell), S)
	}
	if len(st.SynCell) != S*M || len(st.SynPerm) != S*M {
		return fmt.Errorf("tm: state has %d synapse slots, want %d", len(st.SynCell), S*M)
	}
	if err := sdr.Validate(st.ActiveCells, t.numCells); err != nil {
		return fmt.Errorf("tm: state active cells: %w", err)
	}
	if err := sdr.Validate(st.WinnerCells, t.numCells); err != nil {
		return fmt.Errorf("tm: state winner cells: %w", err)
	}
	if st.Generator == 0 {
		return fmt.Errorf("tm: state generator is 0, which the generator never reaches")
	}
	isFree := make([]bool, S)
	for _, s := range st.Free {
		if int(s) >= S || st.SegCell[s] != None || isFree[s] {
			return fmt.Errorf("tm: state free list names segment %d, which is not a free segment", s)
		}
		isFree[s] = true
	}
	pmax := t.p.PermMax()
	perCell := make([]int, n)
	numSyn := make([]uint16, S)
	seqs := make(map[uint64]bool, S-len(st.Free))
	for s, c := range st.SegCell {
		if c == None {
			if !isFree[s] {
				return fmt.Errorf("tm: state segment %d is neither used nor on the free list", s)
			}
			if st.SegLastUsed[s] != 0 || st.SegSeq[s] != 0 {
				return fmt.Errorf("tm: state free segment %d has a last use or creation number (free segments are 0)", s)
			}
			continue
		}
		if seqs[st.SegSeq[s]] {
			return fmt.Errorf("tm: state segment %d: creation number %d is not unique", s, st.SegSeq[s])
		}
		seqs[st.SegSeq[s]] = true
		if c >= n {
			return fmt.Errorf("tm: state segment %d: owner cell %d out of range", s, c)
		}
		if st.SegSeq[s] >= st.Created {
			return fmt.Errorf("tm: state segment %d: creation number %d not below %d", s, st.SegSeq[s], st.Created)
		}
		if perCell[c]++; perCell[c] > t.p.MaxSegmentsPerCell {
			return fmt.Errorf("tm: state cell %d has more than %d segments", c, t.p.MaxSegmentsPerCell)
		}
		presyns := make(map[uint32]bool, M)
		for j := s * M; j < (s+1)*M; j++ {
			pc := st.SynCell[j]
			if pc == None {
				if st.SynPerm[j] != 0 {
					return fmt.Errorf("tm: state segment %d slot %d: a free slot with permanence %d (free slots are 0)", s, j-s*M, st.SynPerm[j])
				}
				continue
			}
			if presyns[pc] {
				return fmt.Errorf("tm: state segment %d slot %d: a second synapse from cell %d", s, j-s*M, pc)
			}
			presyns[pc] = true
			if pc >= n {
				return fmt.Errorf("tm: state segment %d slot %d: presynaptic cell %d out of range", s, j-s*M, pc)
			}
			if st.SynPerm[j] == 0 || st.SynPerm[j] > pmax {
				return fmt.Errorf("tm: state segment %d slot %d: permanence %d outside [1, %d]", s, j-s*M, st.SynPerm[j], pmax)
			}
			numSyn[s]++
		}
	}
	for j, c := range st.SynCell {
		if st.SegCell[j/M] == None && (c != None || st.SynPerm[j] != 0) {
			return fmt.Errorf("tm: state free segment %d holds a synapse in slot %d", j/M, j%M)
		}
	}

	t.iteration, t.seq, t.stats = st.Iteration, st.Created, st.Stats
	t.g.SetState(st.Generator)
	copy(t.segCell, st.SegCell)
	copy(t.segLastUsed, st.SegLastUsed)
	copy(t.segSeq, st.SegSeq)
	copy(t.segNumSyn, numSyn)
	t.free = append(t.free[:0], st.Free...)
	copy(t.synCell, st.SynCell)
	copy(t.synPerm, st.SynPerm)
	t.flips = t.flips[:0] // the lists are rebuilt from the permanences
	for c := range t.cellSegs {
		t.cellSegs[c] = t.cellSegs[c][:0]
		t.presyn[c] = t.presyn[c][:0]
	}
	for s, c := range t.segCell {
		if c != None {
			t.cellSegs[c] = append(t.cellSegs[c], uint32(s))
		}
	}
	for _, segs := range t.cellSegs {
		slices.SortFunc(segs, func(a, b uint32) int {
			switch {
			case t.segSeq[a] < t.segSeq[b]:
				return -1
			case t.segSeq[a] > t.segSeq[b]:
				return 1
			}
			return 0
		})
	}
	for _, segs := range t.cellSegs {
		for i, s := range segs {
			t.segPos[s] = uint16(i)
		}
	}
	for j, c := range t.synCell {
		t.synPos[j] = 0
		if j%M == 0 {
			t.segHi[j/M] = 0
		}
		if c != None {
			t.segHi[j/M] = uint16(j%M + 1)
			t.synPos[j] = uint32(len(t.presyn[c]))
			e := uint32(j)
			if t.synPerm[j] >= t.p.ConnectedPermanence {
				e |= connBit
			}
			t.presyn[c] = append(t.presyn[c], e)
		}
	}
	t.numSynapses = 0
	for s, c := range t.segCell {
		if c != None {
			t.numSynapses += int(t.segNumSyn[s])
		}
	}
	t.activeCells = append(t.activeCells[:0], st.ActiveCells...)
	t.winnerCells = append(t.winnerCells[:0], st.WinnerCells...)
	t.activateDendrites(false)
	return nil
}
