package sdr

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBitsetRoundTrip(t *testing.T) {
	idx := []uint32{0, 1, 63, 64, 65, 127, 128, 199}
	b := FromIndices(200, idx)
	assert.Len(t, b, 4)
	assert.Equal(t, len(idx), b.Count())
	assert.Equal(t, idx, b.Indices(nil))
	assert.True(t, b.Has(64))
	assert.False(t, b.Has(62))
	b.Clear(64)
	assert.False(t, b.Has(64))
	b.ClearAll(idx)
	assert.Zero(t, b.Count())
}

func TestAndCount(t *testing.T) {
	a := FromIndices(130, []uint32{1, 2, 3, 70, 129})
	b := FromIndices(130, []uint32{2, 3, 4, 129})
	assert.Equal(t, 3, a.AndCount(b))
	assert.Equal(t, 3, Overlap([]uint32{1, 2, 3, 70, 129}, []uint32{2, 3, 4, 129}))
	assert.Equal(t, 0, Overlap(nil, []uint32{1}))
}

func TestValidate(t *testing.T) {
	tests := []struct {
		idx []uint32
		n   int
		ok  bool
	}{
		{nil, 0, true},
		{[]uint32{0, 5, 9}, 10, true},
		{[]uint32{0, 10}, 10, false},
		{[]uint32{3, 3}, 10, false},
		{[]uint32{4, 3}, 10, false},
	}
	for _, tc := range tests {
		err := Validate(tc.idx, tc.n)
		if tc.ok {
			assert.NoError(t, err, "%v", tc.idx)
		} else {
			assert.Error(t, err, "%v", tc.idx)
		}
	}
}

func TestDifference(t *testing.T) {
	a, b := Difference([]uint32{1, 2, 5, 9}, []uint32{2, 3, 9, 10})
	assert.Equal(t, []uint32{1, 5}, a)
	assert.Equal(t, []uint32{3, 10}, b)
	a, b = Difference(nil, nil)
	assert.Empty(t, a)
	assert.Empty(t, b)
}
