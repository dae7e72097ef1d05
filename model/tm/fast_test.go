package tm

import (
	"math"
	"slices"
	"testing"

	"github.com/htmhw/htmhw/model/rng"
	"github.com/htmhw/htmhw/model/sdr"
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

// TestDrawWinnersIsGenerator checks drawWinners, whose draws are the
// generator's steps on a local state, against selection sampling written
// with rng.Generator: the same cells taken and the same generator state
// after, over marks, candidate counts and numbers needed.
func TestDrawWinnersIsGenerator(t *testing.T) {
	cases := []struct {
		name    string
		winners int // candidates 0, 3, 6, ...
		marked  int // every marked-th winner is marked (0: none)
		need    int
	}{
		{"none needed", 10, 0, 0},
		{"one of one", 1, 0, 1},
		{"all", 20, 0, 20},
		{"some", 300, 0, 20},
		{"some, marked", 300, 3, 20},
		{"more than left", 12, 2, 10},
		{"every one marked", 8, 1, 4},
	}
	for _, tc := range cases {
		for _, seed := range []uint32{1, 42, 0xDEADBEEF} {
			winners := make([]uint32, tc.winners)
			mark := sdr.NewBitset(3*tc.winners + 64)
			left := 0
			for i := range winners {
				winners[i] = uint32(3 * i)
				if tc.marked > 0 && i%tc.marked == 0 {
					mark[winners[i]>>6] |= 1 << (winners[i] & 63)
				} else {
					left++
				}
			}
			need := min(tc.need, left)
			g := rng.New(seed)
			want, k, l := []uint32{}, need, left
			for _, c := range winners {
				if k == 0 {
					break
				}
				if mark.Has(c) {
					continue
				}
				if int(g.Below(uint32(l))) < k {
					want = append(want, c)
					k--
				}
				l--
			}
			got, x := drawWinners(make([]uint32, need), winners, mark, left, rng.New(seed).State())
			if !slices.Equal(got, want) || x != g.State() {
				t.Errorf("%s, seed %d: took %v, state %#x; want %v, state %#x", tc.name, seed, got, x, want, g.State())
			}
		}
	}
}
