// Package rng is the pseudo-random generator of the htmhw golden model.
//
// The generator is Marsaglia's 32-bit xorshift with the shift triple
// (13, 17, 5): one 32-bit register, three shifts and three XORs per draw,
// which is the cheapest generator a circuit can hold. Its exact definition,
// seeding and the rule that maps a draw to a bounded integer are given in
// docs/SPEC.md, section "The pseudo-random generator"; this package is that
// text in Go.
package rng

// Generator is a xorshift32 generator. The zero value is not valid: use New.
type Generator struct {
	state uint32
}

// zeroReplacement is the state used when seeding would give zero, the one
// state from which xorshift never leaves.
const zeroReplacement = 0x6D2B79F5

// Seed maps a 32-bit seed to a generator state: the MurmurHash3 32-bit
// finaliser (fmix32) of the seed, or 0x6D2B79F5 where that is zero.
func Seed(seed uint32) uint32 {
	h := seed
	h ^= h >> 16
	h *= 0x85EBCA6B
	h ^= h >> 13
	h *= 0xC2B2AE35
	h ^= h >> 16
	if h == 0 {
		h = zeroReplacement
	}
	return h
}

// New returns a generator seeded with seed.
func New(seed uint32) *Generator {
	return &Generator{state: Seed(seed)}
}

// Step returns the state after x: one xorshift step (Next is Step of the
// generator's state). A hot loop can keep the state in a local variable
// with it, and hand it back with SetState.
func Step(x uint32) uint32 {
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	return x
}

// Scale maps a draw x to [0, n): the high 32 bits of the 64-bit product of
// x and n (Below is Scale of the next draw).
func Scale(x, n uint32) uint32 {
	return uint32((uint64(x) * uint64(n)) >> 32)
}

// Next advances the generator and returns the new 32-bit state.
func (g *Generator) Next() uint32 {
	g.state = Step(g.state)
	return g.state
}

// Below draws once and returns an integer in [0, n): the high 32 bits of
// the 64-bit product of the draw and n. Below(0) draws and returns 0.
func (g *Generator) Below(n uint32) uint32 {
	return Scale(g.Next(), n)
}

// State returns the generator's 32-bit state, for snapshots.
func (g *Generator) State() uint32 { return g.state }

// SetState restores a state returned by State. A zero state is replaced as
// in Seed, since xorshift cannot leave it.
func (g *Generator) SetState(s uint32) {
	if s == 0 {
		s = zeroReplacement
	}
	g.state = s
}
