// Package sp is the spatial pooler of the htmhw golden model: integer
// permanences of a configured width, global inhibition with an explicit
// tie-break, fixed-point duty cycles and a boost table.
//
// Every rule here is written down in docs/SPEC.md, section "Spatial
// pooler"; the code follows that text step for step, and where the two
// disagree the text is right and the code is a bug.
package sp

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"

	"github.com/htmhw/htmhw/model/rng"
	"github.com/htmhw/htmhw/model/sdr"
)

// DutyOne is the fixed-point value of a duty cycle of 1: duty cycles are
// unsigned 16-bit fractions of DutyOne.
const DutyOne = 0xFFFF

// BoostOne is the boost factor 1.0: boost factors are unsigned 16-bit
// numbers with 12 fraction bits (Q4.12).
const BoostOne = 1 << 12

// BoostTableSize is the number of entries of the boost table, indexed by
// the active duty cycle's top 10 bits.
const BoostTableSize = 1024

// Size limits of a spatial pooler: a region is hardware, and its memories
// have address widths.
const (
	MaxInputs  = 1<<16 - 1 // so that a pool length fits 16 bits
	MaxColumns = 1 << 16
)

// Params are the integer parameters of a spatial pooler. They are what the
// model file's float parameters become (see package model); every
// permanence is in units of one least significant bit of a PermBits-wide
// permanence, so its maximum is 2^PermBits - 1.
type Params struct {
	NumInputs  int // size of the input SDR
	NumColumns int // number of columns

	PotentialRadius int    // inputs within this distance of a column's centre form its neighbourhood
	PotentialPct    uint32 // fraction of the neighbourhood in the pool, Q0.16 (65536 = 1)
	WrapAround      bool   // neighbourhoods wrap around the input's ends

	NumActive         int // k: columns selected by global inhibition
	StimulusThreshold int // a column needs this overlap to be eligible

	PermBits                uint   // permanence width, 4 to 16
	SynPermConnected        uint16 // a synapse is connected when permanence >= this
	SynPermActiveInc        uint16 // learning increment for active inputs
	SynPermInactiveDec      uint16 // learning decrement for inactive inputs
	SynPermBelowStimulusInc uint16 // bump applied to weak columns
	SynPermTrimThreshold    uint16 // permanences below this are set to 0

	MinPctOverlapDutyCycles uint32 // Q0.16
	DutyCyclePeriod         uint32 // averaging period of the duty cycles
	UpdatePeriod            uint32 // steps between updates of the minimum duty cycle

	// BoostTable holds BoostTableSize Q4.12 factors indexed by
	// activeDutyCycle >> 6. Nil disables boosting (boostStrength 0).
	BoostTable []uint16

	Seed uint32 // generator seed
}

// PermMax returns the largest permanence, 2^PermBits - 1.
func (p *Params) PermMax() uint16 { return uint16(1<<p.PermBits - 1) }

// Validate reports the first parameter that is out of range.
func (p *Params) Validate() error {
	switch {
	case p.NumInputs < 1 || p.NumInputs > MaxInputs:
		return fmt.Errorf("sp: numInputs %d must be 1 to %d", p.NumInputs, MaxInputs)
	case p.NumColumns < 1 || p.NumColumns > MaxColumns:
		return fmt.Errorf("sp: numColumns %d must be 1 to %d", p.NumColumns, MaxColumns)
	case p.PermBits < 4 || p.PermBits > 16:
		return fmt.Errorf("sp: permanence width %d bits must be 4 to 16", p.PermBits)
	case p.PotentialRadius < 0 || p.PotentialRadius > MaxInputs:
		return fmt.Errorf("sp: potentialRadius %d must be 0 to %d", p.PotentialRadius, MaxInputs)
	case p.PotentialPct == 0 || p.PotentialPct > 1<<16:
		return fmt.Errorf("sp: potentialPct %d/65536 must be in (0, 1]", p.PotentialPct)
	case p.NumActive < 1 || p.NumActive > p.NumColumns:
		return fmt.Errorf("sp: %d active columns must be 1 to numColumns %d", p.NumActive, p.NumColumns)
	case p.StimulusThreshold < 0:
		return fmt.Errorf("sp: stimulusThreshold %d must not be negative", p.StimulusThreshold)
	case p.SynPermConnected == 0 || p.SynPermConnected > p.PermMax():
		return fmt.Errorf("sp: synPermConnected %d must be 1 to %d", p.SynPermConnected, p.PermMax())
	case p.SynPermActiveInc > p.PermMax() || p.SynPermInactiveDec > p.PermMax() ||
		p.SynPermBelowStimulusInc > p.PermMax() || p.SynPermTrimThreshold > p.PermMax():
		return fmt.Errorf("sp: a permanence step exceeds the maximum permanence %d", p.PermMax())
	case p.MinPctOverlapDutyCycles > 1<<16:
		return fmt.Errorf("sp: minPctOverlapDutyCycles %d/65536 exceeds 1", p.MinPctOverlapDutyCycles)
	case p.DutyCyclePeriod < 1 || p.DutyCyclePeriod > 0xFFFF:
		return fmt.Errorf("sp: dutyCyclePeriod %d must be 1 to 65535", p.DutyCyclePeriod)
	case p.UpdatePeriod < 1:
		return errors.New("sp: updatePeriod must be at least 1")
	case p.BoostTable != nil && len(p.BoostTable) != BoostTableSize:
		return fmt.Errorf("sp: boost table has %d entries, want %d", len(p.BoostTable), BoostTableSize)
	}
	if minPool := p.minPoolSize(); p.StimulusThreshold > minPool {
		return fmt.Errorf("sp: stimulusThreshold %d exceeds the smallest potential pool (%d inputs)", p.StimulusThreshold, minPool)
	}
	return nil
}

// Stride returns the pool slots per column of a pooler with these
// parameters: the largest potential pool. It allocates nothing, so that
// the size of a pooler is known before it is made.
func (p *Params) Stride() int {
	stride := 0
	for c := 0; c < p.NumColumns; c++ {
		stride = max(stride, p.poolSize(p.hoodSize(c)))
	}
	return stride
}

// neighbourhood returns column c's neighbourhood in ascending input order:
// the inputs within PotentialRadius of the column's centre
// ⌊(2c+1)·NumInputs / (2·NumColumns)⌋, taken modulo NumInputs with
// wrap-around and clipped to [0, NumInputs) without.
func (p *Params) neighbourhood(c int, dst []uint32) []uint32 {
	dst = dst[:0]
	n, r := p.NumInputs, p.PotentialRadius
	centre := (2*c + 1) * n / (2 * p.NumColumns)
	switch {
	case p.WrapAround && 2*r+1 >= n:
		for i := 0; i < n; i++ {
			dst = append(dst, uint32(i))
		}
	case p.WrapAround:
		for d := -r; d <= r; d++ {
			dst = append(dst, uint32(((centre+d)%n+n)%n))
		}
		slices.Sort(dst)
	default:
		for i := max(centre-r, 0); i <= min(centre+r, n-1); i++ {
			dst = append(dst, uint32(i))
		}
	}
	return dst
}

// poolSize is the number of potential synapses drawn from a neighbourhood
// of n inputs: round half up of n × potentialPct.
func (p *Params) poolSize(n int) int {
	return int((uint64(n)*uint64(p.PotentialPct) + 1<<15) >> 16)
}

// hoodSize is len(neighbourhood(c)), without building it.
func (p *Params) hoodSize(c int) int {
	n, r := p.NumInputs, p.PotentialRadius
	if p.WrapAround {
		return min(2*r+1, n)
	}
	centre := (2*c + 1) * n / (2 * p.NumColumns)
	return min(centre+r, n-1) - max(centre-r, 0) + 1
}

func (p *Params) minPoolSize() int {
	m := p.NumInputs
	for c := 0; c < p.NumColumns; c++ {
		m = min(m, p.poolSize(p.hoodSize(c)))
	}
	return m
}

// SpatialPooler is the state of a spatial pooler.
type SpatialPooler struct {
	p      Params
	words  int // 64-bit words per input bitset
	stride int // pool slots per column

	poolLen   []uint16 // potential synapses of each column
	poolInput []uint32 // [column*stride + j]: input index, ascending in j
	perm      []uint16 // [column*stride + j]: permanence
	// connected holds each column's connected inputs as a bitset window:
	// span words per column, word k of column c's window is input word
	// colLo[c]+k; the window starts at the column's first pool input and
	// covers its last (layout), so the rows of a local pool are short.
	connected sdr.Bitset
	span      int
	colLo     []uint16 // first input word of each column's window
	colN      []uint16 // input words from colLo to the last pool input's, 0 for an empty pool
	// runEnd holds, per column and window word k (span per column), how
	// many of the column's pool inputs lie in input words colLo..colLo+k:
	// the pool inputs of word k are slots runEnd[k-1] to runEnd[k].
	runEnd []uint16

	// Dense lanes (see layout): when the pools fill at least half of
	// their windows, there is no stimulus threshold and permanences fit
	// 14 bits, the permanences live in lanes instead of perm: one 16-bit
	// lane per input of each column's window, four to a word, lane l of
	// window word k of column c in bits 16(l%4) of
	// lanes[(c*span+k)*16+l/4]; lanes outside the pool hold 0, and
	// poolBits (span words per column, like connected) marks the pool.
	// perm then holds the permanences only after syncPerm.
	dense    bool
	lanes    []uint64
	poolBits sdr.Bitset
	// full marks the columns whose pool permanences are all at the
	// maximum after a bump: bumping them again changes nothing (min(v+inc,
	// pmax) = pmax, not trimmed, the same connected row), so
	// bumpUpWeakColumns skips them. adapt clears a column's mark.
	full sdr.Bitset
	// activeBits is scratch space for the active columns as a bitset.
	activeBits sdr.Bitset

	overlapDuty []uint16
	activeDuty  []uint16
	boost       []uint16 // Q4.12 factor of each column
	minOverlap  uint16   // minimum overlap duty cycle

	iteration uint64

	// scratch
	input    sdr.Bitset
	ones     sdr.Bitset // every bit set, for bumpUpWeakColumns in lanes
	overlaps []uint32
	keys     []uint64
	hist     []uint32
	active   []uint32
}

// New returns a spatial pooler whose potential pools and initial
// permanences are drawn from a generator seeded with p.Seed.
func New(p Params) (*SpatialPooler, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.BoostTable != nil {
		p.BoostTable = slices.Clone(p.BoostTable)
	}
	s := &SpatialPooler{p: p, words: (p.NumInputs + 63) / 64, stride: p.Stride()}
	C := p.NumColumns
	s.poolLen = make([]uint16, C)
	s.poolInput = make([]uint32, C*s.stride)
	s.perm = make([]uint16, C*s.stride)
	s.activeBits = sdr.NewBitset(C)
	s.overlapDuty = make([]uint16, C)
	s.activeDuty = make([]uint16, C)
	s.boost = make([]uint16, C)
	for c := range s.boost {
		s.boost[c] = BoostOne
	}
	s.input = sdr.NewBitset(p.NumInputs)
	s.overlaps = make([]uint32, C)
	s.hist = make([]uint32, 4*(p.NumInputs+1)) // inhibit's four counts per overlap
	s.colLo = make([]uint16, C)
	s.colN = make([]uint16, C)
	s.initialise(rng.New(p.Seed))
	s.layout()
	return s, nil
}

// initialise draws every column's potential pool and initial permanences,
// column by column (docs/SPEC.md, "Initialisation").
func (s *SpatialPooler) initialise(g *rng.Generator) {
	p := &s.p
	pmax := uint32(p.PermMax())
	conn := uint32(p.SynPermConnected)
	var hood []uint32
	for c := 0; c < p.NumColumns; c++ {
		hood = p.neighbourhood(c, hood)
		n := len(hood)
		need := p.poolSize(n)
		base := c * s.stride
		k := 0
		for i := 0; i < n && need > 0; i++ {
			if int(g.Below(uint32(n-i))) < need {
				s.poolInput[base+k] = hood[i]
				k++
				need--
			}
		}
		s.poolLen[c] = uint16(k)
		for j := 0; j < k; j++ {
			var v uint32
			if g.Next()>>31 == 0 {
				v = conn + g.Below(pmax-conn+1)
			} else {
				v = g.Below(conn)
			}
			s.perm[base+j] = uint16(v)
		}
		s.raiseToThreshold(c)
		s.trim(c)
	}
}

// layout sizes the connected bitset's windows to the pools and rebuilds
// every column's connected row.
func (s *SpatialPooler) layout() {
	s.span = 0
	for c := range s.colLo {
		base, k := c*s.stride, int(s.poolLen[c])
		s.colLo[c], s.colN[c] = 0, 0
		if k > 0 {
			lo, hi := s.poolInput[base]>>6, s.poolInput[base+k-1]>>6+1
			s.colLo[c], s.colN[c] = uint16(lo), uint16(hi-lo)
			s.span = max(s.span, int(hi-lo))
		}
	}
	if n := len(s.colLo) * s.span; len(s.connected) != n {
		s.connected = make(sdr.Bitset, n)
		s.runEnd = make([]uint16, n)
	}
	for c := range s.colLo {
		in, _ := s.pool(c)
		ends := s.runEnd[c*s.span : (c+1)*s.span]
		lo, j := uint32(s.colLo[c]), 0
		for k := range ends {
			for j < len(in) && in[j]>>6 <= lo+uint32(k) {
				j++
			}
			ends[k] = uint16(j)
		}
	}
	s.full = sdr.NewBitset(len(s.colLo))
	s.dense = s.denseFits()
	s.lanes, s.poolBits = nil, nil
	if s.dense {
		s.lanes = make([]uint64, len(s.colLo)*s.span*16)
		s.poolBits = make(sdr.Bitset, len(s.colLo)*s.span)
		for c := range s.colLo {
			in, _ := s.pool(c)
			lo := uint32(s.colLo[c]) << 6
			row := s.poolBits[c*s.span : (c+1)*s.span]
			for _, i := range in {
				row[(i-lo)>>6] |= 1 << (i & 63)
			}
			s.scatter(c)
		}
	}
	for c := range s.colLo {
		s.updateConnected(c)
	}
}

// denseFits reports whether the dense lanes suit the pooler: no raise rule
// (it reads whole pools; adapt in lanes has none), permanences of at most
// 14 bits (the lane arithmetic needs two spare bits), and pools that fill
// at least half of their windows' inputs, so that the lanes are not mostly
// empty work.
func (s *SpatialPooler) denseFits() bool {
	if s.p.StimulusThreshold != 0 || s.p.PermBits > 14 || s.span == 0 {
		return false
	}
	pool, window := 0, 0
	for c := range s.colLo {
		pool += int(s.poolLen[c])
		window += 64 * int(s.colN[c])
	}
	return 2*pool >= window
}

// scatter copies column c's permanences from perm into its lanes.
func (s *SpatialPooler) scatter(c int) {
	in, perm := s.pool(c)
	perm = perm[:len(in)]
	lanes := s.lanes[c*s.span*16 : (c+1)*s.span*16]
	clear(lanes)
	lo := uint32(s.colLo[c]) << 6
	for j, i := range in {
		l := i - lo
		lanes[l>>2] |= uint64(perm[j]) << (16 * (l & 3))
	}
}

// gather copies column c's permanences from its lanes into perm.
func (s *SpatialPooler) gather(c int) {
	in, perm := s.pool(c)
	perm = perm[:len(in)]
	lanes := s.lanes[c*s.span*16 : (c+1)*s.span*16]
	lo := uint32(s.colLo[c]) << 6
	for j, i := range in {
		l := i - lo
		perm[j] = uint16(lanes[l>>2] >> (16 * (l & 3)))
	}
}

// syncPerm brings perm up to date with the lanes.
func (s *SpatialPooler) syncPerm() {
	if !s.dense {
		return
	}
	for c := range s.colLo {
		s.gather(c)
	}
}

// pool returns column c's potential inputs and permanences.
func (s *SpatialPooler) pool(c int) ([]uint32, []uint16) {
	base, n := c*s.stride, int(s.poolLen[c])
	return s.poolInput[base : base+n], s.perm[base : base+n]
}

// raiseToThreshold applies docs/SPEC.md's raise rule: when fewer than
// stimulusThreshold synapses are connected, every potential permanence is
// raised by the amount that connects the stimulusThreshold-th largest.
func (s *SpatialPooler) raiseToThreshold(c int) {
	t := s.p.StimulusThreshold
	if t == 0 {
		return
	}
	_, perm := s.pool(c)
	conn := s.p.SynPermConnected
	n := 0
	for _, v := range perm {
		if v >= conn {
			n++
		}
	}
	if n >= t {
		return
	}
	sorted := slices.Clone(perm)
	slices.Sort(sorted)
	d := conn - sorted[len(sorted)-t]
	pmax := s.p.PermMax()
	for j, v := range perm {
		perm[j] = uint16(min(uint32(v)+uint32(d), uint32(pmax)))
	}
}

// trim sets every permanence below the trim threshold to zero.
func (s *SpatialPooler) trim(c int) {
	_, perm := s.pool(c)
	for j, v := range perm {
		if v < s.p.SynPermTrimThreshold {
			perm[j] = 0
		}
	}
}

// updateConnected rebuilds column c's connected bitset from its permanences.
func (s *SpatialPooler) updateConnected(c int) {
	row := s.connected[c*s.span : (c+1)*s.span]
	clear(row)
	lo := uint32(s.colLo[c]) << 6
	in, perm := s.pool(c)
	for j, v := range perm {
		if v >= s.p.SynPermConnected {
			i := in[j] - lo
			row[i>>6] |= 1 << (i & 63)
		}
	}
}

// Compute runs one step on the input SDR (sparse form, ascending) and
// returns the active columns, ascending. The returned slice is reused by
// the next call. With learn, permanences, duty cycles and boost factors are
// updated as docs/SPEC.md says.
func (s *SpatialPooler) Compute(input []uint32, learn bool) ([]uint32, error) {
	if err := sdr.Validate(input, s.p.NumInputs); err != nil {
		return nil, fmt.Errorf("sp: input: %w", err)
	}
	s.iteration++
	s.input.Reset()
	s.input.SetAll(input)
	s.computeOverlaps()
	s.inhibit(learn)
	if learn {
		s.adapt()
		s.updateDutyCycles()
		s.bumpUpWeakColumns()
		s.updateBoostFactors()
		if s.iteration%uint64(s.p.UpdatePeriod) == 0 {
			s.updateMinDutyCycle()
		}
	}
	return s.active, nil
}

func (s *SpatialPooler) computeOverlaps() {
	span := s.span
	in, connected := s.input, s.connected
	overlaps := s.overlaps
	colLo, colN := s.colLo[:len(overlaps)], s.colN[:len(overlaps)]
	last := len(in) - 1
	for c := range overlaps {
		// Connected bits lie among the pool's inputs, which ascend: only
		// the words from the first to the last pool input can hold any.
		lo, k := int(colLo[c]), int(colN[c])
		if k <= 2 && span >= 2 {
			// Windows of one or two words (hello's, local pools) in two
			// words either way, so that no branch depends on which: a
			// row is zero past its window, so a second word adds nothing
			// to a one-word window (whatever input word it meets).
			r := connected[c*span : c*span+2]
			overlaps[c] = uint32(bits.OnesCount64(r[0]&in[lo]) + bits.OnesCount64(r[1]&in[min(lo+1, last)]))
			continue
		}
		row := connected[c*span : c*span+k]
		inw := in[lo : lo+k]
		n := 0
		for i, x := range row {
			n += bits.OnesCount64(x & inw[i])
		}
		overlaps[c] = uint32(n)
	}
}

// inhibit selects the k greatest columns under the order (score, index),
// among those whose overlap reaches the stimulus threshold. The score is
// overlap × boost when learning with boosting on, else the overlap.
func (s *SpatialPooler) inhibit(learn bool) {
	s.active = s.active[:0]
	k := s.p.NumActive
	stim := uint32(s.p.StimulusThreshold)
	if !learn || s.p.BoostTable == nil {
		// Scores are overlaps in [0, NumInputs]: find the threshold score
		// by a histogram, then take columns from the highest index down.
		// Four counts per score, one per column index mod 4, so that
		// neighbouring columns with the same overlap (most overlaps are
		// a few small values) do not wait on each other's increment; only
		// the scores up to the largest overlap are summed and cleared
		// (small pools' overlaps stay far below NumInputs). The counts
		// are zero between calls.
		hist, ov := s.hist, s.overlaps
		var top uint32
		for c, o := range ov {
			top = max(top, o)
			var eligible uint32
			if o >= stim {
				eligible = 1
			}
			hist[o*4+uint32(c&3)] += eligible
		}
		var above uint32 // eligible columns with a score above t
		t := int(top)
		for ; t >= 0; t-- {
			h := hist[4*t : 4*t+4]
			n := h[0] + h[1] + h[2] + h[3]
			if above+n >= uint32(k) {
				break
			}
			above += n
		}
		clear(hist[:4*(top+1)])
		if t < 0 { // fewer than k eligible columns: take them all
			for c, o := range s.overlaps {
				if o >= stim {
					s.active = append(s.active, uint32(c))
				}
			}
			return
		}
		ties := uint32(k) - above // columns with score t to take, highest index first
		for c := len(s.overlaps) - 1; c >= 0; c-- {
			o := s.overlaps[c]
			if o > uint32(t) || (o == uint32(t) && ties > 0) {
				if o == uint32(t) {
					ties--
				}
				s.active = append(s.active, uint32(c))
			}
		}
		slices.Reverse(s.active)
		return
	}
	s.keys = s.keys[:0]
	for c, o := range s.overlaps {
		if o >= stim {
			score := uint64(o) * uint64(s.boost[c])
			s.keys = append(s.keys, score<<32|uint64(c))
		}
	}
	if len(s.keys) > k {
		slices.SortFunc(s.keys, func(a, b uint64) int {
			switch {
			case a > b:
				return -1
			case a < b:
				return 1
			}
			return 0
		})
		s.keys = s.keys[:k]
	}
	for _, key := range s.keys {
		s.active = append(s.active, uint32(key))
	}
	slices.Sort(s.active)
}

func (s *SpatialPooler) adapt() {
	s.full.ClearAll(s.active)
	inc, dec := uint32(s.p.SynPermActiveInc), uint32(s.p.SynPermInactiveDec)
	pmax := uint32(s.p.PermMax())
	if s.p.StimulusThreshold == 0 {
		// No raise rule: adapt, trim and the connected bitset in one
		// pass over the pool.
		trim, conn := uint32(s.p.SynPermTrimThreshold), uint32(s.p.SynPermConnected)
		input := s.input
		if s.dense {
			k := newLaneConsts(inc, dec, pmax, trim, conn)
			for _, c32 := range s.active {
				s.adaptLanes(int(c32), input, &k)
			}
			return
		}
		for _, c32 := range s.active {
			c := int(c32)
			in, perm := s.pool(c)
			perm = perm[:len(in)]
			lo, n := int(s.colLo[c]), int(s.colN[c])
			row := s.connected[c*s.span : c*s.span+n]
			ends := s.runEnd[c*s.span : c*s.span+n]
			words := input[lo : lo+n]
			// Word by word of the column's window: the pool inputs of
			// word k are slots ends[k-1] to ends[k] (they ascend), so the
			// input word is loaded once and each connected word is built
			// in a register and stored once. The input test and the
			// connected bit are selections, not branches (the input bits
			// and the permanences near conn are unpredictable). Words
			// past the window's end stay clear.
			j := 0
			for k, x := range words {
				end := int(ends[k])
				row[k] = adaptRun(in[j:end], perm[j:end], x, inc, dec, pmax, trim, conn-1)
				j = end
			}
		}
		return
	}
	for _, c32 := range s.active {
		c := int(c32)
		in, perm := s.pool(c)
		for j, v := range perm {
			x := uint32(v)
			if s.input.Has(in[j]) {
				x = min(x+inc, pmax)
			} else {
				x -= min(x, dec)
			}
			perm[j] = uint16(x)
		}
		s.raiseToThreshold(c)
		s.trim(c)
		s.updateConnected(c)
	}
}

// adaptRun adapts the permanences of the pool inputs in of one input word
// x (their low 6 bits are their positions in it) without a stimulus
// threshold: up by inc for an active input, saturating at pmax, down by dec
// for an inactive one, saturating at 0, then trimmed to 0 below trim. It
// returns the word's connected bits (permanence > connm1). It is a
// function of its own so that its few values stay in registers.
func adaptRun(in []uint32, perm []uint16, x uint64, inc, dec, pmax, trim, connm1 uint32) uint64 {
	perm = perm[:len(in)]
	var acc uint64
	for j, i := range in {
		m := uint64(1) << (i & 63)
		v := uint32(perm[j])
		up, down := min(v+inc, pmax), v-min(v, dec)
		// Selections, not branches: the input bits and the permanences
		// near the thresholds are unpredictable.
		v = down
		if x&m != 0 {
			v = up
		}
		if v < trim {
			v = 0
		}
		perm[j] = uint16(v)
		// connm1-v wraps to its top bit exactly when v > connm1 (both
		// below 2^16): -(that bit) is all ones for a connected synapse.
		acc |= m & -uint64((connm1-v)>>31)
	}
	return acc
}

// laneOnes has 1 in the low bit of each of a word's four 16-bit lanes;
// laneTop has each lane's top bit.
const (
	laneOnes = 0x0001_0001_0001_0001
	laneTop  = 0x8000_8000_8000_8000
)

// laneMask[n] is all ones in the lanes whose bit is set in nibble n.
var laneMask = func() (m [16]uint64) {
	for n := range m {
		for l := range 4 {
			if n>>l&1 != 0 {
				m[n] |= 0xFFFF << (16 * l)
			}
		}
	}
	return m
}()

// laneConsts are adaptLanes' constants, each repeated in the four lanes of
// a word.
type laneConsts struct {
	inc, dec, pmax, trim, conn uint64
}

func newLaneConsts(inc, dec, pmax, trim, conn uint32) laneConsts {
	return laneConsts{
		inc: uint64(inc) * laneOnes, dec: uint64(dec) * laneOnes,
		pmax: uint64(pmax) * laneOnes,
		trim: uint64(trim) * laneOnes, conn: uint64(conn) * laneOnes,
	}
}

// adaptLanes is adaptRun for column c in dense lanes (no stimulus
// threshold), four permanences a word: each lane goes up by inc,
// saturating at pmax, where its input bit (of x and the pool) is set, down
// by dec otherwise, and is trimmed to 0 below trim; the connected row is
// rebuilt from the lanes at or above conn. Lanes outside the pool are 0
// and stay 0: their input bit is cleared, so they go "down" from 0, and
// are trimmed (or equal 0 with trim 0).
//
// Lane arithmetic (permanences below 2^14, so that no lane carries or
// borrows into the next): a lane's top bit set before a subtraction and
// tested after it compares the lane with the subtrahend. A value v below
// 0 after the decrement (v < dec) is below trim too, or 0 < v for trim 0:
// the trim's comparison against the biased value clears it, so the
// saturation at 0 needs no step of its own.
func (s *SpatialPooler) adaptLanes(c int, input sdr.Bitset, k *laneConsts) {
	lo, n := int(s.colLo[c]), int(s.colN[c])
	words := input[lo : lo+n]
	pool := s.poolBits[c*s.span : c*s.span+n]
	row := s.connected[c*s.span : c*s.span+n]
	lanes := s.lanes[c*s.span*16 : (c*s.span+n)*16]
	for w, x := range words {
		row[w] = adaptLaneWord((*[16]uint64)(lanes[w*16:w*16+16]), x&pool[w], k)
	}
}

// adaptLaneWord adapts the 64 lanes of one input word x (pool bits only)
// and returns their connected bits.
func adaptLaneWord(lanes *[16]uint64, x uint64, k *laneConsts) uint64 {
	inc, dec, pmax, trim, conn := k.inc, k.dec, k.pmax, k.trim, k.conn
	// cs collects the lanes' connected bits, shifted down one place a
	// word: after the last word, bit 16l+q holds lane l of word q, i.e.
	// input 4q+l; transposed to bit 4q+l at the end. Constant shifts
	// only, so that every value stays in a register.
	var cs uint64
	for q := range lanes {
		v := lanes[q]
		xm := laneMask[x&15]
		x >>= 4
		if v|xm == 0 {
			// Four zero permanences of inactive inputs stay zero and
			// unconnected (most lanes of a column that has learned).
			cs >>= 1
			continue
		}
		up := v + inc
		// Lanes with up <= pmax keep up, the others take pmax. A mask of
		// 0x7FFF per lane suffices: every value is below 2^15.
		ok := ((pmax | laneTop) - up) & laneTop
		up = pmax ^ ((up ^ pmax) & (ok - ok>>15))
		// Biased by the top bit: down is v-dec+2^15, below 2^15 when
		// v < dec.
		down := (v | laneTop) - dec
		sel := down ^ ((up | laneTop ^ down) & xm)
		keep := (sel - trim) & laneTop
		v = sel & (keep - keep>>15)
		lanes[q] = v
		cs = cs>>1 | ((v|laneTop)-conn)&laneTop
	}
	return transpose4x16(cs)
}

// transpose4x16 moves bit 16l+q of x to bit 4q+l (l < 4, q < 16): it
// rotates the six bits of a bit's index by two (index bit k takes the
// value of index bit k+4 mod 6), as four swaps of index bits: (0,2) then
// (0,4), (1,3) then (1,5), each a delta swap.
func transpose4x16(x uint64) uint64 {
	// A swap of index bits i < j moves the bits whose index has bit i set
	// and bit j clear (the mask) up by 2^j-2^i, and those 2^j-2^i above
	// them down.
	x = deltaSwap(x, 4-1, 0x0A0A_0A0A_0A0A_0A0A)  // (0,2)
	x = deltaSwap(x, 16-1, 0x0000_AAAA_0000_AAAA) // (0,4)
	x = deltaSwap(x, 8-2, 0x00CC_00CC_00CC_00CC)  // (1,3)
	x = deltaSwap(x, 32-2, 0x0000_0000_CCCC_CCCC) // (1,5)
	return x
}

// deltaSwap exchanges the bits of x in mask with those d above them.
func deltaSwap(x uint64, d uint, mask uint64) uint64 {
	t := (x ^ x>>d) & mask
	return x ^ t ^ t<<d
}

func (s *SpatialPooler) updateDutyCycles() {
	// min(iteration, period) for iteration ≥ 1; a wrapped iteration (0)
	// counts 2^64 steps (SPEC 5.5.2), so period ≥ 1 for every state.
	period := uint32(min(s.iteration-1, uint64(s.p.DutyCyclePeriod)-1)) + 1
	activeBits := s.activeBits
	activeBits.Reset()
	activeBits.SetAll(s.active)
	// x / period by a multiply-high: exact for 32-bit x and period
	// (Lemire, Kaser and Kurz, "Faster remainder by direct computation",
	// 2019); period 1 divides by nothing.
	inv := ^uint64(0)/uint64(period) + 1
	od := s.overlapDuty
	ad, ov := s.activeDuty[:len(od)], s.overlaps[:len(od)]
	if period == 1 { // x / 1
		for c := range od {
			od[c], ad[c] = 0, 0
			if ov[c] > 0 {
				od[c] = DutyOne
			}
			if activeBits.Has(uint32(c)) {
				ad[c] = DutyOne
			}
		}
		return
	}
	pm1 := period - 1
	if period <= dutyDivMax {
		// x / period as (x × ceil(2^47/period)) >> 47: a 64-bit product,
		// where the multiply-high's 128-bit product ties two fixed
		// registers (dutyDiv; TestDutyDiv).
		d := dutyDivisor(period)
		for c := range od {
			var vo uint32
			if ov[c] > 0 {
				vo = DutyOne
			}
			va := uint32(activeBits[c>>6]>>(uint(c)&63)&1) * DutyOne
			od[c] = uint16(dutyDiv(uint32(od[c])*pm1+vo, d))
			ad[c] = uint16(dutyDiv(uint32(ad[c])*pm1+va, d))
		}
		return
	}
	for c := range od {
		var vo uint32
		if ov[c] > 0 {
			vo = DutyOne
		}
		va := uint32(activeBits[c>>6]>>(uint(c)&63)&1) * DutyOne
		q, _ := bits.Mul64(uint64(uint32(od[c])*pm1+vo), inv)
		od[c] = uint16(q)
		q, _ = bits.Mul64(uint64(uint32(ad[c])*pm1+va), inv)
		ad[c] = uint16(q)
	}
}

// dutyDivMax is the largest period dutyDiv divides by: for x < 2^16 ×
// period (a duty cycle times period − 1 plus DutyOne), x × e < 2^47 with
// e = dutyDivisor(period) × period − 2^47 < period needs 2^16 × period ×
// (period − 1) < 2^47, and x × dutyDivisor(period) then stays below 2^64.
const dutyDivMax = 46341

// dutyDivisor returns ceil(2^47 / period), dutyDiv's multiplier.
func dutyDivisor(period uint32) uint64 {
	return (1<<47 + uint64(period) - 1) / uint64(period)
}

// dutyDiv returns x / period for x < 2^16 × period and period ≤
// dutyDivMax, d = dutyDivisor(period) (Lemire, Kaser and Kurz, "Faster
// remainder by direct computation", 2019).
func dutyDiv(x uint32, d uint64) uint32 { return uint32(uint64(x) * d >> 47) }

func (s *SpatialPooler) bumpUpWeakColumns() {
	if s.minOverlap == 0 {
		return
	}
	inc := uint32(s.p.SynPermBelowStimulusInc)
	pmax := uint32(s.p.PermMax())
	if s.dense {
		// Every pool lane goes up by inc: adaptLanes with every input
		// bit set (the pool mask keeps the others at 0), then trim.
		k := newLaneConsts(inc, 0, pmax, uint32(s.p.SynPermTrimThreshold), uint32(s.p.SynPermConnected))
		all := s.allOnes()
		for c, d := range s.overlapDuty {
			if d < s.minOverlap && !s.full.Has(uint32(c)) {
				s.adaptLanes(c, all, &k)
				if s.lanesFull(c, k.pmax) {
					s.full.Set(uint32(c))
				}
			}
		}
		return
	}
	for c, d := range s.overlapDuty {
		if d >= s.minOverlap || s.full.Has(uint32(c)) {
			continue
		}
		_, perm := s.pool(c)
		all := true
		for j, v := range perm {
			v = uint16(min(uint32(v)+inc, pmax))
			perm[j] = v
			all = all && uint32(v) == pmax
		}
		s.trim(c)
		s.updateConnected(c)
		if all {
			s.full.Set(uint32(c))
		}
	}
}

// lanesFull reports whether every pool lane of column c holds pmax (given
// in every lane).
func (s *SpatialPooler) lanesFull(c int, pmax uint64) bool {
	n := int(s.colN[c])
	pool := s.poolBits[c*s.span : c*s.span+n]
	lanes := s.lanes[c*s.span*16 : (c*s.span+n)*16]
	for w, p := range pool {
		for q, v := range lanes[w*16 : w*16+16] {
			if v != pmax&laneMask[p>>(4*q)&15] {
				return false
			}
		}
	}
	return true
}

// allOnes returns an input bitset with every word all ones (scratch).
func (s *SpatialPooler) allOnes() sdr.Bitset {
	if len(s.ones) != s.words {
		s.ones = make(sdr.Bitset, s.words)
		for i := range s.ones {
			s.ones[i] = ^uint64(0)
		}
	}
	return s.ones
}

func (s *SpatialPooler) updateBoostFactors() {
	if s.p.BoostTable == nil {
		return
	}
	for c, d := range s.activeDuty {
		s.boost[c] = s.p.BoostTable[d>>6]
	}
}

func (s *SpatialPooler) updateMinDutyCycle() {
	m := slices.Max(s.overlapDuty)
	s.minOverlap = uint16((uint32(m) * s.p.MinPctOverlapDutyCycles) >> 16)
}

// Params returns the pooler's parameters.
func (s *SpatialPooler) Params() Params { return s.p }

// Overlaps returns the overlaps of the last step, one per column. The slice
// is reused by the next call.
func (s *SpatialPooler) Overlaps() []uint32 { return s.overlaps }
