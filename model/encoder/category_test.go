package encoder

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCategoryEncode(t *testing.T) {
	c, err := NewCategory(4, 3)
	require.NoError(t, err)
	require.Equal(t, 12, c.Size())
	assert.Equal(t, 4, c.N())
	assert.Equal(t, 3, c.ActiveBits())
	tests := []struct {
		k       int
		want    []uint32
		wantErr string
	}{
		{0, []uint32{0, 1, 2}, ""},
		{1, []uint32{3, 4, 5}, ""},
		{3, []uint32{9, 10, 11}, ""},
		{4, nil, "encoder: category: category 4 outside [0, 4)"},
		{-1, nil, "encoder: category: category -1 outside [0, 4)"},
	}
	for _, tt := range tests {
		got, err := c.Encode(tt.k, []uint32{99})
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr, "k=%d", tt.k)
			assert.Empty(t, got, "k=%d", tt.k)
			continue
		}
		require.NoError(t, err, "k=%d", tt.k)
		assert.Equal(t, tt.want, got, "k=%d", tt.k)
	}
}

func TestNewCategoryErrors(t *testing.T) {
	tests := []struct {
		n, activeBits int
		want          string
	}{
		{0, 3, "encoder: category: n 0 must be at least 1"},
		{3, 0, "encoder: category: activeBits 0 must be at least 1"},
		{1 << 20, 1 << 13, "encoder: category: size 1048576×8192 exceeds 4294967295 bits"},
	}
	for _, tt := range tests {
		c, err := NewCategory(tt.n, tt.activeBits)
		assert.Nil(t, c)
		assert.EqualError(t, err, tt.want)
	}
}
