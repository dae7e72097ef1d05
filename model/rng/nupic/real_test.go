package nupic

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values are nupic.core's own (src/test/unit/utils/RandomTest.cpp):
// getReal64 (compared there with ASSERT_FLOAT_EQ; here exactly, to the
// digits the test prints) and Sampling.
func TestFloat64MatchesNuPIC(t *testing.T) {
	for _, tt := range []struct {
		seed uint64
		want [2]float64
	}{
		{1, [2]float64{0.40250281741114691, 0.29331049250469476}},
		{2, [2]float64{0.40256278127972323, 0.6186683429386548}},
		{7464235991977222558, [2]float64{0.94890447597450844, 0.23239565201722456}},
	} {
		r, err := New(tt.seed)
		require.NoError(t, err)
		for i, w := range tt.want {
			assert.InDelta(t, w, r.Float64(), 1e-16, "seed %d, draw %d", tt.seed, i)
		}
	}
}

func TestSampleMatchesNuPIC(t *testing.T) {
	r, err := New(42)
	require.NoError(t, err)
	pop := []uint32{1, 2, 3, 4}
	two := make([]uint32, 2)
	Sample(r, pop, two)
	assert.Equal(t, []uint32{1, 3}, two)
	four := make([]uint32, 4)
	Sample(r, pop, four)
	assert.Equal(t, []uint32{1, 2, 3, 4}, four)
	assert.Panics(t, func() { Sample(r, pop, make([]uint32, 5)) })
}

func TestUint64nBounds(t *testing.T) {
	r, err := New(7)
	require.NoError(t, err)
	for _, max := range []uint64{1, 2, 3, 1 << 48, 1<<63 + 5} {
		for range 100 {
			assert.Less(t, r.Uint64n(max), max)
		}
	}
}
