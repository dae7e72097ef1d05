package anomaly

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRaw(t *testing.T) {
	tests := []struct {
		name              string
		active, predicted []uint32
		want              Score
		want32            float32
		want64            float64
	}{
		{"no active columns", nil, []uint32{1, 2, 3}, Score{0, 0}, 0, 0},
		{"nothing at all", nil, nil, Score{0, 0}, 0, 0},
		{"all predicted", []uint32{2, 5, 9}, []uint32{2, 5, 9}, Score{0, 3}, 0, 0},
		{"predicted superset", []uint32{5, 9}, []uint32{1, 2, 5, 7, 9, 11}, Score{0, 2}, 0, 0},
		{"none predicted", []uint32{1, 3}, []uint32{0, 2, 4}, Score{2, 2}, 1, 1},
		{"no prediction", []uint32{1, 3, 8}, nil, Score{3, 3}, 1, 1},
		{"one of three predicted", []uint32{1, 4, 7}, []uint32{4, 6}, Score{2, 3}, 2.0 / 3.0, 2.0 / 3.0},
		{"one of four unpredicted", []uint32{0, 10, 20, 30}, []uint32{0, 10, 25, 30}, Score{1, 4}, 0.25, 0.25},
		{"overlap at the ends", []uint32{0, 5, 100}, []uint32{0, 50, 100}, Score{1, 3}, 1.0 / 3.0, 1.0 / 3.0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Raw(tc.active, tc.predicted)
			assert.Equal(t, tc.want, s)
			assert.Equal(t, tc.want32, s.Float32())
			assert.Equal(t, tc.want64, s.Float64())
		})
	}
}

// TestScoreFloat32Rounding checks that Float32 converts both counts to
// float32 before dividing, as htm.core's
// (active - overlap) / static_cast<Real>(active) does: counts above 2^24
// round on conversion.
func TestScoreFloat32Rounding(t *testing.T) {
	tests := []struct {
		s    Score
		want float32
	}{
		{Score{1, 40}, float32(1) / float32(40)},
		{Score{3, 40}, float32(3) / float32(40)},
		{Score{7, 2048}, float32(7) / float32(2048)},
		{Score{1 << 25, 1<<25 + 1}, 1}, // both round to 2^25 in float32
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.s.Float32(), "%v", tc.s)
	}
	// 1<<25 / (1<<25 + 1) is below 1 in float64.
	assert.Less(t, Score{1 << 25, 1<<25 + 1}.Float64(), 1.0)
	assert.Equal(t, 0.075, Score{3, 40}.Float64())
}
