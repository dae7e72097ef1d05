package htmcore

// Neighborhood returns, in htm.core's iteration order, the indices of the
// points within radius of center in a space of the given dimensions (the
// hypercube of side 2·radius+1 around center), as a range-for over
// htm.core's Neighborhood (src/htm/utils/Topology.cpp) yields them:
//
//   - offsets run from −radius upwards, the last dimension fastest;
//   - with wrap, coordinates wrap around, and an offset stops early, at
//     dimension−1−radius, so that no point is visited twice when the
//     hypercube is wider than the space;
//   - without wrap, offsets are clipped to the space;
//   - with skipCenter, center itself is left out. (When center is the last
//     point visited, htm.core's iterator yields the first point once more
//     instead; this function does the same.)
func Neighborhood(center, radius uint32, dims []uint32, wrap, skipCenter bool) []uint32 {
	n := len(dims)
	pos := coordinatesFromIndex(center, dims)
	r := int64(radius)
	offset := make([]int64, n)
	for i := range offset {
		offset[i] = -r
		if !wrap {
			offset[i] = max(offset[i], -int64(pos[i]))
		}
	}
	point := func() uint32 {
		var index uint32
		for i := 0; i < n; i++ {
			c := int64(pos[i]) + offset[i]
			d := int64(dims[i])
			if wrap {
				for c < 0 {
					c += d
				}
				for c >= d {
					c -= d
				}
			}
			index = index*dims[i] + uint32(c)
		}
		return index
	}
	finished := false
	advance := func() {
		overflowed := true
		for i := n - 1; i >= 0; i-- {
			offset[i]++
			if !wrap {
				overflowed = offset[i] > r || int64(pos[i])+offset[i] >= int64(dims[i])
			} else {
				overflowed = offset[i] > r || offset[i]+r >= int64(dims[i])
			}
			if !overflowed {
				break
			}
			if !wrap {
				offset[i] = max(-r, -int64(pos[i]))
			} else {
				offset[i] = -r
			}
		}
		if overflowed {
			finished = true
		}
	}
	var out []uint32
	for !finished {
		idx := point()
		for skips := 0; skipCenter && idx == center; skips++ {
			if skips > 1 {
				return out // only center itself: htm.core recurses forever
			}
			advance()
			idx = point()
		}
		out = append(out, idx)
		advance()
	}
	return out
}

// coordinatesFromIndex converts a flat row-major index to coordinates.
func coordinatesFromIndex(index uint32, dims []uint32) []uint32 {
	c := make([]uint32, len(dims))
	for i := len(dims) - 1; i > 0; i-- {
		c[i] = index % dims[i]
		index /= dims[i]
	}
	c[0] = index
	return c
}
