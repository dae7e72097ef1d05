// Package tm is the temporal memory of the htmhw golden model: cells in
// columns, dendrite segments in a fixed-capacity pool with fixed synapse
// slots, integer permanences, and on-line learning with bounded loops
// everywhere.
//
// Every rule here is written down in docs/SPEC.md, section "Temporal
// memory"; the code follows that text step for step, and where the two
// disagree the text is right and the code is a bug.
package tm

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/htmhw/htmhw/model/rng"
	"github.com/htmhw/htmhw/model/sdr"
)

// None marks a free segment (as its owner cell) and a free synapse slot
// (as its presynaptic cell).
const None = ^uint32(0)

// Params are the integer parameters of a temporal memory. Permanences are
// in units of one least significant bit of a PermBits-wide permanence.
type Params struct {
	NumColumns     int
	CellsPerColumn int

	ActivationThreshold int // connected active synapses that make a segment active
	MinThreshold        int // potential active synapses that make a segment matching
	MaxNewSynapseCount  int // synapses grown per learning segment and step, at most

	MaxSegmentsPerCell    int
	MaxSynapsesPerSegment int // synapse slots per segment
	SegmentCapacity       int // segments in the region's pool

	PermBits                  uint
	InitialPermanence         uint16
	ConnectedPermanence       uint16
	PermanenceIncrement       uint16
	PermanenceDecrement       uint16
	PredictedSegmentDecrement uint16

	Seed uint32
}

// PermMax returns the largest permanence, 2^PermBits - 1.
func (p *Params) PermMax() uint16 { return uint16(1<<p.PermBits - 1) }

// NumCells returns the number of cells.
func (p *Params) NumCells() int { return p.NumColumns * p.CellsPerColumn }

// Validate reports the first parameter that is out of range.
func (p *Params) Validate() error {
	pmax := p.PermMax()
	switch {
	case p.NumColumns < 1:
		return fmt.Errorf("tm: numColumns %d must be at least 1", p.NumColumns)
	case p.CellsPerColumn < 1:
		return fmt.Errorf("tm: cellsPerColumn %d must be at least 1", p.CellsPerColumn)
	case uint64(p.NumColumns)*uint64(p.CellsPerColumn) >= uint64(None):
		return fmt.Errorf("tm: %d×%d cells do not fit 32-bit cell indices", p.NumColumns, p.CellsPerColumn)
	case p.PermBits < 4 || p.PermBits > 16:
		return fmt.Errorf("tm: permanence width %d bits must be 4 to 16", p.PermBits)
	case p.MaxSynapsesPerSegment < 1 || p.MaxSynapsesPerSegment > 0xFFFF:
		return fmt.Errorf("tm: maxSynapsesPerSegment %d must be 1 to 65535", p.MaxSynapsesPerSegment)
	case p.ActivationThreshold < 1 || p.ActivationThreshold > p.MaxSynapsesPerSegment:
		return fmt.Errorf("tm: activationThreshold %d must be 1 to maxSynapsesPerSegment %d", p.ActivationThreshold, p.MaxSynapsesPerSegment)
	case p.MinThreshold < 1 || p.MinThreshold > p.MaxSynapsesPerSegment:
		return fmt.Errorf("tm: minThreshold %d must be 1 to maxSynapsesPerSegment %d", p.MinThreshold, p.MaxSynapsesPerSegment)
	case p.MaxNewSynapseCount < 1:
		return fmt.Errorf("tm: maxNewSynapseCount %d must be at least 1", p.MaxNewSynapseCount)
	case p.MaxSegmentsPerCell < 1 || p.MaxSegmentsPerCell > 0xFFFF:
		return fmt.Errorf("tm: maxSegmentsPerCell %d must be 1 to 65535", p.MaxSegmentsPerCell)
	case p.SegmentCapacity < 1 || uint64(p.SegmentCapacity) >= uint64(None):
		return fmt.Errorf("tm: segmentCapacity %d must be 1 to 2^32-2", p.SegmentCapacity)
	case uint64(p.SegmentCapacity)*uint64(p.MaxSynapsesPerSegment) > connBit:
		return fmt.Errorf("tm: %d segments × %d synapses do not fit 31-bit synapse indices", p.SegmentCapacity, p.MaxSynapsesPerSegment)
	case p.ConnectedPermanence == 0 || p.ConnectedPermanence > pmax:
		return fmt.Errorf("tm: connectedPermanence %d must be 1 to %d", p.ConnectedPermanence, pmax)
	case p.InitialPermanence == 0 || p.InitialPermanence > pmax:
		return fmt.Errorf("tm: initialPermanence %d must be 1 to %d", p.InitialPermanence, pmax)
	case p.PermanenceIncrement > pmax || p.PermanenceDecrement > pmax || p.PredictedSegmentDecrement > pmax:
		return fmt.Errorf("tm: a permanence step exceeds the maximum permanence %d", pmax)
	}
	return nil
}

// Stats counts the capacity events of a temporal memory since it was made.
type Stats struct {
	SegmentsCreated     uint64 // segments allocated
	SegmentsEvictedCell uint64 // destroyed because their cell was full
	SegmentsEvictedPool uint64 // destroyed because the pool was full
	SegmentsPruned      uint64 // destroyed for having fewer than minThreshold synapses
	SegmentsNotCreated  uint64 // creations given up: pool full and every segment in use
	SynapsesCreated     uint64
	SynapsesPruned      uint64 // destroyed at permanence zero
	SynapsesEvicted     uint64 // destroyed to make room on a full segment
}

// TemporalMemory is the state of a temporal memory.
type TemporalMemory struct {
	p        Params
	numCells int
	m        int    // synapse slots per segment
	mInv     uint64 // 2^64/m rounded up, for segmentOf (0 when m is 1)
	cpcInv   uint64 // 2^64/cellsPerColumn rounded up, for columnOf (0 when 1)
	m32      uint64 // 2^32/m rounded up, for countSegments32 (0 when m is 1 or the pool is too large for it)
	g        *rng.Generator

	iteration uint32 // learning steps computed
	seq       uint64 // segments created, for creation order

	// Segment pool.
	segCell     []uint32 // owner cell, or None when free
	segLastUsed []uint32
	segSeq      []uint64 // creation number: orders a cell's segments
	segNumSyn   []uint16
	segPos      []uint16   // position in its cell's cellSegs list
	segHi       []uint16   // one past the highest used slot: loops over a segment's slots stop there
	free        []uint32   // free segments, a stack: the next allocation is the last entry
	cellSegs    [][]uint32 // each cell's segments in creation order

	// Synapse slots, [segment*m + slot].
	synCell []uint32 // presynaptic cell, or None when free
	synPerm []uint16
	// presyn is the reverse index: cell -> its synapses (any order), each
	// entry a slot j in the low 31 bits and, in bit 31, whether the
	// synapse is connected (permanence ≥ connectedPermanence), kept in
	// step with synPerm so that the dendrite pass reads no permanence.
	// Four bytes an entry: the dendrite pass streams these lists.
	presyn [][]uint32
	synPos []uint32 // per used slot: its position in presyn[synCell]

	// Activity.
	// act holds, per segment, the counts of the last dendrite activation:
	// potential active synapses (numPot) in the low 16 bits, connected
	// ones (numConn) in the high 16 bits; one word, so that the dendrite
	// pass touches one memory location per synapse.
	act            []uint32
	touched        []uint32 // segments whose counters are non-zero
	flips          []uint32 // slots whose presyn flag applyFlips sets
	sink           uint32   // countSegments32's sum of the words it reads ahead
	activeSegs     []uint32 // ordered by (cell, creation)
	matchingSegs   []uint32
	activeCells    []uint32
	winnerCells    []uint32
	prevWinners    []uint32
	prevActiveBits sdr.Bitset
	prevWinnerBits sdr.Bitset
	predictedCols  []uint32
	unpredicted    uint32

	stats       Stats
	numSynapses int

	// Scratch space, reused by every step.
	scratch []uint32
	chosen  []uint32 // grow's drawn candidates, room for m
	keys    []uint64
	mark    sdr.Bitset // cells, all clear between calls
	// listSegments' sort keys and its radix sort's second buffer, room for
	// every segment each; posBits is the bits of a position in a cell's
	// segment list, keyBits those of a (cell, position) key, 0 when a key
	// does not fit its 30 bits and the segments are listed by cell marks.
	sortKeys, sortTmp []uint64
	posBits, keyBits  uint
}

// New returns an empty temporal memory (no segments) whose generator is
// seeded with p.Seed.
func New(p Params) (*TemporalMemory, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	n, S, M := p.NumCells(), p.SegmentCapacity, p.MaxSynapsesPerSegment
	t := &TemporalMemory{
		p: p, numCells: n, m: M, mInv: ^uint64(0)/uint64(M) + 1, cpcInv: ^uint64(0)/uint64(p.CellsPerColumn) + 1, g: rng.New(p.Seed),
		segCell:        make([]uint32, S),
		segLastUsed:    make([]uint32, S),
		segSeq:         make([]uint64, S),
		segNumSyn:      make([]uint16, S),
		segPos:         make([]uint16, S),
		segHi:          make([]uint16, S),
		free:           make([]uint32, S),
		cellSegs:       make([][]uint32, n),
		synCell:        make([]uint32, S*M),
		synPerm:        make([]uint16, S*M),
		presyn:         make([][]uint32, n),
		synPos:         make([]uint32, S*M),
		mark:           sdr.NewBitset(n),
		act:            make([]uint32, S),
		touched:        make([]uint32, 0, S+1), // +1: the count loops store before they know
		chosen:         make([]uint32, M),
		keys:           make([]uint64, 0, M),
		prevActiveBits: sdr.NewBitset(n),
		prevWinnerBits: sdr.NewBitset(n),
	}
	if M > 1 && uint64(S)*uint64(M)*uint64(M) <= 1<<32 {
		t.m32 = (1<<32 + uint64(M) - 1) / uint64(M)
	}
	t.posBits = uint(bits.Len32(uint32(p.MaxSegmentsPerCell - 1)))
	if kb := uint(bits.Len32(uint32(n-1))) + t.posBits; kb <= keyBitsMax {
		t.keyBits = kb
		t.sortKeys, t.sortTmp = make([]uint64, 0, S), make([]uint64, S)
	}
	for i := range t.segCell {
		t.segCell[i] = None
		t.free[i] = uint32(S - 1 - i) // segment 0 is allocated first
	}
	for i := range t.synCell {
		t.synCell[i] = None
	}
	return t, nil
}

// Compute runs one step on the active columns (ascending) and, with learn,
// adapts the segments (docs/SPEC.md, "Temporal memory").
func (t *TemporalMemory) Compute(activeColumns []uint32, learn bool) error {
	if err := sdr.Validate(activeColumns, t.p.NumColumns); err != nil {
		return fmt.Errorf("tm: active columns: %w", err)
	}
	t.countUnpredicted(activeColumns)

	// The previous step's cells.
	t.prevActiveBits.Reset()
	t.prevWinnerBits.ClearAll(t.prevWinners)
	t.prevActiveBits.SetAll(t.activeCells)
	t.prevWinners, t.winnerCells = t.winnerCells, t.prevWinners[:0]
	t.prevWinnerBits.SetAll(t.prevWinners)
	t.activeCells = t.activeCells[:0]

	colOf := func(seg uint32) uint32 { return t.columnOf(t.segCell[seg]) }
	ia, is, im := 0, 0, 0
	as, ms := t.activeSegs, t.matchingSegs
	for {
		col := uint32(t.p.NumColumns)
		if ia < len(activeColumns) {
			col = min(col, activeColumns[ia])
		}
		if is < len(as) {
			col = min(col, colOf(as[is]))
		}
		if im < len(ms) {
			col = min(col, colOf(ms[im]))
		}
		if col == uint32(t.p.NumColumns) {
			break
		}
		isActive := ia < len(activeColumns) && activeColumns[ia] == col
		if isActive {
			ia++
		}
		es := is
		for es < len(as) && colOf(as[es]) == col {
			es++
		}
		em := im
		for em < len(ms) && colOf(ms[em]) == col {
			em++
		}
		switch {
		case isActive && es > is:
			t.activatePredictedColumn(as[is:es], learn)
		case isActive:
			t.burstColumn(col, ms[im:em], learn)
		case learn:
			t.punishPredictedColumn(ms[im:em])
		}
		is, im = es, em
	}
	t.activateDendrites(learn)
	return nil
}

// countUnpredicted records the columns predicted by the last dendrite
// activation and how many of the active columns are not among them.
func (t *TemporalMemory) countUnpredicted(activeColumns []uint32) {
	t.predictedCols = t.predictedCols[:0]
	for _, s := range t.activeSegs {
		c := t.columnOf(t.segCell[s])
		if n := len(t.predictedCols); n == 0 || t.predictedCols[n-1] != c {
			t.predictedCols = append(t.predictedCols, c)
		}
	}
	t.unpredicted = uint32(len(activeColumns) - sdr.Overlap(activeColumns, t.predictedCols))
}

func (t *TemporalMemory) activatePredictedColumn(segs []uint32, learn bool) {
	for _, s := range segs {
		cell := t.segCell[s]
		if n := len(t.activeCells); n == 0 || t.activeCells[n-1] != cell {
			t.activeCells = append(t.activeCells, cell)
			t.winnerCells = append(t.winnerCells, cell)
		}
		if !learn {
			continue
		}
		// numPot is read before adapting: it counts last step's activity.
		grow := t.p.MaxNewSynapseCount - int(t.numPot(s))
		if t.adaptSegment(s, t.p.PermanenceIncrement, t.p.PermanenceDecrement) && grow > 0 {
			t.growSynapses(s, grow)
		}
	}
}

func (t *TemporalMemory) burstColumn(col uint32, matching []uint32, learn bool) {
	cpc := uint32(t.p.CellsPerColumn)
	first := col * cpc
	for c := first; c < first+cpc; c++ {
		t.activeCells = append(t.activeCells, c)
	}
	best := None
	for _, s := range matching {
		if best == None || t.numPot(s) > t.numPot(best) {
			best = s
		}
	}
	var winner uint32
	switch {
	case best != None:
		winner = t.segCell[best]
	default:
		winner = t.prevWinnerIn(col)
		if winner == None {
			winner = t.leastUsedCell(col)
		}
	}
	t.winnerCells = append(t.winnerCells, winner)
	if !learn {
		return
	}
	if best != None {
		grow := t.p.MaxNewSynapseCount - int(t.numPot(best))
		if t.adaptSegment(best, t.p.PermanenceIncrement, t.p.PermanenceDecrement) && grow > 0 {
			t.growSynapses(best, grow)
		}
		return
	}
	n := min(t.p.MaxNewSynapseCount, len(t.prevWinners))
	if n == 0 {
		return
	}
	if s := t.createSegment(winner); s != None {
		t.growSynapses(s, n)
	}
}

// prevWinnerIn returns the lowest previous winner cell in column col, or
// None.
func (t *TemporalMemory) prevWinnerIn(col uint32) uint32 {
	cpc := uint32(t.p.CellsPerColumn)
	i, _ := slices.BinarySearch(t.prevWinners, col*cpc)
	if i < len(t.prevWinners) && t.prevWinners[i]/cpc == col {
		return t.prevWinners[i]
	}
	return None
}

// leastUsedCell draws once and returns, among the column's cells with the
// fewest segments, the one at the drawn position in ascending order.
func (t *TemporalMemory) leastUsedCell(col uint32) uint32 {
	cpc := uint32(t.p.CellsPerColumn)
	first := col * cpc
	fewest, ties := len(t.cellSegs[first]), uint32(0)
	for c := first; c < first+cpc; c++ {
		switch n := len(t.cellSegs[c]); {
		case n < fewest:
			fewest, ties = n, 1
		case n == fewest:
			ties++
		}
	}
	r := t.g.Below(ties)
	for c := first; ; c++ {
		if len(t.cellSegs[c]) == fewest {
			if r == 0 {
				return c
			}
			r--
		}
	}
}

func (t *TemporalMemory) punishPredictedColumn(matching []uint32) {
	if t.p.PredictedSegmentDecrement == 0 {
		return
	}
	for _, s := range matching {
		t.punishSegment(s)
	}
}

// adaptSegment reinforces the synapses of segment s from previously active
// cells by inc and weakens the others by dec, saturating; synapses reaching
// zero are destroyed, then the segment if it is left with fewer than
// minThreshold synapses. It reports whether the segment still exists.
func (t *TemporalMemory) adaptSegment(s uint32, inc, dec uint16) bool {
	pmax := uint32(t.p.PermMax())
	conn := uint32(t.p.ConnectedPermanence)
	base := int(s) * t.m
	// A destruction frees its slot (None, skipped from then on) and moves
	// no other, so the slices stay valid through the loop.
	cells := t.synCell[base : base+int(t.segHi[s])]
	perms := t.synPerm[base : base+len(cells)]
	prev := t.prevActiveBits
	for i, c := range cells {
		if c == None {
			continue
		}
		old := uint32(perms[i])
		// Both results, then a selection: whether the presynaptic cell
		// was active is unpredictable, a branch on it mispredicts often.
		up, down := min(old+uint32(inc), pmax), old-min(old, uint32(dec))
		v := down
		if prev[c>>6]>>(c&63)&1 != 0 {
			v = up
		}
		if v == 0 {
			t.destroySynapse(uint32(base + i))
			t.stats.SynapsesPruned++
			continue
		}
		perms[i] = uint16(v)
		if (old >= conn) != (v >= conn) {
			// The presyn entry's flag is set by applyFlips, before the
			// dendrite pass: there the entries' random reads overlap.
			t.flips = append(t.flips, uint32(base+i))
		}
	}
	return t.pruneSegment(s)
}

// punishSegment weakens the synapses of segment s from previously active
// cells by predictedSegmentDecrement, with adaptSegment's pruning.
func (t *TemporalMemory) punishSegment(s uint32) {
	dec := uint32(t.p.PredictedSegmentDecrement)
	base := int(s) * t.m
	for j := base; j < base+int(t.segHi[s]); j++ {
		c := t.synCell[j]
		if c == None || !t.prevActiveBits.Has(c) {
			continue
		}
		v := uint32(t.synPerm[j])
		v -= min(v, dec)
		if v == 0 {
			t.destroySynapse(uint32(j))
			t.stats.SynapsesPruned++
			continue
		}
		t.setPerm(j, uint16(v))
	}
	t.pruneSegment(s)
}

// pruneSegment destroys segment s if it has fewer than minThreshold
// synapses, and reports whether it still exists.
func (t *TemporalMemory) pruneSegment(s uint32) bool {
	if int(t.segNumSyn[s]) >= t.p.MinThreshold {
		return true
	}
	t.destroySegment(s)
	t.stats.SegmentsPruned++
	return false
}

// growSynapses grows up to n synapses on segment s to previous winner cells
// it has none to, drawn by selection sampling; a full segment first loses
// its weakest synapses to cells that are not previous winners.
func (t *TemporalMemory) growSynapses(s uint32, n int) {
	base := int(s) * t.m
	// Candidates: previous winners (ascending) not yet presynaptic to s.
	// The segment's presynaptic cells that are previous winners are
	// marked, and the candidates are the unmarked previous winners, read
	// in place. The marked cells survive destroyWeakestSynapses (it spares
	// previous winners) and are cleared at the end.
	mark, marked := t.mark, t.scratch[:0]
	for _, c := range t.synCell[base : base+int(t.segHi[s])] {
		if c != None && t.prevWinnerBits.Has(c) {
			mark[c>>6] |= 1 << (c & 63)
			marked = append(marked, c)
		}
	}
	t.scratch = marked
	left := len(t.prevWinners) - len(marked) // candidates not yet drawn for
	need := min(n, left)
	if over := int(t.segNumSyn[s]) + need - t.m; over > 0 {
		t.destroyWeakestSynapses(s, over)
	}
	need = min(need, t.m-int(t.segNumSyn[s]))
	var initConn uint32
	if t.p.InitialPermanence >= t.p.ConnectedPermanence {
		initConn = connBit
	}
	chosen, g := drawWinners(t.chosen[:need], t.prevWinners, mark, left, t.g.State())
	t.g.SetState(g)
	slot := base
	for _, c := range chosen {
		for t.synCell[slot] != None {
			slot++
		}
		t.synCell[slot] = c
		t.synPerm[slot] = t.p.InitialPermanence
		t.synPos[slot] = uint32(len(t.presyn[c]))
		t.presyn[c] = append(t.presyn[c], uint32(slot)|initConn)
		t.segNumSyn[s]++
		t.segHi[s] = max(t.segHi[s], uint16(slot-base+1))
		t.numSynapses++
		t.stats.SynapsesCreated++
	}
	for _, c := range marked {
		mark[c>>6] = 0 // every bit of the mark is clear between calls
	}
}

// drawWinners draws, by selection sampling, len(dst) of the left previous
// winners that are not marked: the i-th candidate of k is drawn for with
// Below(k-i) and taken when the draw is below the number still needed,
// until none is. It writes the taken candidates, ascending, into dst and
// returns them with the generator's state x after the draws. The draws are
// rng.Generator's Below on a local state (rng.Step and rng.Scale, the
// generator's own step and mapping; TestDrawWinnersIsGenerator), so that
// the state stays in a register: through the Generator's pointer it went
// to memory and back on every draw.
//
//go:noinline
func drawWinners(dst, winners []uint32, mark sdr.Bitset, left int, x uint32) ([]uint32, uint32) {
	need, k := len(dst), 0
	for _, c := range winners {
		if k == need {
			break
		}
		if mark[c>>6]>>(c&63)&1 != 0 {
			continue
		}
		x = rng.Step(x)
		r := rng.Scale(x, uint32(left))
		left--
		if int(r) < need-k {
			dst[k] = c
			k++
		}
	}
	return dst[:k], x
}

// destroyWeakestSynapses destroys, n times over, the synapse of segment s
// with the smallest permanence (ties: lowest slot) among those whose
// presynaptic cell is not a previous winner.
//
// Destroying a synapse changes no other permanence, so the n rounds destroy
// the first n eligible synapses in (permanence, slot) order: weakest finds
// them in one pass over packed keys.
func (t *TemporalMemory) destroyWeakestSynapses(s uint32, n int) {
	base := int(s) * t.m
	hi := int(t.segHi[s])
	t.keys = weakest(t.synCell[base:base+hi], t.synPerm[base:base+hi], t.prevWinnerBits, n, t.keys)
	for _, k := range t.keys {
		t.destroySynapse(uint32(base + int(uint32(k))))
		t.stats.SynapsesEvicted++
	}
}

// weakest returns, ascending in keys[:0], the n smallest (permanence,
// slot) keys, permanence<<32 | slot, of the used slots of cells and perms
// whose cell is not in winners (all of them when there are fewer): the
// first n of their sorted keys, kept by insertion as the slots are read.
func weakest(cells []uint32, perms []uint16, winners sdr.Bitset, n int, keys []uint64) []uint64 {
	perms = perms[:len(cells)]
	keys = keys[:0]
	if n <= 0 {
		return keys
	}
	for i, c := range cells {
		if c == None || winners[c>>6]>>(c&63)&1 != 0 {
			continue
		}
		k := uint64(perms[i])<<32 | uint64(i)
		if len(keys) == n {
			if k > keys[n-1] {
				continue
			}
			keys = keys[:n-1]
		}
		j := len(keys)
		keys = append(keys, k)
		for ; j > 0 && keys[j-1] > k; j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
	return keys
}

// createSegment allocates a segment on cell, evicting the cell's least
// recently used segment when the cell is full and the pool's least recently
// used idle segment when the pool is full. It returns None when the pool is
// full and every segment is active or matching.
func (t *TemporalMemory) createSegment(cell uint32) uint32 {
	for len(t.cellSegs[cell]) >= t.p.MaxSegmentsPerCell {
		segs := t.cellSegs[cell]
		lru := segs[0]
		for _, s := range segs[1:] {
			if t.age(s) > t.age(lru) {
				lru = s
			}
		}
		t.destroySegment(lru)
		t.stats.SegmentsEvictedCell++
	}
	if len(t.free) == 0 {
		victim := None
		for s := range t.segCell {
			if int(t.numPot(uint32(s))) >= t.p.MinThreshold || int(t.numConn(uint32(s))) >= t.p.ActivationThreshold {
				continue // in use by this step
			}
			if victim == None || t.age(uint32(s)) > t.age(victim) {
				victim = uint32(s)
			}
		}
		if victim == None {
			t.stats.SegmentsNotCreated++
			return None
		}
		t.destroySegment(victim)
		t.stats.SegmentsEvictedPool++
	}
	s := t.free[len(t.free)-1]
	t.free = t.free[:len(t.free)-1]
	t.segCell[s] = cell
	t.segLastUsed[s] = t.iteration
	t.segSeq[s] = t.seq
	t.seq++
	t.segNumSyn[s] = 0
	t.act[s] = 0
	t.segPos[s] = uint16(len(t.cellSegs[cell]))
	t.cellSegs[cell] = append(t.cellSegs[cell], s)
	t.stats.SegmentsCreated++
	return s
}

// age returns how many learning steps ago segment s was last used, modulo
// 2^32 (docs/SPEC.md 6.10): the least recently used segment is the oldest.
func (t *TemporalMemory) age(s uint32) uint32 { return t.iteration - t.segLastUsed[s] }

func (t *TemporalMemory) destroySegment(s uint32) {
	base := int(s) * t.m
	for j := base; j < base+int(t.segHi[s]); j++ {
		if t.synCell[j] != None {
			t.destroySynapse(uint32(j))
		}
	}
	cell := t.segCell[s]
	segs := t.cellSegs[cell]
	i := int(t.segPos[s])
	segs = slices.Delete(segs, i, i+1)
	for k := i; k < len(segs); k++ {
		t.segPos[segs[k]] = uint16(k)
	}
	t.cellSegs[cell] = segs
	t.segPos[s] = 0
	t.segCell[s] = None
	t.segLastUsed[s], t.segSeq[s] = 0, 0
	t.free = append(t.free, s)
}

// applyFlips sets the connected flag of the presyn entry of every slot in
// flips to whether the slot's permanence is at least connectedPermanence,
// and empties flips. A slot freed since it was listed is skipped; one used
// again, or listed twice, gets the flag of its permanence now, which is
// what every other change (setPerm, growSynapses) keeps.
func (t *TemporalMemory) applyFlips() {
	conn := t.p.ConnectedPermanence
	for _, j := range t.flips {
		c := t.synCell[j]
		if c == None {
			continue
		}
		e := &t.presyn[c][t.synPos[j]]
		*e &^= connBit
		if t.synPerm[j] >= conn {
			*e |= connBit
		}
	}
	t.flips = t.flips[:0]
}

// connBit is the connected flag of a presyn entry, slotMask its slot.
const (
	connBit  = 1 << 31
	slotMask = connBit - 1
)

// setPerm sets the permanence of used slot j to v, non-zero, and keeps the
// connected flag of its presyn entry in step.
func (t *TemporalMemory) setPerm(j int, v uint16) {
	conn := t.p.ConnectedPermanence
	if (t.synPerm[j] >= conn) != (v >= conn) {
		t.presyn[t.synCell[j]][t.synPos[j]] ^= connBit
	}
	t.synPerm[j] = v
}

func (t *TemporalMemory) destroySynapse(j uint32) {
	c := t.synCell[j]
	list := t.presyn[c]
	i := t.synPos[j]
	last := list[len(list)-1]
	list[i] = last
	t.synPos[last&slotMask] = i
	t.presyn[c] = list[:len(list)-1]
	t.synPos[j] = 0
	t.synCell[j] = None
	t.synPerm[j] = 0
	s := j / uint32(t.m)
	t.segNumSyn[s]--
	base := s * uint32(t.m)
	if j == base+uint32(t.segHi[s])-1 {
		for j > base && t.synCell[j-1] == None {
			j--
		}
		t.segHi[s] = uint16(j - base)
	}
	t.numSynapses--
}

// activateDendrites counts, for every segment, its synapses from active
// cells (numPot) and the connected ones among them (numConn), and lists the
// active and matching segments ordered by (cell, creation).
func (t *TemporalMemory) activateDendrites(learn bool) {
	t.applyFlips()
	act := t.act
	for _, s := range t.touched {
		act[s] = 0
	}
	// touched has room for every segment (each is listed once) and one
	// more (the loops store a segment, then count it if it is new), so
	// the loops below store by index and call nothing: their values stay
	// in registers.
	touched := t.touched[:cap(t.touched)]
	var n int
	switch {
	case t.mInv == 0:
		n = countSlots(t.presyn, t.activeCells, act, touched)
	case t.m32 != 0:
		n, t.sink = countSegments32(t.presyn, t.activeCells, act, touched, t.m32)
	default:
		n = countSegments(t.presyn, t.activeCells, act, touched, t.mInv)
	}
	t.touched = touched[:n]
	t.listSegments()
	if learn {
		for _, s := range t.activeSegs {
			t.segLastUsed[s] = t.iteration
		}
		t.iteration++
	}
}

// countSegments adds the presyn entries of the active cells to their
// segments' counts (segment j / m, by segmentOf's multiply-high), listing
// each segment in touched when its count leaves zero, and returns how many
// it listed. Not inlined: alone, its loops keep every value in a
// register.
//
//go:noinline
func countSegments(presyn [][]uint32, cells, act, touched []uint32, mInv uint64) int {
	n := 0
	for _, c := range cells {
		for _, e := range presyn[c] {
			hi, _ := bits.Mul64(uint64(e&slotMask), mInv)
			s := uint32(hi)
			a := act[s]
			// Listed when its count leaves zero, without a branch: which
			// entry meets a new segment is unpredictable.
			touched[n] = s
			n += int((a - 1) >> 31)
			// +1 potential; +1<<16 connected when the entry's bit 31 is set.
			act[s] = a + 1 + e>>31<<16
		}
	}
	return n
}

// countSegments32 is countSegments for pools small enough that j/m is
// (j × m32) >> 32 with m32 = ceil(2^32/m) for every slot j (segments ×
// m × m ≤ 2^32, so that j × (m32·m − 2^32) < 2^32; TestSegmentOf32):
// a 64-bit product, where segmentOf's high word of a 128-bit product ties
// the multiplication to two fixed registers. Each active cell's list is
// counted by countList32: with the cells' loop around it, the compiler
// kept the entry loop's values on the stack, reloading five of them per
// entry.
func countSegments32(presyn [][]uint32, cells, act, touched []uint32, m32 uint64) (n int, sink uint32) {
	for i, c := range cells {
		list := presyn[c]
		if len(list) > shortList {
			// Every 16th entry of the next cell's list (one per 64-byte
			// line) and its header, read now so that their misses
			// overlap this list's count: the lists are scattered, and
			// a list's loop holds more instructions than the core looks
			// ahead. The sum is returned so that the reads are kept.
			if i+1 < len(cells) {
				next := presyn[cells[i+1]]
				for k := 0; k < len(next); k += 16 {
					sink += next[k]
				}
			}
			n = countList32(list, act, touched, n, m32)
			continue
		}
		// Short lists (hello's are mostly empty) here, where a call
		// would cost more than the entries.
		for _, e := range list {
			s := uint32(uint64(e&slotMask) * m32 >> 32)
			a := act[s]
			touched[n] = s
			n += int((a - 1) >> 31)
			act[s] = a + 1 + e>>31<<16
		}
	}
	return n, sink
}

// shortList is the longest presyn list countSegments32 counts in place.
const shortList = 8

// countList32 adds the presyn entries of one cell to their segments'
// counts as countSegments does, listing new segments in touched from n
// on, and returns the new n.
//
//go:noinline
func countList32(list, act, touched []uint32, n int, m32 uint64) int {
	for _, e := range list {
		s := uint32(uint64(e&slotMask) * m32 >> 32)
		a := act[s]
		touched[n] = s
		n += int((a - 1) >> 31)
		act[s] = a + 1 + e>>31<<16
	}
	return n
}

// countSlots is countSegments for one slot per segment (m = 1).
//
//go:noinline
func countSlots(presyn [][]uint32, cells, act, touched []uint32) int {
	n := 0
	for _, c := range cells {
		for _, e := range presyn[c] {
			s := e & slotMask
			a := act[s]
			touched[n] = s
			n += int((a - 1) >> 31)
			act[s] = a + 1 + e>>31<<16
		}
	}
	return n
}

// listSegments lists the active and matching segments ordered by (cell,
// creation number) without a comparison sort: the touched segments that are
// active or matching get a key, their owner cell and their position in the
// cell's segment list (which is in creation order), and the keys are sorted
// by a radix sort of a few byte-wide passes. Segments that were not touched
// have zero counts and are neither active nor matching. When a key does not
// fit (keyBits 0), listSegmentsByCell lists them.
func (t *TemporalMemory) listSegments() {
	if t.keyBits == 0 {
		t.listSegmentsByCell()
		return
	}
	at, mt := uint32(t.p.ActivationThreshold), uint32(t.p.MinThreshold)
	act, segCell, segPos, posBits := t.act, t.segCell, t.segPos, t.posBits
	keys := t.sortKeys[:0] // room for every segment: touched lists each once
	for _, s := range t.touched {
		a := act[s]
		isActive, isMatching := a>>16 >= at, a&0xFFFF >= mt
		if !isActive && !isMatching {
			continue
		}
		k := (uint64(segCell[s])<<posBits|uint64(segPos[s]))<<keyShift | uint64(s)
		if isActive {
			k |= activeFlag
		}
		if isMatching {
			k |= matchingFlag
		}
		keys = append(keys, k)
	}
	keys = radixSort(keys, t.sortTmp[:len(keys)], keyShift, t.keyBits)
	active, matching := t.activeSegs[:0], t.matchingSegs[:0]
	for _, k := range keys {
		if k&activeFlag != 0 {
			active = append(active, uint32(k))
		}
		if k&matchingFlag != 0 {
			matching = append(matching, uint32(k))
		}
	}
	t.activeSegs, t.matchingSegs = active, matching
}

// A listSegments key: the (cell, position) key from bit keyShift up, the
// active and matching flags, the segment in the low 32 bits.
const (
	keyShift     = 34
	keyBitsMax   = 64 - keyShift
	insertionMax = 32
	activeFlag   = 1 << 33
	matchingFlag = 1 << 32
)

// radixSort sorts a by its bits [shift, shift+width), the bits above them
// zero, in stable passes of one byte each, using tmp (as long as a) as the
// second buffer, and returns the sorted slice: a or tmp. Up to
// insertionMax keys are sorted by insertion instead, in place: fewer
// operations than the passes' counts (hello's steps list a few segments).
func radixSort(a, tmp []uint64, shift, width uint) []uint64 {
	if len(a) <= insertionMax {
		for i := 1; i < len(a); i++ {
			k, j := a[i], i
			for ; j > 0 && a[j-1]>>shift > k>>shift; j-- {
				a[j] = a[j-1]
			}
			a[j] = k
		}
		return a
	}
	passes := int(width+7) / 8
	var count [(keyBitsMax + 7) / 8][256]uint32
	for _, k := range a {
		k >>= shift
		for p := 0; p < passes; p++ {
			count[p][byte(k>>(8*p))]++
		}
	}
	n := uint32(len(a))
	for p := 0; p < passes; p++ {
		sh := shift + uint(8*p)
		c := &count[p]
		if c[byte(a[0]>>sh)] == n {
			continue // one digit value: the pass moves nothing
		}
		var sum uint32
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		for _, k := range a {
			d := byte(k >> sh)
			tmp[c[d]] = k
			c[d]++
		}
		a, tmp = tmp, a
	}
	return a
}

// listSegmentsByCell is listSegments by marks: the owner cells of the
// touched segments that are active or matching are marked in a bitset, and
// the marked cells are visited in ascending order, each cell's segments in
// its cellSegs order, which is creation order.
func (t *TemporalMemory) listSegmentsByCell() {
	at, mt := uint32(t.p.ActivationThreshold), uint32(t.p.MinThreshold)
	active, matching := t.activeSegs[:0], t.matchingSegs[:0]
	act, mark, segCell := t.act, t.mark, t.segCell
	// Only cells' words that were marked are visited and cleared.
	lo, hi := len(mark), 0
	for _, s := range t.touched {
		if a := act[s]; a>>16 >= at || a&0xFFFF >= mt {
			c := segCell[s]
			mark[c>>6] |= 1 << (c & 63)
			lo, hi = min(lo, int(c>>6)), max(hi, int(c>>6)+1)
		}
	}
	for w := lo; w < hi; w++ {
		word := mark[w]
		if word == 0 {
			continue
		}
		mark[w] = 0
		for ; word != 0; word &= word - 1 {
			cell := uint32(w)<<6 | uint32(bits.TrailingZeros64(word))
			for _, s := range t.cellSegs[cell] {
				a := act[s]
				if a>>16 >= at {
					active = append(active, s)
				}
				if a&0xFFFF >= mt {
					matching = append(matching, s)
				}
			}
		}
	}
	t.activeSegs, t.matchingSegs = active, matching
}

// numPot returns segment s's potential active synapses of the last
// dendrite activation.
func (t *TemporalMemory) numPot(s uint32) uint16 { return uint16(t.act[s]) }

// numConn returns segment s's connected active synapses of the last
// dendrite activation.
func (t *TemporalMemory) numConn(s uint32) uint16 { return uint16(t.act[s] >> 16) }

// columnOf returns the column of cell c, c / cellsPerColumn, by
// segmentOf's multiply-high: the column loop of Compute asks it of every
// active and matching segment's cell, where a division costs tens of
// cycles.
func (t *TemporalMemory) columnOf(c uint32) uint32 {
	if t.cpcInv == 0 {
		return c // one cell per column
	}
	hi, _ := bits.Mul64(uint64(c), t.cpcInv)
	return uint32(hi)
}

// segmentOf returns the segment of synapse slot j, j / m, by a
// multiplication: for 32-bit j and m, j/m is the high word of
// j × (2^64/m rounded up) (Lemire, Kaser and Kurz, "Faster remainder by
// direct computation", 2019).
func (t *TemporalMemory) segmentOf(j uint32) uint32 {
	if t.mInv == 0 {
		return j // m = 1
	}
	hi, _ := bits.Mul64(uint64(j), t.mInv)
	return uint32(hi)
}
