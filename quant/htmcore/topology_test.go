package htmcore

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNeighborhood(t *testing.T) {
	d := []uint32{10}
	// Wrap: from center−r upwards, modulo the dimension.
	require.Equal(t, []uint32{8, 9, 0, 1, 2}, Neighborhood(0, 2, d, true, false))
	require.Equal(t, []uint32{8, 9, 1, 2}, Neighborhood(0, 2, d, true, true))
	// No wrap: clipped.
	require.Equal(t, []uint32{0, 1, 2}, Neighborhood(0, 2, d, false, false))
	require.Equal(t, []uint32{7, 8, 9}, Neighborhood(9, 2, d, false, false))
	require.Equal(t, []uint32{3, 4, 5, 6, 7}, Neighborhood(5, 2, d, false, false))
	// A radius of at least the dimension with wrap: every point once,
	// starting at center−r.
	require.Equal(t, []uint32{3, 4, 5, 6, 7, 8, 9, 0, 1, 2}, Neighborhood(3, 10, d, true, false))
	require.Equal(t, []uint32{7, 8, 9, 0, 1, 2, 3, 4, 5, 6}, Neighborhood(3, 6, d, true, false))
	// Radius 0.
	require.Equal(t, []uint32{4}, Neighborhood(4, 0, d, true, false))
	require.Equal(t, []uint32{4}, Neighborhood(4, 0, d, false, false))
	// htm.core's quirk: skipping a center that is the last point yields
	// the first point again.
	require.Equal(t, []uint32{3, 4, 3}, Neighborhood(5, 2, []uint32{6}, false, true))
	// 2-D, last dimension fastest.
	require.Equal(t, []uint32{0, 1, 3, 4}, Neighborhood(0, 1, []uint32{3, 3}, false, false))
	require.Equal(t, []uint32{8, 6, 7, 2, 0, 1, 5, 3, 4}, Neighborhood(0, 1, []uint32{3, 3}, true, false))
}
