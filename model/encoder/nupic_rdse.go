package encoder

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/htmhw/htmhw/model/rng/nupic"
)

// NuPIC's RandomDistributedScalarEncoder constants
// (nupic/encoders/random_distributed_scalar.py).
const (
	NuPICMaxBuckets = 1000 // INITIAL_BUCKETS: the bucket map's index range
	NuPICMaxOverlap = 2    // _maxOverlap: bits two distant buckets may share
	// NuPICMaxTries bounds the draws for one new bucket's new bit; NuPIC
	// draws until it finds one (docs/SPEC.md, section 4.1).
	NuPICMaxTries = 1 << 20
)

// NuPICRDSEParams configures a NuPICRDSE, in NuPIC's names.
type NuPICRDSEParams struct {
	N          int     // bits in the output (NuPIC's n), more than 6·W
	W          int     // active bits (NuPIC's w), odd
	Resolution float64 // width of a bucket, positive (a Python float: no float32 rounding)
	Seed       uint64  // the seed of the encoder's nupic::Random, non-zero
}

// NuPICRDSE is NuPIC's RandomDistributedScalarEncoder, draw for draw
// (docs/SPEC.md, section 4.1): buckets of Resolution around the first
// value encoded (the offset), each bucket W bits of N, a bucket and its
// neighbour sharing W − 1 bits, buckets W or more apart at most
// NuPICMaxOverlap bits. The bucket map is grown on demand, from the middle
// bucket outwards, with draws from NuPIC's generator; so, unlike the other
// encoders of this package, a NuPICRDSE has state: Encode changes it, it is
// not safe for concurrent use, and two encoders given the same values in
// the same order encode them alike.
type NuPICRDSE struct {
	p                  NuPICRDSEParams
	rnd                *nupic.Random
	hasOffset          bool
	offset             float64
	minIndex, maxIndex int
	buckets            [NuPICMaxBuckets][]uint32 // nil outside [minIndex, maxIndex]
	mark               []bool                    // scratch: the candidate's bits
}

func (p NuPICRDSEParams) validate() error {
	if p.W <= 0 || p.W%2 == 0 {
		return fmt.Errorf("encoder: nupic rdse: w (activeBits) %d must be an odd positive integer", p.W)
	}
	if p.N <= 6*p.W || p.N > math.MaxUint32 {
		return fmt.Errorf("encoder: nupic rdse: n (size) %d must be more than 6·w = %d", p.N, 6*p.W)
	}
	if !(p.Resolution > 0) || math.IsInf(p.Resolution, 0) {
		return fmt.Errorf("encoder: nupic rdse: resolution %g must be positive and finite", p.Resolution)
	}
	if p.Seed == 0 {
		return errors.New("encoder: nupic rdse: seed 0 must be nonzero (NuPIC would seed from the clock)")
	}
	return nil
}

// NewNuPICRDSE returns the encoder NuPIC's constructor makes: the middle
// bucket is the first W entries of a NuPIC shuffle of 0 .. N−1.
func NewNuPICRDSE(p NuPICRDSEParams) (*NuPICRDSE, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	rnd, err := nupic.New(p.Seed)
	if err != nil {
		return nil, fmt.Errorf("encoder: nupic rdse: %w", err)
	}
	e := &NuPICRDSE{p: p, rnd: rnd, minIndex: NuPICMaxBuckets / 2, maxIndex: NuPICMaxBuckets / 2, mark: make([]bool, p.N)}
	perm := make([]uint32, p.N)
	for i := range perm {
		perm[i] = uint32(i)
	}
	nupic.Shuffle(rnd, perm)
	e.buckets[NuPICMaxBuckets/2] = slices.Clip(perm[:p.W:p.W])
	return e, nil
}

// Params returns the encoder's parameters.
func (e *NuPICRDSE) Params() NuPICRDSEParams { return e.p }

// Size returns N.
func (e *NuPICRDSE) Size() int { return e.p.N }

// BucketIndex returns the bucket of x NuPIC's getBucketIndices gives, taking
// x as the offset when none is set yet (without setting it): 500 +
// round(((x − offset)/resolution), half away from zero as Python 2 rounds,
// clipped to [0, 999].
func (e *NuPICRDSE) BucketIndex(x float64) (int, error) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("encoder: nupic rdse: cannot encode %g", x)
	}
	off := x
	if e.hasOffset {
		off = e.offset
	}
	r := math.Round((x - off) / e.p.Resolution)
	switch {
	case math.IsNaN(r) || math.IsInf(r, 0): // NuPIC: int(round(inf)) raises OverflowError
		return 0, fmt.Errorf("encoder: nupic rdse: %g is too far from the offset %g at resolution %g", x, off, e.p.Resolution)
	case r < -NuPICMaxBuckets/2:
		return 0, nil
	case r > NuPICMaxBuckets/2-1:
		return NuPICMaxBuckets - 1, nil
	}
	return NuPICMaxBuckets/2 + int(r), nil
}

// Encode returns the bits of x, ascending, in dst[:0]: the first call sets
// the offset to x, and any bucket between the map's range and x's is made.
// NaN and ±Inf are errors (NuPIC encodes NaN as no bits), and an error
// changes nothing.
func (e *NuPICRDSE) Encode(x float64, dst []uint32) ([]uint32, error) {
	idx, err := e.BucketIndex(x)
	if err != nil {
		return dst[:0], err
	}
	if err := e.grow(idx); err != nil {
		return dst[:0], err
	}
	if !e.hasOffset {
		e.hasOffset, e.offset = true, x
	}
	dst = append(dst[:0], e.buckets[idx]...)
	slices.Sort(dst)
	return dst, nil
}

// Bucket returns the bits of bucket i in NuPIC's order (position k is the
// bit that buckets k mod W apart replace), or nil if it is not made yet.
func (e *NuPICRDSE) Bucket(i int) []uint32 {
	if i < 0 || i >= NuPICMaxBuckets {
		return nil
	}
	return e.buckets[i]
}

// Range returns the lowest and highest bucket made so far.
func (e *NuPICRDSE) Range() (lo, hi int) { return e.minIndex, e.maxIndex }

// grow makes the buckets up to idx (NuPIC's _createBucket recursion: one
// at a time from the nearest end of the map outwards). On an error the map
// and the generator are as they were.
func (e *NuPICRDSE) grow(idx int) error {
	if idx >= e.minIndex && idx <= e.maxIndex {
		return nil
	}
	saved, lo, hi := e.rnd.State(), e.minIndex, e.maxIndex
	for idx < e.minIndex || idx > e.maxIndex {
		from, to := e.maxIndex, e.maxIndex+1
		if idx < e.minIndex {
			from, to = e.minIndex, e.minIndex-1
		}
		rep, err := e.newRepresentation(from, to)
		if err != nil {
			for i := e.minIndex; i <= e.maxIndex; i++ {
				if i < lo || i > hi {
					e.buckets[i] = nil
				}
			}
			e.minIndex, e.maxIndex = lo, hi
			e.rnd, _ = nupic.FromState(saved)
			return err
		}
		e.buckets[to] = rep
		e.minIndex, e.maxIndex = min(e.minIndex, to), max(e.maxIndex, to)
	}
	return nil
}

// newRepresentation is NuPIC's _newRepresentation: bucket `from`'s bits
// with the one at position to mod W replaced by a drawn bit that is not
// among from's and that keeps every overlap rule.
func (e *NuPICRDSE) newRepresentation(from, to int) ([]uint32, error) {
	rep := slices.Clone(e.buckets[from])
	ri := to % e.p.W
	for range NuPICMaxTries {
		bit := e.rnd.Uint32(uint32(e.p.N))
		rep[ri] = bit
		if !slices.Contains(e.buckets[from], bit) && e.representationOK(rep, to) {
			return rep, nil
		}
	}
	return nil, fmt.Errorf("encoder: nupic rdse: no bit for bucket %d in %d draws", to, NuPICMaxTries)
}

// representationOK is NuPIC's _newRepresentationOK: the candidate's overlap
// with every bucket of the map, computed as a running count from minIndex
// upwards (neighbours differ in one position), obeys overlapOK.
func (e *NuPICRDSE) representationOK(rep []uint32, to int) bool {
	for _, b := range rep {
		e.mark[b] = true
	}
	defer func() {
		for _, b := range rep {
			e.mark[b] = false
		}
	}()
	o := 0
	for _, b := range e.buckets[e.minIndex] {
		if e.mark[b] {
			o++
		}
	}
	if !e.overlapOK(e.minIndex, to, o) {
		return false
	}
	mid := NuPICMaxBuckets / 2
	for i := e.minIndex + 1; i <= e.maxIndex; i++ {
		pos := i % e.p.W
		if i <= mid {
			pos = (i - 1) % e.p.W
		}
		if e.mark[e.buckets[i-1][pos]] {
			o--
		}
		if e.mark[e.buckets[i][pos]] {
			o++
		}
		if !e.overlapOK(i, to, o) {
			return false
		}
	}
	return true
}

// overlapOK is NuPIC's _overlapOK: buckets fewer than W apart share exactly
// W − |i − j| bits, others at most NuPICMaxOverlap.
func (e *NuPICRDSE) overlapOK(i, j, overlap int) bool {
	d := i - j
	if d < 0 {
		d = -d
	}
	if d < e.p.W {
		return overlap == e.p.W-d
	}
	return overlap <= NuPICMaxOverlap
}

// NuPICRDSEState is a NuPICRDSE's state beyond its parameters.
type NuPICRDSEState struct {
	HasOffset          bool
	Offset             float64
	MinIndex, MaxIndex int
	Random             nupic.State
	Buckets            [][]uint32 // buckets MinIndex .. MaxIndex, each in NuPIC's order
}

// State returns a copy of the encoder's state.
func (e *NuPICRDSE) State() NuPICRDSEState {
	s := NuPICRDSEState{HasOffset: e.hasOffset, Offset: e.offset, MinIndex: e.minIndex, MaxIndex: e.maxIndex, Random: e.rnd.State()}
	for i := e.minIndex; i <= e.maxIndex; i++ {
		s.Buckets = append(s.Buckets, slices.Clone(e.buckets[i]))
	}
	return s
}

// LoadNuPICRDSE returns an encoder of parameters p in state s, after
// checking what the encoder itself keeps true: the range holds the middle
// bucket, each bucket has W distinct bits below N, and neighbours differ
// in exactly the position NuPIC replaces. (Overlaps of distant buckets are
// not rechecked: they hold for any map grown by Encode.)
func LoadNuPICRDSE(p NuPICRDSEParams, s NuPICRDSEState) (*NuPICRDSE, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	mid := NuPICMaxBuckets / 2
	if s.MinIndex < 0 || s.MinIndex > mid || s.MaxIndex < mid || s.MaxIndex >= NuPICMaxBuckets || len(s.Buckets) != s.MaxIndex-s.MinIndex+1 {
		return nil, fmt.Errorf("encoder: nupic rdse: bucket range [%d, %d] with %d buckets", s.MinIndex, s.MaxIndex, len(s.Buckets))
	}
	if math.IsNaN(s.Offset) || math.IsInf(s.Offset, 0) || (!s.HasOffset && (s.Offset != 0 || s.MinIndex != mid || s.MaxIndex != mid)) {
		return nil, fmt.Errorf("encoder: nupic rdse: offset %g (set %v) with buckets [%d, %d]", s.Offset, s.HasOffset, s.MinIndex, s.MaxIndex)
	}
	rnd, err := nupic.FromState(s.Random)
	if err != nil {
		return nil, fmt.Errorf("encoder: nupic rdse: %w", err)
	}
	e := &NuPICRDSE{p: p, rnd: rnd, hasOffset: s.HasOffset, offset: s.Offset, minIndex: s.MinIndex, maxIndex: s.MaxIndex, mark: make([]bool, p.N)}
	for k, b := range s.Buckets {
		i := s.MinIndex + k
		if len(b) != p.W {
			return nil, fmt.Errorf("encoder: nupic rdse: bucket %d has %d bits, want %d", i, len(b), p.W)
		}
		for j, v := range b {
			if v >= uint32(p.N) || e.mark[v] {
				for _, u := range b[:j] {
					e.mark[u] = false
				}
				return nil, fmt.Errorf("encoder: nupic rdse: bucket %d: bit %d repeated or not below %d", i, v, p.N)
			}
			e.mark[v] = true
		}
		for _, v := range b {
			e.mark[v] = false
		}
		e.buckets[i] = slices.Clone(b)
	}
	for i := s.MinIndex + 1; i <= s.MaxIndex; i++ {
		pos := i % p.W
		if i <= mid {
			pos = (i - 1) % p.W
		}
		for k := range p.W {
			if (e.buckets[i][k] != e.buckets[i-1][k]) != (k == pos) {
				return nil, fmt.Errorf("encoder: nupic rdse: buckets %d and %d differ elsewhere than in position %d", i-1, i, pos)
			}
		}
	}
	return e, nil
}
