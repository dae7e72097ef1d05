package htmcore

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// SPParams holds the arguments of htm.core's SpatialPooler constructor,
// under their htm.core names and with their htm.core types (Real is
// float32, UInt is uint32, Int is int32), plus UpdatePeriod, which htm.core
// fixes at 50 in its constructor (setUpdatePeriod changes it).
type SPParams struct {
	InputDimensions            []uint32
	ColumnDimensions           []uint32
	PotentialRadius            uint32
	PotentialPct               float32
	GlobalInhibition           bool
	LocalAreaDensity           float32
	NumActiveColumnsPerInhArea uint32
	StimulusThreshold          uint32
	SynPermInactiveDec         float32
	SynPermActiveInc           float32
	SynPermConnected           float32
	MinPctOverlapDutyCycles    float32
	DutyCyclePeriod            uint32
	BoostStrength              float32
	// Seed seeds the generator; htm.core takes seed 0 to mean a random
	// seed, which this package refuses.
	Seed        int32
	SpVerbosity uint32
	WrapAround  bool
	// UpdatePeriod is the period, in calls of Compute, of the minimum duty
	// cycles' update; 0 means htm.core's 50.
	UpdatePeriod uint32
}

// DefaultSPParams returns htm.core's defaults for the given dimensions.
func DefaultSPParams(inputDimensions, columnDimensions []uint32) SPParams {
	return SPParams{
		InputDimensions:         inputDimensions,
		ColumnDimensions:        columnDimensions,
		PotentialRadius:         16,
		PotentialPct:            0.5,
		GlobalInhibition:        true,
		LocalAreaDensity:        0.05,
		StimulusThreshold:       0,
		SynPermInactiveDec:      0.008,
		SynPermActiveInc:        0.05,
		SynPermConnected:        0.1,
		MinPctOverlapDutyCycles: 0.001,
		DutyCyclePeriod:         1000,
		BoostStrength:           0,
		Seed:                    1,
		WrapAround:              true,
		UpdatePeriod:            50,
	}
}

// maxLocalAreaDensity is htm.core's MAX_LOCALAREADENSITY.
const maxLocalAreaDensity float32 = 0.5

// initConnectedPct is htm.core's initConnectedPct_, fixed at 0.5.
const initConnectedPct float32 = 0.5

// SpatialPooler is htm.core's SpatialPooler (src/htm/algorithms/
// SpatialPooler.cpp): one segment per column in a Connections, whose
// synapses come from the column's potential pool. Global inhibition is
// checked against htm.core's traces; local inhibition follows its source
// but has no reference trace.
type SpatialPooler struct {
	p                       SPParams
	numInputs, numColumns   uint32
	potentialRadius         uint32
	inhibitionRadius        uint32
	synPermBelowStimulusInc float32
	iterationNum            uint32
	iterationLearnNum       uint32

	overlapDutyCycles    []float32
	activeDutyCycles     []float32
	minOverlapDutyCycles []float32
	boostFactors         []float32
	boostedOverlaps      []float32
	overlaps             []uint16

	conn *Connections
	rng  *Random

	neighborMap [][]uint32 // local inhibition: each column's neighbours

	inputDense []bool
	order      []uint32
}

// NewSpatialPooler returns htm.core's SpatialPooler(p...) after its
// initialisation: potential pools, initial permanences (drawn from the
// generator seeded with p.Seed, in htm.core's order) and the raising of
// permanences to stimulusThreshold.
func NewSpatialPooler(p SPParams) (*SpatialPooler, error) {
	if len(p.InputDimensions) == 0 || len(p.ColumnDimensions) == 0 {
		return nil, errors.New("htmcore: sp: inputDimensions and columnDimensions must not be empty")
	}
	sp := &SpatialPooler{p: p, numInputs: 1, numColumns: 1}
	for _, d := range p.InputDimensions {
		if d == 0 {
			return nil, errors.New("htmcore: sp: input dimensions must be positive")
		}
		sp.numInputs *= d
	}
	for _, d := range p.ColumnDimensions {
		if d == 0 {
			return nil, errors.New("htmcore: sp: column dimensions must be positive")
		}
		sp.numColumns *= d
	}
	if len(p.InputDimensions) != len(p.ColumnDimensions) {
		return nil, errors.New("htmcore: sp: inputDimensions and columnDimensions must have the same number of dimensions")
	}
	if !((p.NumActiveColumnsPerInhArea > 0 && p.LocalAreaDensity == 0) || (p.LocalAreaDensity > 0 && p.NumActiveColumnsPerInhArea == 0)) {
		return nil, errors.New("htmcore: sp: give exactly one of localAreaDensity and numActiveColumnsPerInhArea")
	}
	if p.NumActiveColumnsPerInhArea > 0 {
		if p.NumActiveColumnsPerInhArea > sp.numColumns {
			return nil, fmt.Errorf("htmcore: sp: numActiveColumnsPerInhArea %d exceeds the %d columns", p.NumActiveColumnsPerInhArea, sp.numColumns)
		}
	} else {
		if !(p.LocalAreaDensity > 0 && p.LocalAreaDensity <= 1) {
			return nil, fmt.Errorf("htmcore: sp: localAreaDensity %g must be in (0, 1]", p.LocalAreaDensity)
		}
		if uint32(p.LocalAreaDensity*float32(sp.numColumns)) == 0 {
			return nil, fmt.Errorf("htmcore: sp: localAreaDensity %g gives no active column of %d", p.LocalAreaDensity, sp.numColumns)
		}
	}
	if !(p.PotentialPct > 0 && p.PotentialPct <= 1) {
		return nil, fmt.Errorf("htmcore: sp: potentialPct %g must be in (0, 1]", p.PotentialPct)
	}
	if p.Seed == 0 {
		return nil, errors.New("htmcore: sp: seed 0 means a random seed in htm.core; give a non-zero seed")
	}
	if p.DutyCyclePeriod == 0 {
		return nil, errors.New("htmcore: sp: dutyCyclePeriod must be positive")
	}
	if p.UpdatePeriod == 0 {
		p.UpdatePeriod = 50
		sp.p.UpdatePeriod = 50
	}
	sp.p.InputDimensions = slices.Clone(p.InputDimensions)
	sp.p.ColumnDimensions = slices.Clone(p.ColumnDimensions)

	sp.rng = NewRandom(uint32(p.Seed))
	sp.potentialRadius = min(p.PotentialRadius, sp.numInputs)
	sp.synPermBelowStimulusInc = p.SynPermConnected / 10
	n := sp.numColumns
	sp.overlapDutyCycles = make([]float32, n)
	sp.activeDutyCycles = make([]float32, n)
	sp.minOverlapDutyCycles = make([]float32, n)
	sp.boostFactors = make([]float32, n)
	for i := range sp.boostFactors {
		sp.boostFactors[i] = 1
	}
	sp.boostedOverlaps = make([]float32, n)
	sp.inputDense = make([]bool, sp.numInputs)
	sp.order = make([]uint32, n)

	sp.conn = NewConnections(n, p.SynPermConnected)
	for i := uint32(0); i < n; i++ {
		sp.conn.CreateSegment(i, 1)
		potential := sp.initMapPotential(i)
		perm := sp.initPermanence(potential)
		for presyn := uint32(0); presyn < sp.numInputs; presyn++ {
			if potential[presyn] {
				sp.conn.CreateSynapse(i, presyn, perm[presyn])
			}
		}
		sp.conn.RaisePermanencesToThreshold(i, p.StimulusThreshold)
	}
	sp.updateInhibitionRadius()
	return sp, nil
}

// initMapColumn maps a column to the input at the centre of its potential
// pool: per dimension floor((coord + 0.5) · (inputDim / columnDim)), in
// float32.
func (sp *SpatialPooler) initMapColumn(column uint32) uint32 {
	coords := coordinatesFromIndex(column, sp.p.ColumnDimensions)
	var index uint32
	for i, c := range coords {
		ratio := float32(sp.p.InputDimensions[i]) / float32(sp.p.ColumnDimensions[i])
		x := float32((float32(c) + 0.5) * ratio)
		index = index*sp.p.InputDimensions[i] + uint32(math.Floor(float64(x)))
	}
	return index
}

// initMapPotential returns the column's potential pool as a dense vector:
// round(|neighbourhood| · potentialPct) inputs sampled from the
// neighbourhood of potentialRadius around its centre input.
func (sp *SpatialPooler) initMapPotential(column uint32) []bool {
	center := sp.initMapColumn(column)
	inputs := Neighborhood(center, sp.potentialRadius, sp.p.InputDimensions, sp.p.WrapAround, false)
	num := uint32(roundf(float32(float32(len(inputs)) * sp.p.PotentialPct)))
	selected := Sample(sp.rng, inputs, int(num))
	potential := make([]bool, sp.numInputs)
	for _, in := range selected {
		potential[in] = true
	}
	return potential
}

// roundf is C's roundf: half away from zero.
func roundf(x float32) float32 { return float32(math.Round(float64(x))) }

// initPermanence draws the initial permanences of a potential pool, input
// by input in index order: with probability initConnectedPct (draw ≤ 0.5)
// a connected permanence in [synPermConnected, 1), else one in
// [0, synPermConnected).
func (sp *SpatialPooler) initPermanence(potential []bool) []float32 {
	perm := make([]float32, sp.numInputs)
	for i, pot := range potential {
		if !pot {
			continue
		}
		if sp.rng.GetReal64() <= float64(initConnectedPct) {
			perm[i] = sp.rng.RealRange(sp.p.SynPermConnected, MaxPermanence)
		} else {
			perm[i] = sp.rng.RealRange(MinPermanence, sp.p.SynPermConnected)
		}
	}
	return perm
}

// updateInhibitionRadius is htm.core's updateInhibitionRadius_: the
// largest column dimension with global inhibition; else
// round(max(1, (avg connected span · avg columns per input − 1) / 2)), in
// float32.
func (sp *SpatialPooler) updateInhibitionRadius() {
	if sp.p.GlobalInhibition {
		// htm.core also computes the neighbour map here, which global
		// inhibition never reads.
		sp.inhibitionRadius = slices.Max(sp.p.ColumnDimensions)
		return
	}
	var span float32
	for c := uint32(0); c < sp.numColumns; c++ {
		span += sp.avgConnectedSpanForColumn(c)
	}
	span /= float32(sp.numColumns)
	diameter := float32(span * sp.avgColumnsPerInput())
	radius := (diameter - 1) / 2
	if radius < 1 { // std::max(1.0f, radius)
		radius = 1
	}
	sp.setInhibitionRadius(uint32(roundf(radius)))
}

func (sp *SpatialPooler) setInhibitionRadius(r uint32) {
	if r == sp.inhibitionRadius && sp.neighborMap != nil {
		return
	}
	sp.inhibitionRadius = r
	sp.neighborMap = make([][]uint32, sp.numColumns)
	for c := range sp.neighborMap {
		hood := Neighborhood(uint32(c), r, sp.p.ColumnDimensions, sp.p.WrapAround, true)
		slices.Sort(hood)
		sp.neighborMap[c] = hood
	}
}

// avgColumnsPerInput is htm.core's avgColumnsPerInput_.
func (sp *SpatialPooler) avgColumnsPerInput() float32 {
	numDim := max(len(sp.p.ColumnDimensions), len(sp.p.InputDimensions))
	var sum float32
	for i := 0; i < numDim; i++ {
		col, in := float32(1), float32(1)
		if i < len(sp.p.ColumnDimensions) {
			col = float32(sp.p.ColumnDimensions[i])
		}
		if i < len(sp.p.InputDimensions) {
			in = float32(sp.p.InputDimensions[i])
		}
		sum += col / in
	}
	return sum / float32(numDim)
}

// avgConnectedSpanForColumn is htm.core's avgConnectedSpanForColumnND_:
// the mean over the input dimensions of the extent of the column's
// connected synapses (permanence ≥ synPermConnected + Epsilon), 0 when it
// has none.
func (sp *SpatialPooler) avgConnectedSpanForColumn(column uint32) float32 {
	threshold := sp.p.SynPermConnected + Epsilon
	dense := make([]float32, sp.numInputs)
	for _, syn := range sp.conn.SynapsesForSegment(column) {
		d := sp.conn.DataForSynapse(syn)
		if d.Permanence >= threshold {
			dense[d.PresynapticCell] = d.Permanence
		}
	}
	n := len(sp.p.InputDimensions)
	maxCoord := make([]uint32, n)
	minCoord := make([]uint32, n)
	for i := range minCoord {
		minCoord[i] = slices.Max(sp.p.InputDimensions)
	}
	allZero := true
	for i, p := range dense {
		if p < sp.p.SynPermConnected {
			continue
		}
		allZero = false
		for j, c := range coordinatesFromIndex(uint32(i), sp.p.InputDimensions) {
			maxCoord[j] = max(maxCoord[j], c)
			minCoord[j] = min(minCoord[j], c)
		}
	}
	if allZero {
		return 0
	}
	var total uint32
	for j := range maxCoord {
		total += maxCoord[j] - minCoord[j] + 1
	}
	return float32(total) / float32(n)
}

// useGlobal reports whether inhibitColumns_ inhibits globally.
func (sp *SpatialPooler) useGlobal() bool {
	return sp.p.GlobalInhibition || sp.inhibitionRadius > slices.Max(sp.p.ColumnDimensions)
}

// inhibitColumnsLocal is htm.core's inhibitColumnsLocal_: in index order,
// a column at or above stimulusThreshold wins unless
// uint32(0.5 + density·(neighbours+1)) of its neighbours beat it (a
// greater overlap, or an equal one of a neighbour already chosen).
func (sp *SpatialPooler) inhibitColumnsLocal(overlaps []float32, density float32) []uint32 {
	var active []uint32
	used := make([]bool, sp.numColumns)
	threshold := float32(sp.p.StimulusThreshold)
	for c := uint32(0); c < sp.numColumns; c++ {
		if overlaps[c] < threshold {
			continue
		}
		hood := sp.neighborMap[c]
		numDesired := uint32(0.5 + float32(density*float32(uint32(len(hood))+1)))
		var bigger uint32
		for _, n := range hood {
			if overlaps[n] > overlaps[c] || (overlaps[n] == overlaps[c] && used[n]) {
				bigger++
				if bigger >= numDesired {
					break
				}
			}
		}
		if bigger < numDesired {
			active = append(active, c)
			used[c] = true
		}
	}
	return active
}

// updateMinDutyCyclesLocal is htm.core's updateMinDutyCyclesLocal_.
func (sp *SpatialPooler) updateMinDutyCyclesLocal() {
	for i := range sp.minOverlapDutyCycles {
		m := sp.overlapDutyCycles[i]
		for _, n := range sp.neighborMap[i] {
			m = max(m, sp.overlapDutyCycles[n])
		}
		sp.minOverlapDutyCycles[i] = float32(m * sp.p.MinPctOverlapDutyCycles)
	}
}

// updateBoostFactorsLocal is htm.core's updateBoostFactorsLocal_: the
// target density of a column is the mean active duty cycle of it and its
// neighbours.
func (sp *SpatialPooler) updateBoostFactorsLocal() {
	for i := range sp.boostFactors {
		hood := sp.neighborMap[i]
		numNeighbors := uint32(len(hood)) + 1
		sum := sp.activeDutyCycles[i]
		for _, n := range hood {
			sum += sp.activeDutyCycles[n]
		}
		target := sum / float32(numNeighbors)
		if sp.p.BoostStrength < Epsilon {
			continue
		}
		x := float32((target - sp.activeDutyCycles[i]) * sp.p.BoostStrength)
		sp.boostFactors[i] = Expf(x)
	}
}

// Compute runs one step on the input's active bits (indices below
// NumInputs; order and duplicates do not matter) and returns the active
// columns, ascending. With learn, the permanences, duty cycles and boost
// factors are updated as htm.core does. It panics on an input index out of
// range.
func (sp *SpatialPooler) Compute(input []uint32, learn bool) []uint32 {
	clear(sp.inputDense)
	sparse := make([]uint32, 0, len(input))
	for _, in := range input {
		if in >= sp.numInputs {
			panic(fmt.Sprintf("htmcore: sp: input %d out of range [0, %d)", in, sp.numInputs))
		}
		if !sp.inputDense[in] {
			sp.inputDense[in] = true
			sparse = append(sparse, in)
		}
	}
	slices.Sort(sparse)

	sp.iterationNum++
	if learn {
		sp.iterationLearnNum++
	}
	sp.overlaps = sp.conn.ComputeActivity(sparse, sp.overlaps)
	sp.boostOverlaps()
	var active []uint32
	if sp.useGlobal() {
		active = sp.inhibitColumnsGlobal(sp.boostedOverlaps, sp.density())
	} else {
		active = sp.inhibitColumnsLocal(sp.boostedOverlaps, sp.density())
	}
	slices.Sort(active)

	if learn {
		for _, col := range active {
			sp.conn.AdaptSegment(col, sp.inputDense, sp.p.SynPermActiveInc, sp.p.SynPermInactiveDec, false, 0)
			sp.conn.RaisePermanencesToThreshold(col, sp.p.StimulusThreshold)
		}
		sp.updateDutyCycles(active)
		sp.bumpUpWeakColumns()
		if sp.p.GlobalInhibition {
			sp.updateBoostFactorsGlobal()
		} else {
			sp.updateBoostFactorsLocal()
		}
		if sp.iterationNum%sp.p.UpdatePeriod == 0 {
			sp.updateInhibitionRadius()
			if sp.p.GlobalInhibition || sp.inhibitionRadius >= slices.Max(sp.p.ColumnDimensions) {
				sp.updateMinDutyCyclesGlobal()
			} else {
				sp.updateMinDutyCyclesLocal()
			}
		}
	}
	return active
}

func (sp *SpatialPooler) boostOverlaps() {
	if sp.p.BoostStrength < Epsilon {
		for i, o := range sp.overlaps {
			sp.boostedOverlaps[i] = float32(o)
		}
		return
	}
	for i, o := range sp.overlaps {
		sp.boostedOverlaps[i] = float32(float32(o) * sp.boostFactors[i])
	}
}

// density is the density inhibitColumns_ uses: localAreaDensity, or
// numActiveColumnsPerInhArea over the inhibition area (getAreaND_, in
// float32), capped at 0.5.
func (sp *SpatialPooler) density() float32 {
	if sp.p.NumActiveColumnsPerInhArea == 0 {
		return sp.p.LocalAreaDensity
	}
	radius := float32(sp.inhibitionRadius)
	var area float32 = 1
	for _, d := range sp.p.ColumnDimensions {
		area = float32(area * min(float32(d), float32(2*radius)+1))
	}
	density := float32(sp.p.NumActiveColumnsPerInhArea) / float32(uint32(area))
	return min(density, maxLocalAreaDensity)
}

// inhibitColumnsGlobal returns the numDesired = uint32(density ·
// numColumns) columns of greatest overlap (the higher index first on a
// tie), sorted by that order, less the trailing ones whose overlap is
// below stimulusThreshold.
func (sp *SpatialPooler) inhibitColumnsGlobal(overlaps []float32, density float32) []uint32 {
	numDesired := uint32(float32(density * float32(sp.numColumns)))
	if numDesired == 0 {
		panic("htmcore: sp: not enough columns for the desired density")
	}
	// better is the order of htm.core's comparator: greater overlap
	// first, the higher index first on a tie. It is a total order, so the
	// columns htm.core's nth_element and sort keep, and their order, are
	// the first numDesired of the full sort, found here with a heap.
	better := func(a, b uint32) bool {
		oa, ob := overlaps[a], overlaps[b]
		if oa == ob {
			return a > b
		}
		return oa > ob
	}
	heap := sp.order[:0] // min-heap of the best so far, the worst on top
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(heap) {
				return
			}
			w := l
			if r := l + 1; r < len(heap) && better(heap[l], heap[r]) {
				w = r
			}
			if !better(heap[i], heap[w]) {
				return
			}
			heap[i], heap[w] = heap[w], heap[i]
			i = w
		}
	}
	for c := uint32(0); c < sp.numColumns; c++ {
		if len(heap) < int(numDesired) {
			heap = append(heap, c)
			for i := len(heap) - 1; i > 0; {
				p := (i - 1) / 2
				if !better(heap[p], heap[i]) {
					break
				}
				heap[p], heap[i] = heap[i], heap[p]
				i = p
			}
			continue
		}
		if better(c, heap[0]) {
			heap[0] = c
			down(0)
		}
	}
	order := heap
	slices.SortFunc(order, func(a, b uint32) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	active := slices.Clone(order[:numDesired])
	threshold := float32(sp.p.StimulusThreshold)
	for len(active) > 0 && overlaps[active[len(active)-1]] < threshold {
		active = active[:len(active)-1]
	}
	return active
}

func (sp *SpatialPooler) updateDutyCycles(active []uint32) {
	period := min(sp.p.DutyCyclePeriod, sp.iterationNum)
	decay := float32(period-1) / float32(period)
	increment := 1 / float32(period)
	for i := range sp.overlapDutyCycles {
		sp.overlapDutyCycles[i] = float32(sp.overlapDutyCycles[i] * decay)
	}
	for i, o := range sp.overlaps {
		if o != 0 {
			sp.overlapDutyCycles[i] += increment
		}
	}
	for i := range sp.activeDutyCycles {
		sp.activeDutyCycles[i] = float32(sp.activeDutyCycles[i] * decay)
	}
	for _, c := range active {
		sp.activeDutyCycles[c] += increment
	}
}

func (sp *SpatialPooler) bumpUpWeakColumns() {
	for i := uint32(0); i < sp.numColumns; i++ {
		if sp.overlapDutyCycles[i] >= sp.minOverlapDutyCycles[i] {
			continue
		}
		sp.conn.BumpSegment(i, sp.synPermBelowStimulusInc)
	}
}

// updateBoostFactorsGlobal sets each boost factor to
// exp((targetDensity − activeDutyCycle) · boostStrength), in float32, the
// exponential glibc's expf (Expf), as htm.core's exp of a float is.
func (sp *SpatialPooler) updateBoostFactorsGlobal() {
	var target float32
	if sp.p.NumActiveColumnsPerInhArea > 0 {
		area := uint32(1)
		for _, d := range sp.p.ColumnDimensions {
			area *= min(d, 2*sp.inhibitionRadius+1)
		}
		target = float32(sp.p.NumActiveColumnsPerInhArea) / float32(area)
		target = min(target, maxLocalAreaDensity)
	} else {
		target = sp.p.LocalAreaDensity
	}
	if sp.p.BoostStrength < Epsilon {
		return
	}
	for i := range sp.boostFactors {
		x := float32((target - sp.activeDutyCycles[i]) * sp.p.BoostStrength)
		sp.boostFactors[i] = Expf(x)
	}
}

func (sp *SpatialPooler) updateMinDutyCyclesGlobal() {
	m := slices.Max(sp.overlapDutyCycles)
	v := float32(sp.p.MinPctOverlapDutyCycles * m)
	for i := range sp.minOverlapDutyCycles {
		sp.minOverlapDutyCycles[i] = v
	}
}

// Params returns the parameters (UpdatePeriod resolved).
func (sp *SpatialPooler) Params() SPParams { return sp.p }

// NumInputs returns the number of inputs.
func (sp *SpatialPooler) NumInputs() int { return int(sp.numInputs) }

// NumColumns returns the number of columns.
func (sp *SpatialPooler) NumColumns() int { return int(sp.numColumns) }

// IterationNum returns the number of calls of Compute.
func (sp *SpatialPooler) IterationNum() uint32 { return sp.iterationNum }

// InhibitionRadius returns the inhibition radius.
func (sp *SpatialPooler) InhibitionRadius() uint32 { return sp.inhibitionRadius }

// Overlaps returns the last step's overlaps (connected synapses from
// active inputs, per column).
func (sp *SpatialPooler) Overlaps() []uint16 { return slices.Clone(sp.overlaps) }

// BoostedOverlaps returns the last step's boosted overlaps.
func (sp *SpatialPooler) BoostedOverlaps() []float32 { return slices.Clone(sp.boostedOverlaps) }

// BoostFactors returns the boost factors.
func (sp *SpatialPooler) BoostFactors() []float32 { return slices.Clone(sp.boostFactors) }

// OverlapDutyCycles returns the overlap duty cycles.
func (sp *SpatialPooler) OverlapDutyCycles() []float32 { return slices.Clone(sp.overlapDutyCycles) }

// ActiveDutyCycles returns the active duty cycles.
func (sp *SpatialPooler) ActiveDutyCycles() []float32 { return slices.Clone(sp.activeDutyCycles) }

// MinOverlapDutyCycles returns the minimum overlap duty cycles.
func (sp *SpatialPooler) MinOverlapDutyCycles() []float32 {
	return slices.Clone(sp.minOverlapDutyCycles)
}

// Permanences returns the permanences of column's potential synapses, as
// a dense vector over the inputs (0 outside the potential pool).
func (sp *SpatialPooler) Permanences(column uint32) []float32 {
	perm := make([]float32, sp.numInputs)
	for _, syn := range sp.conn.SynapsesForSegment(column) {
		d := sp.conn.DataForSynapse(syn)
		perm[d.PresynapticCell] = d.Permanence
	}
	return perm
}

// Potential returns column's potential pool, ascending.
func (sp *SpatialPooler) Potential(column uint32) []uint32 {
	var pool []uint32
	for _, syn := range sp.conn.SynapsesForSegment(column) {
		pool = append(pool, sp.conn.DataForSynapse(syn).PresynapticCell)
	}
	slices.Sort(pool)
	return pool
}

// ConnectedCounts returns the number of connected synapses of each column.
func (sp *SpatialPooler) ConnectedCounts() []uint16 {
	counts := make([]uint16, sp.numColumns)
	for i := range counts {
		counts[i] = sp.conn.DataForSegment(uint32(i)).NumConnected
	}
	return counts
}

// Connections returns the SpatialPooler's connections (not a copy).
func (sp *SpatialPooler) Connections() *Connections { return sp.conn }
