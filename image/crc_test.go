package image

import (
	"hash/crc32"
	"testing"
)

// TestUpdateCRC checks that UpdateCRC is the CRC-32 of Section.Bytes for
// every word size, whole or continued at any split, across its buffer's
// boundary.
func TestUpdateCRC(t *testing.T) {
	for _, tc := range []struct {
		width, depth int
	}{
		{1, 0}, {1, 1}, {8, 7}, {9, 513}, {16, 2048}, {17, 2049}, {32, 1025}, {33, 600}, {64, 513},
	} {
		s := Section{Width: tc.width, Words: make([]uint64, tc.depth)}
		x := uint64(0x9e3779b97f4a7c15)
		for i := range s.Words {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if tc.width < 64 {
				s.Words[i] = x & (1<<tc.width - 1)
			} else {
				s.Words[i] = x
			}
		}
		want := crc32.ChecksumIEEE(s.Bytes())
		if got := s.CRC(); got != want {
			t.Errorf("width %d depth %d: CRC %08x, want %08x", tc.width, tc.depth, got, want)
		}
		for _, cut := range []int{0, 1, tc.depth / 3, tc.depth / 2, tc.depth} {
			if cut > tc.depth {
				continue
			}
			got := UpdateCRC(UpdateCRC(0, tc.width, s.Words[:cut]), tc.width, s.Words[cut:])
			if got != want {
				t.Errorf("width %d depth %d cut %d: UpdateCRC %08x, want %08x", tc.width, tc.depth, cut, got, want)
			}
		}
	}
}
