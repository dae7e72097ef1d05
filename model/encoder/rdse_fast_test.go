package encoder

import (
	"slices"
	"testing"
)

// TestRDSEBitsetPath checks that Encode, which orders and deduplicates
// through a bitset for sizes up to 4,096 bits, equals the hashes sorted
// and compacted, on sizes either side of the limit and with collisions
// (more active bits than the size).
func TestRDSEBitsetPath(t *testing.T) {
	for _, tc := range []struct{ size, active int }{
		{1, 3}, {7, 5}, {64, 64}, {65, 200}, {400, 21}, {1000, 200}, {4095, 300}, {4096, 300}, {4097, 300}, {10000, 500},
	} {
		e, err := NewRDSE(RDSEParams{Size: tc.size, ActiveBits: tc.active, Resolution: 0.25, Seed: 7})
		if err != nil {
			t.Fatalf("size %d: %v", tc.size, err)
		}
		for _, x := range []float64{0, 0.3, 1, -5.5, 123.25, 1e6, -1e9} {
			got, err := e.Encode(x, nil)
			if err != nil {
				t.Fatalf("size %d, x %v: %v", tc.size, x, err)
			}
			index := castUint32(x / e.resolution)
			var want []uint32
			for k := uint32(0); k < e.activeBits; k++ {
				want = append(want, murmur3Uint32(index+k, e.p.Seed)%e.size)
			}
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(got, want) {
				t.Fatalf("size %d, x %v: Encode = %v, want %v", tc.size, x, got, want)
			}
		}
	}
}
