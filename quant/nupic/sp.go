package nupic

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/htmhw/htmhw/model/rng/nupic"
	"github.com/htmhw/htmhw/quant/htmcore"
)

// SPParams are the arguments of nupic.core's SpatialPooler::initialize for
// a one-dimensional input and column space, under their nupic.core names.
// The float ones are nupic.core's Real, float32 (NuPIC's build).
type SPParams struct {
	NumInputs                  int
	NumColumns                 int
	PotentialRadius            int
	PotentialPct               float32
	GlobalInhibition           bool // only global inhibition is implemented
	LocalAreaDensity           float32
	NumActiveColumnsPerInhArea int
	StimulusThreshold          int
	SynPermInactiveDec         float32
	SynPermActiveInc           float32
	SynPermConnected           float32
	MinPctOverlapDutyCycles    float32
	DutyCyclePeriod            int
	BoostStrength              float32
	Seed                       uint64 // of the SP's nupic::Random, non-zero
	WrapAround                 bool
}

// SpatialPooler is nupic.core's SpatialPooler (src/nupic/algorithms/
// SpatialPooler.cpp) with global inhibition: its permanences are float32,
// its draws nupic::Random's, in its order.
type SpatialPooler struct {
	p   SPParams
	rng *nupic.Random

	synPermBelowStimulusInc float32
	synPermTrimThreshold    float32
	synPermMin, synPermMax  float32
	updatePeriod            int
	iterationNum            int
	iterationLearnNum       int
	inhibitionRadius        int

	potential  [][]uint32 // per column, ascending
	perm       []float32  // numColumns × numInputs, dense
	connected  []bool     // numColumns × numInputs
	connCounts []int

	overlapDuty, activeDuty, minOverlapDuty, boost []float32
	tieBreaker                                     []float64 // drawn as nupic.core draws it, unused by its global inhibition

	overlaps []int
	boosted  []float32
	winners  []winner
	active   []uint32
	permBuf  []float32
}

type winner struct {
	col   uint32
	score float32
}

// NewSpatialPooler is SpatialPooler::initialize.
func NewSpatialPooler(p SPParams) (*SpatialPooler, error) {
	switch {
	case p.NumInputs < 1 || p.NumColumns < 1:
		return nil, fmt.Errorf("nupic: sp: %d inputs and %d columns must be positive", p.NumInputs, p.NumColumns)
	case !p.GlobalInhibition:
		return nil, errors.New("nupic: sp: only global inhibition is implemented")
	case p.NumActiveColumnsPerInhArea <= 0 && !(p.LocalAreaDensity > 0 && p.LocalAreaDensity <= 0.5):
		return nil, errors.New("nupic: sp: numActiveColumnsPerInhArea or localAreaDensity in (0, 0.5] is needed")
	case !(p.PotentialPct > 0 && p.PotentialPct <= 1):
		return nil, fmt.Errorf("nupic: sp: potentialPct %g must be in (0, 1]", p.PotentialPct)
	case p.DutyCyclePeriod < 1:
		return nil, fmt.Errorf("nupic: sp: dutyCyclePeriod %d must be positive", p.DutyCyclePeriod)
	case p.Seed == 0:
		return nil, errors.New("nupic: sp: seed 0 draws a seed from the clock in NuPIC; give a non-zero seed")
	}
	rng, err := nupic.New(p.Seed)
	if err != nil {
		return nil, err
	}
	nc, ni := p.NumColumns, p.NumInputs
	s := &SpatialPooler{p: p, rng: rng,
		synPermBelowStimulusInc: float32(float64(p.SynPermConnected) / 10.0),
		synPermTrimThreshold:    float32(float64(p.SynPermActiveInc) / 2.0),
		synPermMin:              0, synPermMax: 1, updatePeriod: 50,
		potential: make([][]uint32, nc), perm: make([]float32, nc*ni), connected: make([]bool, nc*ni),
		connCounts: make([]int, nc), overlapDuty: make([]float32, nc), activeDuty: make([]float32, nc),
		minOverlapDuty: make([]float32, nc), boost: make([]float32, nc), tieBreaker: make([]float64, nc),
		overlaps: make([]int, nc), boosted: make([]float32, nc), permBuf: make([]float32, ni)}
	if s.p.PotentialRadius > ni {
		s.p.PotentialRadius = ni
	}
	if s.synPermTrimThreshold >= p.SynPermConnected {
		return nil, fmt.Errorf("nupic: sp: synPermActiveInc/2 %g must be below synPermConnected %g", s.synPermTrimThreshold, p.SynPermConnected)
	}
	for i := range s.tieBreaker {
		s.tieBreaker[i] = 0.01 * rng.Float64()
	}
	for i := range s.boost {
		s.boost[i] = 1
	}
	inputs := make([]uint32, 0, ni)
	for c := range nc {
		inputs = s.neighborhood(s.mapColumn(c), inputs[:0])
		nPot := int(math.Round(float64(float32(len(inputs)) * p.PotentialPct)))
		sel := make([]uint32, nPot)
		nupic.Sample(rng, inputs, sel)
		slices.Sort(sel)
		s.potential[c] = sel
		perm := s.permBuf
		clear(perm)
		for _, i := range sel { // initPermanence_: in input order
			var v float32
			if rng.Float64() <= 0.5 { // initConnectedPct_
				v = round5(float32(float64(p.SynPermConnected) + float64(s.synPermMax-p.SynPermConnected)*rng.Float64()))
			} else {
				v = round5(float32(float64(p.SynPermConnected) * rng.Float64()))
			}
			if v < s.synPermTrimThreshold {
				v = 0
			}
			perm[i] = v
		}
		s.updatePermanences(perm, c, true)
	}
	s.inhibitionRadius = nc // updateInhibitionRadius_ with global inhibition
	return s, nil
}

// round5 is SpatialPooler.cpp's round5_: truncation to 5 decimals, the
// division in double.
func round5(f float32) float32 {
	return float32(float64(float32(int32(f*100000))) / 100000.0)
}

// mapColumn is mapColumn_ in one dimension.
func (s *SpatialPooler) mapColumn(c int) int {
	ratio := float32(s.p.NumInputs) / float32(s.p.NumColumns)
	coord := float32((float64(float32(c)) + 0.5) * float64(ratio))
	return int(math.Floor(float64(coord)))
}

// neighborhood lists the inputs of the potential radius around center in
// nupic.core's iteration order: Neighborhood, or WrappingNeighborhood
// (offsets from −radius up, stopping before an input repeats).
func (s *SpatialPooler) neighborhood(center int, dst []uint32) []uint32 {
	n, r := s.p.NumInputs, s.p.PotentialRadius
	if s.p.WrapAround {
		for off := -r; off <= r && off+r < n; off++ {
			dst = append(dst, uint32(((center+off)%n+n)%n))
		}
		return dst
	}
	for i := max(center-r, 0); i <= min(center+r, n-1); i++ {
		dst = append(dst, uint32(i))
	}
	return dst
}

// updatePermanences is updatePermanencesForColumn_: with raise, the
// permanences are first clipped to [0, 1] (raisePermanencesToThreshold_,
// whose loop does not run with stimulusThreshold 0 and is implemented);
// then the connected synapses are counted, and the permanences trimmed.
func (s *SpatialPooler) updatePermanences(perm []float32, c int, raise bool) {
	if raise {
		clipPerm(perm, s.synPermMin, s.synPermMin, s.synPermMax)
		for s.countConnected(perm) < s.p.StimulusThreshold {
			for _, i := range s.potential[c] {
				perm[i] += s.synPermBelowStimulusInc
			}
		}
	}
	thr := s.p.SynPermConnected
	row := s.connected[c*s.p.NumInputs : (c+1)*s.p.NumInputs]
	n := 0
	for i, v := range perm {
		row[i] = v >= thr
		if row[i] {
			n++
		}
	}
	clipPerm(perm, s.synPermTrimThreshold, s.synPermMin, s.synPermMax)
	copy(s.perm[c*s.p.NumInputs:], perm)
	s.connCounts[c] = n
}

func (s *SpatialPooler) countConnected(perm []float32) int {
	n := 0
	for _, v := range perm {
		if v > s.p.SynPermConnected {
			n++
		}
	}
	return n
}

// clipPerm is clip_: above max → max, below minVal → min.
func clipPerm(perm []float32, minVal, min, max float32) {
	for i, v := range perm {
		if v > max {
			v = max
		}
		if v < minVal {
			v = min
		}
		perm[i] = v
	}
}

// NumInputs returns the number of inputs.
func (s *SpatialPooler) NumInputs() int { return s.p.NumInputs }

// NumColumns returns the number of columns.
func (s *SpatialPooler) NumColumns() int { return s.p.NumColumns }

// Permanences returns column c's permanences (dense, a copy).
func (s *SpatialPooler) Permanences(c int) []float32 {
	return slices.Clone(s.perm[c*s.p.NumInputs : (c+1)*s.p.NumInputs])
}

// Potential returns column c's potential pool, ascending (a copy).
func (s *SpatialPooler) Potential(c int) []uint32 { return slices.Clone(s.potential[c]) }

// Compute is SpatialPooler::compute on the sparse input in (ascending,
// each below NumInputs): it returns the active columns, ascending (the
// slice is reused by the next call).
func (s *SpatialPooler) Compute(in []uint32, learn bool) ([]uint32, error) {
	ni, nc := s.p.NumInputs, s.p.NumColumns
	for _, i := range in {
		if int(i) >= ni {
			return nil, fmt.Errorf("nupic: sp: input bit %d beyond %d inputs", i, ni)
		}
	}
	s.iterationNum++
	if learn {
		s.iterationLearnNum++
	}
	for c := range nc {
		row := s.connected[c*ni : (c+1)*ni]
		o := 0
		for _, i := range in {
			if row[i] {
				o++
			}
		}
		s.overlaps[c] = o
		if learn {
			s.boosted[c] = float32(o) * s.boost[c]
		} else {
			s.boosted[c] = float32(o)
		}
	}
	s.inhibitGlobal()
	if learn {
		s.adaptSynapses(in)
		s.updateDutyCycles()
		s.bumpUpWeakColumns()
		s.updateBoostFactors()
		if s.iterationNum%s.updatePeriod == 0 {
			s.inhibitionRadius = nc
			mx := float32(0)
			for _, d := range s.overlapDuty {
				mx = max(mx, d)
			}
			for i := range s.minOverlapDuty {
				s.minOverlapDuty[i] = s.p.MinPctOverlapDutyCycles * mx
			}
		}
	}
	out := s.active[:0]
	for _, w := range s.winners {
		out = append(out, w.col)
	}
	slices.Sort(out)
	s.active = out
	return out, nil
}

// density is inhibitColumns_'s density (and updateBoostFactorsGlobal_'s
// target density).
func (s *SpatialPooler) density() float32 {
	d := s.p.LocalAreaDensity
	if s.p.NumActiveColumnsPerInhArea > 0 {
		area := min(2*s.inhibitionRadius+1, s.p.NumColumns)
		d = min(float32(s.p.NumActiveColumnsPerInhArea)/float32(area), 0.5)
	}
	return d
}

// inhibitGlobal is inhibitColumnsGlobal_: the numDesired best boosted
// overlaps of at least stimulusThreshold, the later column first among
// equal scores (addToWinners_ inserts before the first score not above
// its own).
func (s *SpatialPooler) inhibitGlobal() {
	want := int(s.density() * float32(s.p.NumColumns))
	w := s.winners[:0]
	thr := float32(s.p.StimulusThreshold)
	for c, v := range s.boosted {
		if v >= thr {
			w = append(w, winner{uint32(c), v})
		}
	}
	slices.SortStableFunc(w, func(a, b winner) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return int(b.col) - int(a.col)
	})
	s.winners = w[:min(want, len(w))]
}

// adaptSynapses is adaptSynapses_, the columns in winner order.
func (s *SpatialPooler) adaptSynapses(in []uint32) {
	ni := s.p.NumInputs
	inBit := make([]bool, ni)
	for _, i := range in {
		inBit[i] = true
	}
	perm := s.permBuf
	for _, w := range s.winners {
		c := int(w.col)
		copy(perm, s.perm[c*ni:(c+1)*ni])
		for _, i := range s.potential[c] {
			if inBit[i] {
				perm[i] += s.p.SynPermActiveInc
			} else {
				perm[i] += -s.p.SynPermInactiveDec
			}
		}
		s.updatePermanences(perm, c, true)
	}
}

// updateDutyCycles is updateDutyCycles_, in float32 as nupic.core rounds
// each operation.
func (s *SpatialPooler) updateDutyCycles() {
	period := min(s.p.DutyCyclePeriod, s.iterationNum)
	isActive := make([]bool, s.p.NumColumns)
	for _, w := range s.winners {
		isActive[w.col] = true
	}
	upd := func(d float32, v bool) float32 {
		x := float32(d * float32(period-1))
		if v {
			x = float32(x + 1)
		}
		return float32(x / float32(period))
	}
	for c := range s.p.NumColumns {
		s.overlapDuty[c] = upd(s.overlapDuty[c], s.overlaps[c] > 0)
		s.activeDuty[c] = upd(s.activeDuty[c], isActive[c])
	}
}

// bumpUpWeakColumns is bumpUpWeakColumns_.
func (s *SpatialPooler) bumpUpWeakColumns() {
	ni := s.p.NumInputs
	var perm []float32
	for c := range s.p.NumColumns {
		if s.overlapDuty[c] >= s.minOverlapDuty[c] {
			continue
		}
		if perm == nil {
			perm = make([]float32, ni)
		}
		copy(perm, s.perm[c*ni:(c+1)*ni])
		for _, i := range s.potential[c] {
			perm[i] += s.synPermBelowStimulusInc
		}
		s.updatePermanences(perm, c, false)
	}
}

// updateBoostFactors is updateBoostFactorsGlobal_: exp of a float32 is
// glibc's expf (htmcore.Expf).
func (s *SpatialPooler) updateBoostFactors() {
	target := s.density()
	if s.p.NumActiveColumnsPerInhArea <= 0 {
		target = s.p.LocalAreaDensity
	}
	for c := range s.boost {
		s.boost[c] = htmcore.Expf(float32((target - s.activeDuty[c]) * s.p.BoostStrength))
	}
}
