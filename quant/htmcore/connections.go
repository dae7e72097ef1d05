package htmcore

import (
	"math"
	"slices"
)

// Permanence bounds and the tolerance of htm.core's Connections.hpp.
const (
	MinPermanence float32 = 0
	MaxPermanence float32 = 1
	// Epsilon is htm::Epsilon, static_cast<Permanence>(1e-6).
	Epsilon float32 = 1e-6
)

// SynapseData is one synapse, as htm.core's SynapseData.
type SynapseData struct {
	PresynapticCell uint32
	Permanence      float32
	Segment         uint32
	mapIndex        uint32 // index in its presynaptic cell's list
}

// SegmentData is one segment, as htm.core's SegmentData.
type SegmentData struct {
	Synapses     []uint32 // synapse ids, in htm.core's order
	Cell         uint32
	NumConnected uint16
}

// Connections is htm.core's Connections (src/htm/algorithms/Connections.cpp)
// without the time-series option (neither the SpatialPooler nor the
// TemporalMemory uses it): cells own segments, segments own synapses,
// both kept in flat lists whose ids are recycled, last destroyed first,
// exactly as htm.core recycles them; and, per presynaptic cell, the lists
// of its connected and its potential (not connected) synapses and their
// segments, for computeActivity.
type Connections struct {
	cells              [][]uint32 // segments of each cell, in creation order
	segments           []SegmentData
	destroyedSegments  []uint32
	synapses           []SynapseData
	destroyedSynapses  []uint32
	connectedThreshold float32 // connectedPermanence − Epsilon

	// Statistics: htm.core's prunedSyns_ and prunedSegs_ (synapses and
	// segments destroyed by AdaptSegment), and segments evicted by
	// CreateSegment and synapses destroyed by GrowSynapses to make room.
	prunedSyns, prunedSegs       int
	evictedSegs, evictedSynapses int

	// Indexed by presynaptic cell (grown on demand).
	potentialSynapses, potentialSegments [][]uint32
	connectedSynapses, connectedSegments [][]uint32
}

// NewConnections returns htm.core's Connections(numCells, connectedThreshold).
func NewConnections(numCells uint32, connectedThreshold float32) *Connections {
	return &Connections{
		cells:              make([][]uint32, numCells),
		connectedThreshold: connectedThreshold - Epsilon,
	}
}

// NumCells returns the number of cells.
func (c *Connections) NumCells() int { return len(c.cells) }

// NumSegments returns the number of live segments.
func (c *Connections) NumSegments() int { return len(c.segments) - len(c.destroyedSegments) }

// NumSegmentsOnCell returns the number of segments of cell.
func (c *Connections) NumSegmentsOnCell(cell uint32) int { return len(c.cells[cell]) }

// NumSynapses returns the number of live synapses.
func (c *Connections) NumSynapses() int { return len(c.synapses) - len(c.destroyedSynapses) }

// NumSynapsesOnSegment returns the number of synapses of segment.
func (c *Connections) NumSynapsesOnSegment(segment uint32) int {
	return len(c.segments[segment].Synapses)
}

// SegmentFlatListLength returns the length of the flat segment list
// (destroyed segments included).
func (c *Connections) SegmentFlatListLength() int { return len(c.segments) }

// SegmentsForCell returns the segments of cell (not a copy).
func (c *Connections) SegmentsForCell(cell uint32) []uint32 { return c.cells[cell] }

// SynapsesForSegment returns the synapses of segment (not a copy).
func (c *Connections) SynapsesForSegment(segment uint32) []uint32 {
	return c.segments[segment].Synapses
}

// CellForSegment returns the cell of segment.
func (c *Connections) CellForSegment(segment uint32) uint32 { return c.segments[segment].Cell }

// DataForSegment returns segment's data (not a copy).
func (c *Connections) DataForSegment(segment uint32) *SegmentData { return &c.segments[segment] }

// DataForSynapse returns synapse's data.
func (c *Connections) DataForSynapse(synapse uint32) SynapseData { return c.synapses[synapse] }

// Stats counts what learning destroyed so far: synapses and segments
// pruned by AdaptSegment (htm.core's prunedSyns_ and prunedSegs_), segments
// evicted by CreateSegment at maxSegmentsPerCell, and synapses destroyed by
// DestroyMinPermanenceSynapses (GrowSynapses at maxSynapsesPerSegment).
type Stats struct {
	PrunedSynapses, PrunedSegments   int
	EvictedSegments, EvictedSynapses int
}

// Stats returns the counts of destroyed synapses and segments.
func (c *Connections) Stats() Stats {
	return Stats{c.prunedSyns, c.prunedSegs, c.evictedSegs, c.evictedSynapses}
}

// CompareSegments orders segments by cell, then by id (htm.core's
// compareSegments).
func (c *Connections) CompareSegments(a, b uint32) bool {
	ca, cb := c.segments[a].Cell, c.segments[b].Cell
	if ca == cb {
		return a < b
	}
	return ca < cb
}

func (c *Connections) growPresyn(cell uint32) {
	if int(cell) < len(c.potentialSynapses) {
		return
	}
	n := max(int(cell)+1, 2*len(c.potentialSynapses))
	grow := func(s [][]uint32) [][]uint32 { return append(s, make([][]uint32, n-len(s))...) }
	c.potentialSynapses = grow(c.potentialSynapses)
	c.potentialSegments = grow(c.potentialSegments)
	c.connectedSynapses = grow(c.connectedSynapses)
	c.connectedSegments = grow(c.connectedSegments)
}

// pruneSegment destroys the segment of cell with the smallest sum of
// squared permanences (accumulated in float32, in the cell's synapse
// order), the lowest id on a tie (htm.core's pruneSegment_).
func (c *Connections) pruneSegment(cell uint32) {
	least := uint32(math.MaxUint32)
	leastHeuristic := math.MaxFloat64
	for _, seg := range c.cells[cell] {
		var h float32
		for _, syn := range c.segments[seg].Synapses {
			p := c.synapses[syn].Permanence
			h += float32(p * p)
		}
		if float64(h) < leastHeuristic || (float64(h) == leastHeuristic && seg < least) {
			least = seg
			leastHeuristic = float64(h)
		}
	}
	c.evictedSegs++
	c.DestroySegment(least)
}

// CreateSegment adds a segment to cell, first destroying the least useful
// segments of the cell (pruneSegment) while it has maxSegmentsPerCell or
// more, and returns its id: the last destroyed id when there is one, else
// a new one.
func (c *Connections) CreateSegment(cell uint32, maxSegmentsPerCell uint16) uint32 {
	if maxSegmentsPerCell == 0 {
		panic("htmcore: createSegment: maxSegmentsPerCell must be positive")
	}
	for len(c.cells[cell]) >= int(maxSegmentsPerCell) {
		c.pruneSegment(cell)
	}
	var seg uint32
	if n := len(c.destroyedSegments); n > 0 {
		seg = c.destroyedSegments[n-1]
		c.destroyedSegments = c.destroyedSegments[:n-1]
		c.segments[seg] = SegmentData{Cell: cell, Synapses: c.segments[seg].Synapses[:0]}
	} else {
		seg = uint32(len(c.segments))
		c.segments = append(c.segments, SegmentData{Cell: cell})
	}
	c.cells[cell] = append(c.cells[cell], seg)
	return seg
}

// CreateSynapse connects segment to presynapticCell with permanence and
// returns the synapse. When the segment already has a synapse from that
// cell, that synapse is returned instead, its permanence raised to
// permanence if lower (htm.core v2.2.0's rule).
func (c *Connections) CreateSynapse(segment, presynapticCell uint32, permanence float32) uint32 {
	for _, syn := range c.segments[segment].Synapses {
		if c.synapses[syn].PresynapticCell == presynapticCell {
			if permanence > c.synapses[syn].Permanence {
				c.UpdateSynapsePermanence(syn, permanence)
			}
			return syn
		}
	}
	var syn uint32
	if n := len(c.destroyedSynapses); n > 0 {
		syn = c.destroyedSynapses[n-1]
		c.destroyedSynapses = c.destroyedSynapses[:n-1]
	} else {
		syn = uint32(len(c.synapses))
		c.synapses = append(c.synapses, SynapseData{})
	}
	c.growPresyn(presynapticCell)
	c.synapses[syn] = SynapseData{
		PresynapticCell: presynapticCell,
		Segment:         segment,
		Permanence:      c.connectedThreshold - 1, // disconnected
		mapIndex:        uint32(len(c.potentialSynapses[presynapticCell])),
	}
	c.potentialSynapses[presynapticCell] = append(c.potentialSynapses[presynapticCell], syn)
	c.potentialSegments[presynapticCell] = append(c.potentialSegments[presynapticCell], segment)
	c.segments[segment].Synapses = append(c.segments[segment].Synapses, syn)
	c.UpdateSynapsePermanence(syn, permanence)
	return syn
}

// removeFromPresynapticMap removes entry index of a presynaptic cell's
// lists by moving the last entry over it.
func (c *Connections) removeFromPresynapticMap(index uint32, syns, segs *[]uint32) {
	s, g := *syns, *segs
	last := len(s) - 1
	move := s[last]
	c.synapses[move].mapIndex = index
	s[index] = move
	g[index] = g[last]
	*syns, *segs = s[:last], g[:last]
}

// DestroySegment destroys segment's synapses (last first), removes it from
// its cell and puts its id on the free list.
func (c *Connections) DestroySegment(segment uint32) {
	sd := &c.segments[segment]
	for len(sd.Synapses) > 0 {
		c.DestroySynapse(sd.Synapses[len(sd.Synapses)-1])
	}
	cell := sd.Cell
	i := slices.Index(c.cells[cell], segment)
	if i < 0 {
		panic("htmcore: destroySegment: segment not found on its cell")
	}
	c.cells[cell] = slices.Delete(c.cells[cell], i, i+1)
	c.destroyedSegments = append(c.destroyedSegments, segment)
}

// DestroySynapse destroys synapse: it leaves its presynaptic cell's list
// and its segment's list (the segment's last synapse takes its place) and
// its id goes on the free list. Like htm.core's release build, it does not
// check that the synapse is alive.
func (c *Connections) DestroySynapse(synapse uint32) {
	if int(synapse) >= len(c.synapses) {
		return
	}
	sd := c.synapses[synapse]
	seg := &c.segments[sd.Segment]
	pre := sd.PresynapticCell
	if sd.Permanence >= c.connectedThreshold {
		seg.NumConnected--
		c.removeFromPresynapticMap(sd.mapIndex, &c.connectedSynapses[pre], &c.connectedSegments[pre])
	} else {
		c.removeFromPresynapticMap(sd.mapIndex, &c.potentialSynapses[pre], &c.potentialSegments[pre])
	}
	for i, s := range seg.Synapses {
		if s == synapse {
			last := len(seg.Synapses) - 1
			seg.Synapses[i] = seg.Synapses[last]
			seg.Synapses = seg.Synapses[:last]
			break
		}
	}
	c.destroyedSynapses = append(c.destroyedSynapses, synapse)
}

// UpdateSynapsePermanence sets synapse's permanence, clipped to [0, 1],
// moving it between its presynaptic cell's connected and potential lists
// when it crosses the connected threshold.
func (c *Connections) UpdateSynapsePermanence(synapse uint32, permanence float32) {
	if MaxPermanence < permanence { // std::min(permanence, maxPermanence)
		permanence = MaxPermanence
	}
	if permanence < MinPermanence { // std::max(permanence, minPermanence)
		permanence = MinPermanence
	}
	sd := &c.synapses[synapse]
	before := sd.Permanence >= c.connectedThreshold
	after := permanence >= c.connectedThreshold
	sd.Permanence = permanence
	if before == after {
		return
	}
	pre := sd.PresynapticCell
	seg := sd.Segment
	if after {
		c.segments[seg].NumConnected++
		c.removeFromPresynapticMap(sd.mapIndex, &c.potentialSynapses[pre], &c.potentialSegments[pre])
		sd.mapIndex = uint32(len(c.connectedSynapses[pre]))
		c.connectedSynapses[pre] = append(c.connectedSynapses[pre], synapse)
		c.connectedSegments[pre] = append(c.connectedSegments[pre], seg)
	} else {
		c.segments[seg].NumConnected--
		c.removeFromPresynapticMap(sd.mapIndex, &c.connectedSynapses[pre], &c.connectedSegments[pre])
		sd.mapIndex = uint32(len(c.potentialSynapses[pre]))
		c.potentialSynapses[pre] = append(c.potentialSynapses[pre], synapse)
		c.potentialSegments[pre] = append(c.potentialSegments[pre], seg)
	}
}

// ComputeActivity returns, for every segment of the flat list, the number
// of its connected synapses from the active cells, in dst (reused when it
// has the capacity). Counts are uint16 (htm.core's SynapseIdx) and wrap as
// they do there.
func (c *Connections) ComputeActivity(active []uint32, dst []uint16) []uint16 {
	dst = resize(dst, len(c.segments))
	for _, cell := range active {
		if int(cell) < len(c.connectedSegments) {
			for _, seg := range c.connectedSegments[cell] {
				dst[seg]++
			}
		}
	}
	return dst
}

// ComputeActivityPotential returns the connected counts as ComputeActivity
// does, and the counts of all synapses (connected or not) from the active
// cells in potential.
func (c *Connections) ComputeActivityPotential(active []uint32, connected, potential []uint16) ([]uint16, []uint16) {
	connected = c.ComputeActivity(active, connected)
	potential = resize(potential, len(c.segments))
	copy(potential, connected)
	for _, cell := range active {
		if int(cell) < len(c.potentialSegments) {
			for _, seg := range c.potentialSegments[cell] {
				potential[seg]++
			}
		}
	}
	return connected, potential
}

func resize(s []uint16, n int) []uint16 {
	if cap(s) < n {
		return make([]uint16, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// AdaptSegment adds increment to the permanence of segment's synapses from
// active inputs (input[presynapticCell]) and subtracts decrement from the
// others. With pruneZeroSynapses, synapses whose permanence would fall
// below Epsilon are destroyed instead (after the loop, in synapse order),
// and then the segment itself when it has fewer than segmentThreshold
// synapses left.
func (c *Connections) AdaptSegment(segment uint32, input []bool, increment, decrement float32, pruneZeroSynapses bool, segmentThreshold uint32) {
	var destroyLater []uint32
	for _, syn := range c.segments[segment].Synapses {
		sd := &c.synapses[syn]
		update := -decrement
		if input[sd.PresynapticCell] {
			update = increment
		}
		if pruneZeroSynapses && sd.Permanence+update < MinPermanence+Epsilon {
			destroyLater = append(destroyLater, syn)
			c.prunedSyns++
			continue
		}
		c.UpdateSynapsePermanence(syn, sd.Permanence+update)
	}
	for _, syn := range destroyLater {
		c.DestroySynapse(syn)
	}
	if pruneZeroSynapses && len(c.segments[segment].Synapses) < int(segmentThreshold) {
		c.DestroySegment(segment)
		c.prunedSegs++
	}
}

// RaisePermanencesToThreshold raises all permanences of segment by the
// same amount so that at least segmentThreshold of them (or all, when it
// has fewer) are connected.
func (c *Connections) RaisePermanencesToThreshold(segment uint32, segmentThreshold uint32) {
	if segmentThreshold == 0 {
		return
	}
	sd := &c.segments[segment]
	if uint32(sd.NumConnected) >= segmentThreshold || len(sd.Synapses) == 0 {
		return
	}
	threshold := min(int(segmentThreshold), len(sd.Synapses))
	// htm.core finds the threshold-th greatest permanence with nth_element,
	// which reorders the segment's synapse list; no result of the
	// SpatialPooler (the only caller) depends on that order, so the list is
	// left as it is here.
	perms := make([]float32, len(sd.Synapses))
	for i, syn := range sd.Synapses {
		perms[i] = c.synapses[syn].Permanence
	}
	slices.SortFunc(perms, func(a, b float32) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	increment := c.connectedThreshold - perms[threshold-1]
	if increment <= 0 {
		return
	}
	c.BumpSegment(segment, increment)
}

// BumpSegment adds delta to every permanence of segment.
func (c *Connections) BumpSegment(segment uint32, delta float32) {
	for _, syn := range c.segments[segment].Synapses {
		c.UpdateSynapsePermanence(syn, c.synapses[syn].Permanence+delta)
	}
}

// DestroyMinPermanenceSynapses destroys up to nDestroy synapses of
// segment, lowest permanence first (lower id on a tie), sparing those from
// excludeCells (which must be sorted).
func (c *Connections) DestroyMinPermanenceSynapses(segment uint32, nDestroy int, excludeCells []uint32) {
	var candidates []uint32
	for _, syn := range c.segments[segment].Synapses {
		if _, found := slices.BinarySearch(excludeCells, c.synapses[syn].PresynapticCell); !found {
			candidates = append(candidates, syn)
		}
	}
	slices.SortFunc(candidates, func(a, b uint32) int {
		pa, pb := c.synapses[a].Permanence, c.synapses[b].Permanence
		if pa == pb {
			return cmpUint32(a, b)
		}
		if pa < pb {
			return -1
		}
		return 1
	})
	for i := 0; i < min(nDestroy, len(candidates)); i++ {
		c.DestroySynapse(candidates[i])
		c.evictedSynapses++
	}
}

func cmpUint32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// GrowSynapses is htm.core v2.2.0's Connections::growSynapses: it grows up
// to maxNew synapses (all candidates when maxNew is 0) from the candidate
// cells (sorted) onto segment with initialPermanence. When the segment
// would exceed maxSynapsesPerSegment (when positive), its weakest synapses
// not from candidates are destroyed first; the candidates are shuffled
// (with rng) only when there are more than maxNew; candidates already on
// the segment do not count as grown but have their permanence raised to
// initialPermanence if lower.
func (c *Connections) GrowSynapses(segment uint32, candidates []uint32, initialPermanence float32, rng *Random, maxNew, maxSynapsesPerSegment int) {
	cand := append([]uint32(nil), candidates...)
	nActual := min(maxNew, len(cand))
	if maxNew == 0 {
		nActual = len(cand)
	}
	if maxSynapsesPerSegment > 0 {
		overrun := int32(uint64(c.NumSynapsesOnSegment(segment)+nActual) - uint64(maxSynapsesPerSegment))
		if overrun > 0 {
			c.DestroyMinPermanenceSynapses(segment, int(overrun), cand)
		}
		// size_t arithmetic in htm.core: no limit when already over.
		if room := maxSynapsesPerSegment - c.NumSynapsesOnSegment(segment); room >= 0 {
			nActual = min(nActual, room)
		}
	}
	if nActual == 0 {
		return
	}
	if maxNew > 0 && maxNew < len(cand) {
		Shuffle(rng, cand)
	}
	nDesired := c.NumSynapsesOnSegment(segment) + nActual
	for _, cell := range cand {
		if c.NumSynapsesOnSegment(segment) == nDesired {
			break
		}
		c.CreateSynapse(segment, cell, initialPermanence)
	}
}
