// Package nupic is NuPIC's pseudo-random generator, nupic.core's
// nupic::Random (src/nupic/utils/Random.cpp and Random.hpp), draw for draw:
// the generator that NuPIC's RandomDistributedScalarEncoder and its
// backtracking temporal memory (Cells4) draw from. Its definition is
// docs/SPEC.md, section 3.1; this package is that text in Go.
//
// The generator is the additive lagged Fibonacci generator of BSD's
// random(): 31 words of state, two pointers three words apart, each draw
// the sum of two state words modulo 2^32 − 1, its lowest bit dropped.
package nupic

import (
	"errors"
	"fmt"
)

const (
	stateSize = 31
	sep       = 3
	max32     = 0xFFFFFFFF // nupic::Random::MAX32
)

// Random is nupic::Random. The zero value is not valid: use New.
type Random struct {
	seed       uint64
	state      [stateSize]uint32
	fptr, rptr int
}

// New returns the generator nupic::Random(seed) makes. Seed 0, which
// NuPIC replaces with a seed from the clock, is refused, so that every
// run is reproducible.
func New(seed uint64) (*Random, error) {
	if seed == 0 {
		return nil, errors.New("nupic: seed 0 draws a seed from the clock in NuPIC; give a non-zero seed")
	}
	r := &Random{seed: seed}
	r.state[0] = uint32(seed % max32)
	for i := 1; i < stateSize; i++ {
		// state[i] = 16807·state[i−1] mod (2^31 − 1), in nupic.core's
		// 32-bit signed arithmetic (Schrage's method).
		quot := int32(r.state[i-1] / 127773)
		rem := int32(r.state[i-1] % 127773)
		test := 16807*rem - 2836*quot
		if test < 0 {
			test += 2147483647
		}
		r.state[i] = uint32(test) % max32
	}
	r.fptr, r.rptr = sep, 0
	for range 10 * stateSize {
		r.next()
	}
	return r, nil
}

// Seed returns the seed the generator was made with.
func (r *Random) Seed() uint64 { return r.seed }

// next is RandomImpl::getUInt32: one raw 31-bit draw.
func (r *Random) next() uint32 {
	r.state[r.fptr] = uint32((uint64(r.state[r.fptr]) + uint64(r.state[r.rptr])) % max32)
	v := (r.state[r.fptr] >> 1) & 0x7FFFFFFF
	r.fptr++
	if r.fptr >= stateSize {
		r.fptr = 0
		r.rptr++
	} else {
		r.rptr++
		if r.rptr >= stateSize {
			r.rptr = 0
		}
	}
	return v
}

// Uint32 is Random::getUInt32(max): a draw in [0, max), by rejection of
// the raw draws above MAX32 − (MAX32 mod max) (which a 31-bit raw draw
// never is for max < 2^31), then the remainder. max must be positive.
func (r *Random) Uint32(max uint32) uint32 {
	if max == 0 {
		panic("nupic: Uint32(0)")
	}
	smax := uint32(max32) - uint32(max32)%max
	for {
		if s := r.next(); s <= smax {
			return s % max
		}
	}
}

// Uint64 is Random::getUInt64() with its default bound MAX64: two raw draws,
// the first the low word.
func (r *Random) Uint64() uint64 {
	lo := uint64(r.next())
	hi := uint64(r.next())
	return lo | hi<<32 // below 2^63, so never rejected and never reduced
}

// Shuffle is Random::shuffle: for i from the first element, swap element i
// with element i + Uint32(len − i). One draw per element.
func Shuffle[T any](r *Random, a []T) {
	for i := range a {
		j := i + int(r.Uint32(uint32(len(a)-i)))
		a[i], a[j] = a[j], a[i]
	}
}

// State is the generator's whole state, as nupic.core serialises it.
type State struct {
	Seed       uint64
	Words      [stateSize]uint32
	Fptr, Rptr int
}

// State returns the generator's state.
func (r *Random) State() State {
	return State{Seed: r.seed, Words: r.state, Fptr: r.fptr, Rptr: r.rptr}
}

// FromState returns a generator in state s, after checking that its
// pointers are ones the generator can reach: three words apart, modulo 31.
func FromState(s State) (*Random, error) {
	if s.Fptr < 0 || s.Fptr >= stateSize || s.Rptr < 0 || s.Rptr >= stateSize || (s.Fptr-s.Rptr+stateSize)%stateSize != sep {
		return nil, fmt.Errorf("nupic: generator pointers %d and %d are not %d words apart in [0, %d)", s.Fptr, s.Rptr, sep, stateSize)
	}
	if s.Seed == 0 {
		return nil, errors.New("nupic: generator seed 0")
	}
	return &Random{seed: s.Seed, state: s.Words, fptr: s.Fptr, rptr: s.Rptr}, nil
}
