package tm

import (
	"math"
	"testing"
)

// TestSegmentOf checks the multiplicative division j/m against the
// division for every synapse count per segment the parameters allow, on
// the slots around every multiple boundary near the ends of the 32-bit
// range and on a spread of slots in between.
func TestSegmentOf(t *testing.T) {
	for m := 1; m <= 0xFFFF; m++ {
		tm := &TemporalMemory{m: m, mInv: ^uint64(0)/uint64(m) + 1}
		check := func(j uint32) {
			if got, want := tm.segmentOf(j), j/uint32(m); got != want {
				t.Fatalf("m %d: segmentOf(%d) = %d, want %d", m, j, got, want)
			}
		}
		for _, j := range []uint32{0, 1, uint32(m - 1), uint32(m), uint32(m + 1), math.MaxUint32, math.MaxUint32 - 1} {
			check(j)
		}
		last := math.MaxUint32 / uint32(m) * uint32(m)
		check(last - 1)
		check(last)
		for j := uint32(12345); j < math.MaxUint32-7919*uint32(m); j += 7919 * uint32(m) {
			check(j - 1)
			check(j)
		}
	}
}
