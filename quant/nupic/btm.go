package nupic

// This file is NuPIC's backtracking temporal memory (BacktrackingTMCPP over
// nupic.core's Cells4 and Segment) in float32: the float twin of package
// model/btm, whose integer text is docs/SPEC.md section 12, with nupic.core's
// Real arithmetic where the integer model departs from it:
//   - permanences are float32; a decrement is Segment::updateSynapses'
//     min(perm − permDec, permMax) and removes the synapse when that is not
//     positive; an increment is min(perm + permInc, permMax); the keys of
//     freeNSynapses are perm and perm + permMax in float32;
//   - the average input density is Cells4's Real: 0.99·avg + (1 − 0.99)·n
//     in float32, and phase 2 is in sequence when the predicted columns
//     are at least 0.5·avg.
// It keeps the integer model's eviction rule (SPEC 12.10: the least
// recently updated segment, where NuPIC frees the lowest duty cycle; it
// never runs on NAB's corpus, docs/NAB-NUPIC.md) and its confidence rule
// (SPEC 12.3: some segment with activationThreshold synapses of any
// permanence from the active cells).

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/htmhw/htmhw/model/rng/nupic"
)

// TMParams are the parameters of a backtracking TM (BacktrackingTMCPP's,
// under Cells4's names); permanences are float32, nupic.core's Real.
type TMParams struct {
	NumColumns          int
	CellsPerColumn      int // at least 2: cell 0 of a column is its start cell
	ActivationThreshold int
	MinThreshold        int
	NewSynapseCount     int
	MaxSegmentsPerCell  int
	MaxSynapsesPerSeg   int

	InitialPermanence   float32
	ConnectedPermanence float32
	PermanenceIncrement float32
	PermanenceDecrement float32
	PermanenceMax       float32

	PamLength              int
	MaxInfBacktrack        int
	MaxLrnBacktrack        int
	MaxSeqLength           int // 0: no limit
	SegUpdateValidDuration int

	Seed uint64 // of the TM's nupic::Random, non-zero
}

// Validate checks the parameters.
func (p *TMParams) Validate() error {
	for _, f := range []struct {
		name   string
		v, min int
	}{
		{"numColumns", p.NumColumns, 1}, {"cellsPerColumn", p.CellsPerColumn, 2},
		{"activationThreshold", p.ActivationThreshold, 1}, {"minThreshold", p.MinThreshold, 1},
		{"newSynapseCount", p.NewSynapseCount, 1}, {"maxSegmentsPerCell", p.MaxSegmentsPerCell, 1},
		{"maxSynapsesPerSegment", p.MaxSynapsesPerSeg, 1},
		{"pamLength", p.PamLength, 1}, {"maxInfBacktrack", p.MaxInfBacktrack, 0},
		{"maxLrnBacktrack", p.MaxLrnBacktrack, 0}, {"maxSeqLength", p.MaxSeqLength, 0},
		{"segUpdateValidDuration", p.SegUpdateValidDuration, 0},
	} {
		if f.v < f.min {
			return fmt.Errorf("nupic: tm: %s %d must be at least %d", f.name, f.v, f.min)
		}
	}
	if p.NumColumns*p.CellsPerColumn > 1<<24 {
		return fmt.Errorf("nupic: tm: %d columns × %d cells is more than 2^24 cells", p.NumColumns, p.CellsPerColumn)
	}
	if p.NewSynapseCount > p.MaxSynapsesPerSeg {
		return fmt.Errorf("nupic: tm: newSynapseCount %d exceeds maxSynapsesPerSegment %d", p.NewSynapseCount, p.MaxSynapsesPerSeg)
	}
	if p.MaxSegmentsPerCell > 65535 || p.MaxSynapsesPerSeg > 65535 {
		return errors.New("nupic: tm: maxSegmentsPerCell and maxSynapsesPerSegment must be at most 65535")
	}
	if !(p.PermanenceMax > 0) || !(p.InitialPermanence > 0) || !(p.ConnectedPermanence > 0) ||
		p.InitialPermanence > p.PermanenceMax || p.ConnectedPermanence > p.PermanenceMax ||
		!(p.PermanenceIncrement >= 0) || !(p.PermanenceDecrement >= 0) {
		return errors.New("nupic: tm: permanences must be in (0, permanenceMax], increments non-negative")
	}
	if p.MaxInfBacktrack > 1<<10 || p.MaxLrnBacktrack > 1<<10 || p.PamLength > 1<<20 || p.MaxSeqLength > 1<<30 || p.SegUpdateValidDuration > 1<<30 {
		return errors.New("nupic: tm: history lengths are bounded by 1024 (backtracks), 2^20 (pamLength) and 2^30")
	}
	if p.Seed == 0 {
		return errors.New("nupic: tm: seed 0 must be nonzero (NuPIC would seed from the clock)")
	}
	return nil
}

// segment is one of a cell's segment slots. A free slot has no synapses.
type segment struct {
	src        []uint32 // presynaptic cells, strictly ascending
	perm       []float32
	nConnected int
	lastActive uint32 // learning iteration of its creation or last update
	positive   uint32 // positive activations (NuPIC's duty-cycle numerator)
}

// update is a queued segment update (NuPIC's SegmentUpdate).
type update struct {
	cell      uint32
	slot      int // -1: a new segment
	timeStamp uint32
	cells     []uint32 // ascending
}

// state is a set of cells: a bit per cell and the list of its members.
type state struct {
	bit  []bool
	list []uint32
}

func newState(n int) state { return state{bit: make([]bool, n)} }

func (s *state) set(i uint32) {
	if !s.bit[i] {
		s.bit[i] = true
		s.list = append(s.list, i)
	}
}

func (s *state) reset() {
	for _, i := range s.list {
		s.bit[i] = false
	}
	s.list = s.list[:0]
}

func (s *state) copyFrom(o *state) {
	s.reset()
	for _, i := range o.list {
		s.set(i)
	}
}

// sorted returns the members, ascending, in buf.
func (s *state) sorted(buf []uint32) []uint32 {
	buf = append(buf[:0], s.list...)
	slices.Sort(buf)
	return buf
}

// Stats counts the events of section 12 that have no trace of their own.
type Stats struct {
	InfBacktracks     uint64 // inference lost the sequence and backtracked
	InfBacktrackSteps uint64 // phase-1/phase-2 re-inferences run while backtracking
	InfBacktrackFound uint64 // ... and found a start
	LrnBacktracks     uint64 // learning backtracked (pamCounter or maxSeqLength ran out)
	LrnBacktrackSteps uint64 // learning re-runs while backtracking
	LrnBacktrackFound uint64 // ... and found a start
	SegmentsEvicted   uint64 // a column's cells were all full
	UpdatesApplied    uint64 // queued updates applied
	UpdatesDropped    uint64 // queued updates dropped (column not active, or expired)
}

// TM is a backtracking temporal memory.
type TM struct {
	p      TMParams
	nCells int
	rnd    *nupic.Random

	cells [][]segment // cell → slots
	free  [][]int     // cell → free slots, a stack (LIFO)
	out   [][]segRef  // presynaptic cell → its synapses' segments
	nSegs int
	nSyns int

	infActive, infActive1, infPred, infPred1 state
	lrnActive, lrnActive1, lrnPred, lrnPred1 state
	colConf                                  []bool // column confidence is non-zero
	colConfList                              []uint32

	// Backtracking buffers.
	infActiveBackup, infPred1Backup, candActive, candPred state
	candColConf                                           []uint32
	prevInf, prevLrn                                      [][]uint32

	updates []update

	// Activity of the last propagation: per segment (cell, slot) and the
	// segments it touched.
	act     []uint16 // cell·MaxSegmentsPerCell + slot
	touched []segRef

	nIter, nLrnIter  uint32
	avgDensity       float32 // 0 until the first step
	pamCounter       int
	learnedSeqLength int
	resetCalled      bool

	unpredicted uint32
	colMark     []uint32 // per column: generation of the last mark
	gen         uint32
	stats       Stats
	buf, buf2   []uint32
}

// segRef names a segment slot.
type segRef struct {
	cell uint32
	slot uint16
}

// New returns a TM with no segments.
func NewTM(p TMParams) (*TM, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rnd, err := nupic.New(p.Seed)
	if err != nil {
		return nil, fmt.Errorf("nupic: tm: %w", err)
	}
	n := p.NumColumns * p.CellsPerColumn
	t := &TM{p: p, nCells: n, rnd: rnd,
		cells: make([][]segment, n), free: make([][]int, n), out: make([][]segRef, n),
		colConf: make([]bool, p.NumColumns), colMark: make([]uint32, p.NumColumns),
		act: make([]uint16, n*p.MaxSegmentsPerCell), pamCounter: p.PamLength} // NuPIC's setPamLength sets the counter too
	for _, s := range []*state{&t.infActive, &t.infActive1, &t.infPred, &t.infPred1, &t.lrnActive, &t.lrnActive1,
		&t.lrnPred, &t.lrnPred1, &t.infActiveBackup, &t.infPred1Backup, &t.candActive, &t.candPred} {
		*s = newState(n)
	}
	return t, nil
}

// Params returns the parameters.
func (t *TM) Params() TMParams { return t.p }

// Stats returns the event counters.
func (t *TM) Stats() Stats { return t.stats }

// NumSegments returns the number of segments (used slots).
func (t *TM) NumSegments() int { return t.nSegs }

// NumSynapses returns the number of synapses.
func (t *TM) NumSynapses() int { return t.nSyns }

// Unpredicted returns the number of the last step's active columns that
// were not predicted (whose confidence was zero before the step).
func (t *TM) Unpredicted() uint32 { return t.unpredicted }

// PredictedColumns returns the columns predicted for the next step (non-zero
// confidence), ascending.
func (t *TM) PredictedColumns(dst []uint32) []uint32 {
	dst = append(dst[:0], t.colConfList...)
	slices.Sort(dst)
	return dst
}

// ActiveCells returns the inference state's active cells, ascending.
func (t *TM) ActiveCells(dst []uint32) []uint32 { return t.infActive.sorted(dst) }

// LearnCells returns the learning state's active cells, ascending.
func (t *TM) LearnCells(dst []uint32) []uint32 { return t.lrnActive.sorted(dst) }

// PredictiveCells returns the inference state's predicted cells, ascending.
func (t *TM) PredictiveCells(dst []uint32) []uint32 { return t.infPred.sorted(dst) }

// Compute runs one step on the active columns (ascending, each below
// NumColumns): the raw anomaly against the last step's predicted columns,
// then inference, then with learn the learning state and its updates.
func (t *TM) Compute(activeColumns []uint32, learn bool) error {
	for i, c := range activeColumns {
		if int(c) >= t.p.NumColumns || (i > 0 && c <= activeColumns[i-1]) {
			return fmt.Errorf("nupic: tm: active columns must be ascending and below %d (column %d at %d)", t.p.NumColumns, c, i)
		}
	}
	t.unpredicted = 0
	for _, c := range activeColumns {
		if !t.colConf[c] {
			t.unpredicted++
		}
	}
	if learn {
		t.nLrnIter++
	}
	t.nIter++
	// Cells4::compute: _avgInputDensity in Real, COOL_DOWN (Real)0.99.
	n := float32(len(activeColumns))
	if t.avgDensity == 0 {
		t.avgDensity = n
	} else {
		const coolDown = float32(0.99)
		t.avgDensity = float32(float32(coolDown*t.avgDensity) + float32(float32(1-coolDown)*n))
	}
	t.updateInference(activeColumns)
	if learn {
		t.updateLearning(activeColumns)
	}
	t.resetCalled = false
	return nil
}

// Reset starts a new sequence (NuPIC's reset): empty states, no queued
// updates, no history.
func (t *TM) Reset() {
	for _, s := range []*state{&t.infActive, &t.infActive1, &t.infPred, &t.infPred1, &t.lrnActive, &t.lrnActive1, &t.lrnPred, &t.lrnPred1} {
		s.reset()
	}
	t.clearConf()
	t.updates = t.updates[:0]
	t.resetCalled = true
	t.prevInf, t.prevLrn = t.prevInf[:0], t.prevLrn[:0]
}

func (t *TM) clearConf() {
	for _, c := range t.colConfList {
		t.colConf[c] = false
	}
	t.colConfList = t.colConfList[:0]
}

// propagate counts, for every segment, its synapses (of any permanence)
// from the cells of s (NuPIC's computeForwardPropagation).
func (t *TM) propagate(s *state) {
	for _, r := range t.touched {
		t.act[t.idx(r)] = 0
	}
	t.touched = t.touched[:0]
	for _, c := range s.list {
		for _, r := range t.out[c] {
			i := t.idx(r)
			if t.act[i] == 0 {
				t.touched = append(t.touched, r)
			}
			t.act[i]++
		}
	}
}

func (t *TM) idx(r segRef) int { return int(r.cell)*t.p.MaxSegmentsPerCell + int(r.slot) }

// pushPattern appends a copy of cols to a history of at most max+1 entries.
func pushPattern(h [][]uint32, cols []uint32, max int) [][]uint32 {
	if len(h) > max {
		h = h[1:]
	}
	return append(h, slices.Clone(cols))
}

func (t *TM) updateInference(cols []uint32) {
	t.infActive1.copyFrom(&t.infActive)
	t.infPred1.copyFrom(&t.infPred)
	if t.p.MaxInfBacktrack > 0 {
		t.prevInf = pushPattern(t.prevInf, cols, t.p.MaxInfBacktrack)
	}
	if !t.inferPhase1(cols, t.resetCalled) || !t.inferPhase2() {
		t.inferBacktrack(cols)
	}
}

// inferPhase1 activates the predicted cells of the active columns (or the
// start cells) and bursts the others; in sequence when at least half the
// columns were predicted.
func (t *TM) inferPhase1(cols []uint32, useStartCells bool) bool {
	t.infActive.reset()
	K := uint32(t.p.CellsPerColumn)
	if useStartCells {
		for _, c := range cols {
			t.infActive.set(c * K)
		}
		return true
	}
	predicted := 0
	for _, c := range cols {
		any := false
		for i := c * K; i < (c+1)*K; i++ {
			if t.infPred1.bit[i] {
				t.infActive.set(i)
				any = true
			}
		}
		if any {
			predicted++
		} else {
			for i := c * K; i < (c+1)*K; i++ {
				t.infActive.set(i)
			}
		}
	}
	return 2*predicted >= len(cols)
}

// inferPhase2 computes the predicted cells and the columns' confidence from
// the active cells; in sequence when the predicted columns are at least
// half the average input density.
func (t *TM) inferPhase2() bool {
	t.propagate(&t.infActive)
	t.infPred.reset()
	t.clearConf()
	t.gen++
	predictedCols := 0
	K := uint32(t.p.CellsPerColumn)
	for _, r := range t.touched {
		if int(t.act[t.idx(r)]) < t.p.ActivationThreshold {
			continue
		}
		col := r.cell / K
		if !t.colConf[col] {
			t.colConf[col] = true
			t.colConfList = append(t.colConfList, col)
		}
		if t.isActive(&t.cells[r.cell][r.slot], &t.infActive) {
			t.infPred.set(r.cell)
			if t.colMark[col] != t.gen {
				t.colMark[col] = t.gen
				predictedCols++
			}
		}
	}
	return float64(predictedCols) >= 0.5*float64(t.avgDensity)
}

// isActive: at least activationThreshold connected synapses from s.
func (t *TM) isActive(seg *segment, s *state) bool {
	if len(seg.src) < t.p.ActivationThreshold || seg.nConnected < t.p.ActivationThreshold {
		return false
	}
	n := 0
	for j, c := range seg.src {
		if seg.perm[j] >= t.p.ConnectedPermanence && s.bit[c] {
			n++
			if n >= t.p.ActivationThreshold {
				return true
			}
		}
	}
	return false
}

func (t *TM) saveConf(dst []uint32) []uint32 { return append(dst[:0], t.colConfList...) }

func (t *TM) loadConf(src []uint32) {
	t.clearConf()
	for _, c := range src {
		t.colConf[c] = true
		t.colConfList = append(t.colConfList, c)
	}
}

// inferBacktrack looks for the earliest input of the history from which,
// started on start cells, inference stays in sequence up to now.
func (t *TM) inferBacktrack(cols []uint32) {
	t.stats.InfBacktracks++
	if len(t.prevInf) == 0 {
		return
	}
	cur := len(t.prevInf) - 1
	t.infActiveBackup.copyFrom(&t.infActive)
	t.infPred1Backup.copyFrom(&t.infPred1)
	cand := -1
	start := 0
	for ; start < len(t.prevInf); start++ {
		in := false
		for off := start; off < len(t.prevInf); off++ {
			t.stats.InfBacktrackSteps++
			t.infPred1.copyFrom(&t.infPred)
			if in = t.inferPhase1(t.prevInf[off], off == start); !in {
				break
			}
			if in = t.inferPhase2(); !in {
				break
			}
		}
		if in {
			cand = start
			if cand != cur {
				t.candActive.copyFrom(&t.infActive)
				t.candPred.copyFrom(&t.infPred)
				t.candColConf = t.saveConf(t.candColConf)
			}
			break
		}
	}
	if cand == -1 {
		t.infActive.copyFrom(&t.infActiveBackup)
		t.inferPhase2()
		t.prevInf = t.prevInf[:0]
	} else {
		t.stats.InfBacktrackFound++
		if cand != cur {
			t.infActive.copyFrom(&t.candActive)
			t.infPred.copyFrom(&t.candPred)
			t.loadConf(t.candColConf)
		}
		t.prevInf = t.prevInf[cand+1:]
	}
	t.infPred1.copyFrom(&t.infPred1Backup)
}

func (t *TM) updateLearning(cols []uint32) {
	t.lrnActive1.copyFrom(&t.lrnActive)
	t.lrnPred1.copyFrom(&t.lrnPred)
	if t.p.MaxLrnBacktrack > 0 {
		t.prevLrn = pushPattern(t.prevLrn, cols, t.p.MaxLrnBacktrack)
	}
	t.processSegmentUpdates(cols)
	if t.pamCounter > 0 {
		t.pamCounter--
	}
	t.learnedSeqLength++
	if !t.resetCalled {
		if t.learnPhase1(cols, false) {
			t.pamCounter = t.p.PamLength
		}
	}
	if t.resetCalled || t.pamCounter == 0 || (t.p.MaxSeqLength != 0 && t.learnedSeqLength >= t.p.MaxSeqLength) {
		backsteps := 0
		if !t.resetCalled {
			backsteps = t.learnBacktrack()
		}
		if t.resetCalled || backsteps == 0 {
			t.lrnActive.reset()
			K := uint32(t.p.CellsPerColumn)
			for _, c := range cols {
				t.lrnActive.set(c * K)
			}
			t.prevLrn = t.prevLrn[:0]
		}
		t.pamCounter = t.p.PamLength
		t.learnedSeqLength = backsteps
		t.updates = t.updates[:0]
	}
	t.learnPhase2(false)
}

// learnPhase1 picks the learning cell of each active column: the single
// predicted one, else (unless readOnly) the best matching cell of the last
// step or a new segment's cell; in sequence when fewer than half the
// columns (integer half) were not predicted by exactly one cell.
func (t *TM) learnPhase1(cols []uint32, readOnly bool) bool {
	t.lrnActive.reset()
	K := uint32(t.p.CellsPerColumn)
	unpredicted := 0
	for _, c := range cols {
		n, predicting := 0, uint32(0)
		for i := c * K; i < (c+1)*K; i++ {
			if t.lrnPred1.bit[i] {
				n++
				predicting = i
			}
		}
		if n == 1 {
			t.lrnActive.set(predicting)
			continue
		}
		unpredicted++
		if readOnly {
			continue
		}
		if cell, slot := t.bestMatchingCellT1(c); slot >= 0 {
			t.lrnActive.set(cell)
			if u, ok := t.computeUpdate(cell, slot, &t.lrnActive1); ok {
				t.adaptSegment(&u)
			}
		} else {
			cell := t.cellForNewSegment(c)
			t.lrnActive.set(cell)
			if u, ok := t.computeUpdate(cell, -1, &t.lrnActive1); ok {
				t.adaptSegment(&u)
			}
		}
	}
	return unpredicted < len(cols)/2
}

// learnPhase2 computes the learning state's predicted cells: in each
// column the cell of its best segment with activationThreshold synapses
// (any permanence) from the learning cells; unless readOnly, each such
// segment's update is queued.
func (t *TM) learnPhase2(readOnly bool) {
	t.propagate(&t.lrnActive)
	t.lrnPred.reset()
	// The best segment per column: the most active, ties to the highest
	// cell and, within a cell, the lowest slot (NuPIC's getBestMatchingCellT
	// scans cells downwards, slots upwards, and keeps a strict maximum).
	K := uint32(t.p.CellsPerColumn)
	type best struct {
		ref segRef
		act uint16
	}
	bests := map[uint32]best{}
	for _, r := range t.touched {
		a := t.act[t.idx(r)]
		if int(a) < t.p.ActivationThreshold {
			continue
		}
		col := r.cell / K
		b, ok := bests[col]
		if !ok || a > b.act || (a == b.act && (r.cell > b.ref.cell || (r.cell == b.ref.cell && r.slot < b.ref.slot))) {
			bests[col] = best{r, a}
		}
	}
	order := make([]uint32, 0, len(bests))
	for col := range bests {
		order = append(order, col)
	}
	slices.Sort(order)
	for _, col := range order {
		r := bests[col].ref
		t.lrnPred.set(r.cell)
		if !readOnly {
			if u, ok := t.computeUpdate(r.cell, int(r.slot), &t.lrnActive); ok {
				t.updates = append(t.updates, u)
			}
		}
	}
}

// bestMatchingCellT1 is NuPIC's getBestMatchingCellT1: over the column's
// cells ascending, each cell's most active segment (synapses of any
// permanence from the last step's learning cells; the lowest slot among
// equals); the last cell whose maximum is at least minThreshold and at
// least every earlier such maximum. slot −1 when none.
func (t *TM) bestMatchingCellT1(col uint32) (uint32, int) {
	K := uint32(t.p.CellsPerColumn)
	bestCell, bestSlot, bestAct := uint32(0), -1, t.p.MinThreshold
	for c := col * K; c < (col+1)*K; c++ {
		maxAct, maxSlot := 0, 0
		for j := range t.cells[c] {
			seg := &t.cells[c][j]
			if len(seg.src) == 0 {
				continue
			}
			a := 0
			for _, s := range seg.src {
				if t.lrnActive1.bit[s] {
					a++
				}
			}
			if a > maxAct {
				maxAct, maxSlot = a, j
			}
		}
		if maxAct >= bestAct {
			bestCell, bestSlot, bestAct = c, maxSlot, maxAct
		}
	}
	return bestCell, bestSlot
}

// computeUpdate is NuPIC's computeUpdate with newSynapses true: the
// segment's synapses from s, plus new cells of s to reach NewSynapseCount.
func (t *TM) computeUpdate(cell uint32, slot int, s *state) (update, bool) {
	var cells []uint32
	var seg *segment
	if slot >= 0 {
		seg = &t.cells[cell][slot]
		for _, c := range seg.src {
			if s.bit[c] {
				cells = append(cells, c)
			}
		}
	}
	if add := t.p.NewSynapseCount - len(cells); add > 0 {
		cells = t.chooseCellsToLearnFrom(seg, add, s, cells)
	}
	if len(cells) == 0 {
		return update{}, false
	}
	return update{cell: cell, slot: slot, timeStamp: t.nLrnIter, cells: cells}, true
}

// chooseCellsToLearnFrom appends n cells of s (ascending) that are not
// presynaptic to seg, chosen with the TM's generator, and sorts the result.
func (t *TM) chooseCellsToLearnFrom(seg *segment, n int, s *state, dst []uint32) []uint32 {
	t.buf = s.sorted(t.buf)
	cand := t.buf
	if seg != nil {
		t.buf2 = t.buf2[:0]
		j := 0
		for _, c := range t.buf {
			for j < len(seg.src) && seg.src[j] < c {
				j++
			}
			if j < len(seg.src) && seg.src[j] == c {
				continue
			}
			t.buf2 = append(t.buf2, c)
		}
		cand = t.buf2
	}
	if len(cand) == 0 {
		return dst
	}
	switch {
	case len(cand) <= n:
		dst = append(dst, cand...)
	case n == 1:
		dst = append(dst, cand[t.rnd.Uint32(uint32(len(cand)))])
	default:
		need := n
		for i := 0; i < len(cand) && need > 0; i++ {
			if int(t.rnd.Uint32(uint32(len(cand)-i))) < need {
				dst = append(dst, cand[i])
				need--
			}
		}
	}
	slices.Sort(dst)
	return dst
}

// cellForNewSegment is NuPIC's getCellForNewSegment: a random cell among
// the column's non-start cells with fewer than MaxSegmentsPerCell slots;
// when they are all full, the least recently updated segment of those
// cells is freed (NuPIC: the lowest duty cycle; SPEC 12.9) and its cell
// returned.
func (t *TM) cellForNewSegment(col uint32) uint32 {
	K := uint32(t.p.CellsPerColumn)
	t.buf = t.buf[:0]
	for c := col*K + 1; c < (col+1)*K; c++ {
		if len(t.cells[c]) < t.p.MaxSegmentsPerCell {
			t.buf = append(t.buf, c)
		}
	}
	if len(t.buf) > 0 {
		return t.buf[t.rnd.Uint32(uint32(len(t.buf)))]
	}
	t.stats.SegmentsEvicted++
	var victim segRef
	found := false
	for c := col*K + 1; c < (col+1)*K; c++ {
		for j := range t.cells[c] {
			seg := &t.cells[c][j]
			if len(seg.src) == 0 {
				continue
			}
			if !found || t.nLrnIter-seg.lastActive > t.nLrnIter-t.cells[victim.cell][victim.slot].lastActive {
				victim, found = segRef{c, uint16(j)}, true
			}
		}
	}
	if !found { // every slot free: cannot happen with slots < max failing; take cell 1
		return col*K + 1
	}
	t.cleanUpdates(victim)
	t.release(victim)
	return victim.cell
}

// cleanUpdates drops the queued updates of a segment.
func (t *TM) cleanUpdates(r segRef) {
	t.updates = slices.DeleteFunc(t.updates, func(u update) bool { return u.cell == r.cell && u.slot == int(r.slot) })
}

// release frees a segment's synapses and its slot.
func (t *TM) release(r segRef) {
	seg := &t.cells[r.cell][r.slot]
	for _, c := range seg.src {
		t.eraseOut(c, r)
	}
	t.nSyns -= len(seg.src)
	t.nSegs--
	*seg = segment{}
	if !slices.Contains(t.free[r.cell], int(r.slot)) {
		t.free[r.cell] = append(t.free[r.cell], int(r.slot))
	}
}

func (t *TM) eraseOut(src uint32, r segRef) {
	o := t.out[src]
	for i := range o {
		if o[i] == r {
			o[i] = o[len(o)-1]
			t.out[src] = o[:len(o)-1]
			return
		}
	}
}

// processSegmentUpdates applies the queued updates whose column is active
// (and that are at most SegUpdateValidDuration learning steps old) and
// drops every queued update.
func (t *TM) processSegmentUpdates(cols []uint32) {
	K := uint32(t.p.CellsPerColumn)
	q := t.updates
	t.updates = nil
	for i := range q {
		u := &q[i]
		if t.nLrnIter-u.timeStamp > uint32(t.p.SegUpdateValidDuration) {
			t.stats.UpdatesDropped++
			continue
		}
		if _, ok := slices.BinarySearch(cols, u.cell/K); ok {
			t.stats.UpdatesApplied++
			t.adaptSegment(u)
		} else {
			t.stats.UpdatesDropped++
		}
	}
	t.updates = q[:0]
}

// adaptSegment is NuPIC's adaptSegment: reinforce the update's existing
// synapses, weaken the segment's others (freeing those that reach 0), make
// room, add the new ones; or create the segment.
func (t *TM) adaptSegment(u *update) {
	if u.slot < 0 {
		slot := len(t.cells[u.cell])
		if f := t.free[u.cell]; len(f) > 0 {
			slot = f[len(f)-1]
			t.free[u.cell] = f[:len(f)-1]
		} else {
			t.cells[u.cell] = append(t.cells[u.cell], segment{})
		}
		seg := &t.cells[u.cell][slot]
		seg.src = slices.Clone(u.cells)
		seg.perm = make([]float32, len(u.cells))
		for j := range seg.perm {
			seg.perm[j] = t.p.InitialPermanence
		}
		if t.p.InitialPermanence >= t.p.ConnectedPermanence {
			seg.nConnected = len(seg.src)
		}
		seg.lastActive, seg.positive = t.nLrnIter, 1
		r := segRef{u.cell, uint16(slot)}
		for _, c := range seg.src {
			t.out[c] = append(t.out[c], r)
		}
		t.nSegs++
		t.nSyns += len(seg.src)
		return
	}
	r := segRef{u.cell, uint16(u.slot)}
	seg := &t.cells[u.cell][u.slot]
	if len(seg.src) == 0 {
		return
	}
	seg.lastActive = t.nLrnIter
	seg.positive++
	// nupic.core 0.4.10's Cells4::adaptSegment, the release that made
	// NAB's published results: the synapses not in the update (synToDec,
	// at inactive indices) and those in it (synToInc, at active indices);
	// the update's other cells are new.
	var synToDec, synToInc, removed []uint32
	var inactIdx, actIdx []int
	fresh := slices.Clone(u.cells)
	for i, c := range seg.src {
		if k, ok := slices.BinarySearch(fresh, c); ok {
			synToInc = append(synToInc, c)
			actIdx = append(actIdx, i)
			fresh = slices.Delete(fresh, k, k+1)
		} else {
			synToDec = append(synToDec, c)
			inactIdx = append(inactIdx, i)
		}
	}
	t.updateSynapses(seg, synToDec, -t.p.PermanenceDecrement, &removed)
	t.updateSynapses(seg, synToInc, t.p.PermanenceIncrement, &removed)
	if over := len(fresh) + len(seg.src) - t.p.MaxSynapsesPerSeg; over > 0 {
		// Segment::freeNSynapses with the indices taken before the
		// decrement removed synapses: in 0.4.10 they are not recomputed
		// (nupic.core fixed this in 2017, NUP-2324), so they name the
		// synapses now at those positions of the compacted segment, or,
		// past its end, the stale entries the compaction left in the
		// vector's storage, as this slice's backing array keeps them.
		srcAll, permAll := seg.src[:cap(seg.src)], seg.perm[:cap(seg.perm)]
		type cand struct {
			idx int
			key float32
		}
		cands := make([]cand, 0, len(inactIdx)+len(actIdx))
		for _, i := range inactIdx {
			cands = append(cands, cand{i, permAll[i]})
		}
		if len(cands) < over {
			for _, i := range actIdx {
				cands = append(cands, cand{i, float32(permAll[i] + t.p.PermanenceMax)})
			}
		}
		slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(a.key, b.key) })
		del := make([]int, 0, over)
		for _, c := range cands[:over] {
			del = append(del, c.idx)
			removed = append(removed, srcAll[c.idx])
		}
		slices.Sort(del)
		removeAt(seg, del)
	}
	// addSynapses: the new ones at the initial permanence, then sorted.
	for _, c := range fresh {
		seg.src = append(seg.src, c)
		seg.perm = append(seg.perm, t.p.InitialPermanence)
	}
	sortSegment(seg)
	for _, c := range fresh {
		t.out[c] = append(t.out[c], r)
	}
	for _, c := range removed {
		t.eraseOut(c, r)
	}
	seg.nConnected = 0
	for _, p := range seg.perm {
		if p >= t.p.ConnectedPermanence {
			seg.nConnected++
		}
	}
	t.nSyns = t.nSyns - len(removed) + len(fresh) // approximate when 0.4.10's stale indices remove other synapses
	if len(seg.src) == 0 {
		t.nSegs--
		*seg = segment{}
		t.free[u.cell] = append(t.free[u.cell], u.slot)
	}
}

// updateSynapses is 0.4.10's Segment::updateSynapses: the synapses from
// the cells of list (ascending) get min(perm + delta, permMax); those left
// at or below 0 are removed (in place, as _removeSynapses compacts the
// vector) and their cells appended to removed.
func (t *TM) updateSynapses(seg *segment, list []uint32, delta float32, removed *[]uint32) {
	var del []int
	i1, i2 := 0, 0
	for i1 < len(seg.src) && i2 < len(list) {
		switch {
		case seg.src[i1] == list[i2]:
			p := min(float32(seg.perm[i1]+delta), t.p.PermanenceMax)
			if p <= 0 {
				*removed = append(*removed, seg.src[i1])
				del = append(del, i1)
			}
			seg.perm[i1] = p
			i1++
			i2++
		case seg.src[i1] < list[i2]:
			i1++
		default:
			i2++
		}
	}
	removeAt(seg, del)
}

// removeAt is Segment::_removeSynapses: it compacts the synapses not at
// the ascending positions del in place; positions at or past the end are
// ignored.
func removeAt(seg *segment, del []int) {
	if len(del) == 0 {
		return
	}
	i, k, j := 0, 0, 0
	for i < len(seg.src) && k < len(del) {
		if i == del[k] {
			i++
			k++
		} else {
			seg.src[j], seg.perm[j] = seg.src[i], seg.perm[i]
			i++
			j++
		}
	}
	for i < len(seg.src) {
		seg.src[j], seg.perm[j] = seg.src[i], seg.perm[i]
		i++
		j++
	}
	seg.src, seg.perm = seg.src[:j], seg.perm[:j]
}

// sortSegment sorts a segment's synapses by presynaptic cell.
func sortSegment(seg *segment) {
	if slices.IsSorted(seg.src) {
		return
	}
	idx := make([]int, len(seg.src))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(seg.src[a], seg.src[b]) })
	src := make([]uint32, len(idx), cap(seg.src))
	perm := make([]float32, len(idx), cap(seg.perm))
	for k, i := range idx {
		src[k], perm[k] = seg.src[i], seg.perm[i]
	}
	copy(seg.src, src)
	copy(seg.perm, perm)
}

// learnBacktrack looks for the earliest input of the learning history from
// which, started on start cells, learning stays in sequence up to now,
// and replays learning from there. It returns the number of steps
// replayed, 0 when there is no such start.
func (t *TM) learnBacktrack() int {
	t.stats.LrnBacktracks++
	numPrev := len(t.prevLrn) - 1
	if numPrev <= 0 {
		return 0
	}
	start, in := 0, false
	for ; start < numPrev; start++ {
		if in = t.learnBacktrackFrom(start, true); in {
			break
		}
	}
	if !in {
		t.prevLrn = t.prevLrn[:0]
		return 0
	}
	t.stats.LrnBacktrackFound++
	t.learnBacktrackFrom(start, false)
	t.prevLrn = t.prevLrn[start+1:]
	return numPrev - start
}

// learnBacktrackFrom runs learning's phases from history entry start (on
// start cells) to the current input; readOnly changes no segment.
func (t *TM) learnBacktrackFrom(start int, readOnly bool) bool {
	cur := len(t.prevLrn) - 1
	if !readOnly {
		t.updates = t.updates[:0]
	}
	in := true
	K := uint32(t.p.CellsPerColumn)
	for off := start; off <= cur; off++ {
		t.stats.LrnBacktrackSteps++
		t.lrnActive1.copyFrom(&t.lrnActive)
		t.lrnPred1.copyFrom(&t.lrnPred)
		if !readOnly {
			t.processSegmentUpdates(t.prevLrn[off])
		}
		if off == start {
			t.lrnActive.reset()
			for _, c := range t.prevLrn[off] {
				t.lrnActive.set(c * K)
			}
			in = true
		} else {
			in = t.learnPhase1(t.prevLrn[off], readOnly)
		}
		if !in || off == cur {
			break
		}
		t.learnPhase2(readOnly)
	}
	return in
}

// Slots returns the number of segment slots of a cell, free ones included.
func (t *TM) Slots(cell uint32) int { return len(t.cells[cell]) }

// Segment returns the presynaptic cells (ascending) and permanences of a
// cell's segment slot; both are empty for a free slot.
func (t *TM) Segment(cell uint32, slot int) ([]uint32, []float32) {
	s := &t.cells[cell][slot]
	return slices.Clone(s.src), slices.Clone(s.perm)
}
