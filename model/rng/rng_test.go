package rng

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first draws of seed 1, worked by hand from the definitions in
// docs/SPEC.md: fmix32(1) = 0x514E28B7, then three xorshift rounds.
func TestSequenceSeed1(t *testing.T) {
	assert.Equal(t, uint32(0x514E28B7), Seed(1))
	x := uint32(0x514E28B7)
	g := New(1)
	for i := 0; i < 3; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		assert.Equal(t, x, g.Next(), "draw %d", i)
	}
}

func TestKnownValues(t *testing.T) {
	// Pinned so that a change to the generator cannot pass unnoticed.
	g := New(42)
	got := []uint32{g.Next(), g.Next(), g.Next(), g.Next()}
	assert.Equal(t, knownSeed42, got)
}

func TestSeedZeroIsUsable(t *testing.T) {
	// fmix32(0) = 0, so the replacement state is used.
	assert.Equal(t, uint32(zeroReplacement), Seed(0))
	g := New(0)
	assert.NotZero(t, g.Next())
}

func TestBelow(t *testing.T) {
	tests := []struct {
		draw uint32
		n    uint32
		want uint32
	}{
		{0, 10, 0},
		{0xFFFFFFFF, 10, 9},
		{0x80000000, 10, 5},
		{0x80000000, 3, 1},
		{0x55555555, 3, 0},
		{0x55555556, 3, 1},
		{0x12345678, 0, 0},
		{0xFFFFFFFF, 1, 0},
	}
	for _, tc := range tests {
		g := &Generator{}
		// Find the state whose successor is tc.draw: xorshift is a bijection,
		// so invert it step by step.
		g.state = inverse(tc.draw)
		require.Equal(t, tc.draw, (&Generator{state: g.state}).Next())
		assert.Equal(t, tc.want, g.Below(tc.n), "draw %#x n %d", tc.draw, tc.n)
	}
}

func TestBelowIsUniformEnough(t *testing.T) {
	g := New(7)
	const n, draws = 7, 70000
	var counts [n]int
	for i := 0; i < draws; i++ {
		counts[g.Below(n)]++
	}
	for v, c := range counts {
		assert.InDelta(t, draws/n, c, 400, "value %d", v)
	}
}

func TestStateRoundTrip(t *testing.T) {
	g := New(99)
	g.Next()
	s := g.State()
	a := []uint32{g.Next(), g.Next()}
	h := New(1)
	h.SetState(s)
	assert.Equal(t, a, []uint32{h.Next(), h.Next()})
	h.SetState(0)
	assert.Equal(t, uint32(zeroReplacement), h.State())
}

// inverse returns the state x with next(x) == y.
func inverse(y uint32) uint32 {
	// undo x ^= x << 5
	x := y
	for i := 0; i < 7; i++ {
		x = y ^ (x << 5)
	}
	// undo x ^= x >> 17
	x = x ^ (x >> 17)
	// undo x ^= x << 13
	y2 := x
	for i := 0; i < 3; i++ {
		x = y2 ^ (x << 13)
	}
	return x
}

var knownSeed42 = []uint32{0xcb528376, 0xfcbdd3e8, 0x9edee188, 0x1f17df1f}
