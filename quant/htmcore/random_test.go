package htmcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The C++ standard requires the 10000th output of a default-constructed
// std::mt19937 (seed 5489) to be 4123659995.
func TestMT19937(t *testing.T) {
	r := NewRandom(5489)
	var v uint32
	for i := 0; i < 10000; i++ {
		v = r.next()
	}
	require.Equal(t, uint32(4123659995), v)

	// First outputs for seed 5489 (published reference values).
	r = NewRandom(5489)
	require.Equal(t, []uint32{3499211612, 581869302, 3890346734, 3586334585, 545404204},
		[]uint32{r.next(), r.next(), r.next(), r.next(), r.next()})
}

func TestRandomDefinitions(t *testing.T) {
	a, b := NewRandom(42), NewRandom(42)
	for i := 0; i < 100; i++ {
		x := b.next()
		require.Equal(t, x%7, a.GetUInt32(7))
	}
	x := b.next()
	require.Equal(t, float64(x)/4294967295.0, a.GetReal64())
	require.Equal(t, uint64(101), a.Steps())

	// realRange: span in float32, product in double, sum in float32.
	x = b.next()
	want := float32(0.1) + float32(float64(float32(1)-float32(0.1))*(float64(x)/4294967295.0))
	require.Equal(t, want, a.RealRange(0.1, 1))
}

// Shuffle is htm.core's Fisher–Yates from the back: swap s[i] with
// s[gen() % (i+1)] for i = n-1 … 1.
func TestShuffleAndSample(t *testing.T) {
	a, b := NewRandom(7), NewRandom(7)
	s := []int{0, 1, 2, 3, 4, 5}
	Shuffle(a, s)
	want := []int{0, 1, 2, 3, 4, 5}
	for i := len(want) - 1; i > 0; i-- {
		j := b.next() % uint32(i+1)
		want[i], want[j] = want[j], want[i]
	}
	require.Equal(t, want, s)
	require.Equal(t, uint64(5), a.Steps())

	// sample: a shuffled copy, cut; n == 0 draws nothing.
	a, b = NewRandom(9), NewRandom(9)
	pop := []uint32{10, 11, 12, 13, 14}
	got := Sample(a, pop, 3)
	cp := append([]uint32(nil), pop...)
	Shuffle(b, cp)
	require.Equal(t, cp[:3], got)
	require.Equal(t, []uint32{10, 11, 12, 13, 14}, pop, "population untouched")
	require.Empty(t, Sample(a, pop, 0))
	require.Equal(t, uint64(4), a.Steps())
	require.Panics(t, func() { Sample(a, pop, 6) })
}
