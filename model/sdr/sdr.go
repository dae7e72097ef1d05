// Package sdr holds sparse distributed representations, the binary vectors
// that flow between the stages of an HTM region.
//
// An SDR appears in two forms: a sparse form, the indices of its 1 bits in
// strictly ascending order ([]uint32), and a dense form, a Bitset of 64-bit
// words (bit i of the vector is bit i%64 of word i/64). The sparse form is
// what the model's interfaces pass; the dense form is what its inner loops
// (overlaps by AND and popcount) use.
package sdr

import (
	"fmt"
	"math/bits"
)

// Bitset is the dense form of an SDR.
type Bitset []uint64

// NewBitset returns an all-zero bitset able to hold n bits.
func NewBitset(n int) Bitset { return make(Bitset, (n+63)/64) }

// FromIndices returns the bitset of n bits whose 1 bits are idx.
// Indices at or beyond n are ignored.
func FromIndices(n int, idx []uint32) Bitset {
	b := NewBitset(n)
	for _, i := range idx {
		if int(i) < n {
			b.Set(i)
		}
	}
	return b
}

// Set sets bit i.
func (b Bitset) Set(i uint32) { b[i>>6] |= 1 << (i & 63) }

// Clear clears bit i.
func (b Bitset) Clear(i uint32) { b[i>>6] &^= 1 << (i & 63) }

// Has reports whether bit i is set.
func (b Bitset) Has(i uint32) bool { return b[i>>6]>>(i&63)&1 != 0 }

// Reset clears every bit.
func (b Bitset) Reset() { clear(b) }

// SetAll sets every bit listed in idx.
func (b Bitset) SetAll(idx []uint32) {
	for _, i := range idx {
		b.Set(i)
	}
}

// ClearAll clears every bit listed in idx, which is cheaper than Reset when
// few bits are set.
func (b Bitset) ClearAll(idx []uint32) {
	for _, i := range idx {
		b.Clear(i)
	}
}

// Count returns the number of set bits.
func (b Bitset) Count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// AndCount returns the number of bits set in both b and o, which must have
// the same length.
func (b Bitset) AndCount(o Bitset) int {
	n := 0
	o = o[:len(b)]
	for i, w := range b {
		n += bits.OnesCount64(w & o[i])
	}
	return n
}

// Indices appends the indices of the set bits, ascending, to dst.
func (b Bitset) Indices(dst []uint32) []uint32 {
	for wi, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			dst = append(dst, uint32(wi*64+t))
			w &= w - 1
		}
	}
	return dst
}

// Validate checks that idx is the sparse form of an SDR of size n: strictly
// ascending and every index below n.
func Validate(idx []uint32, n int) error {
	for k, i := range idx {
		if int(i) >= n {
			return fmt.Errorf("sdr: index %d at position %d out of range [0, %d)", i, k, n)
		}
		if k > 0 && i <= idx[k-1] {
			return fmt.Errorf("sdr: index %d at position %d not above the previous %d", i, k, idx[k-1])
		}
	}
	return nil
}

// Overlap returns the number of indices in both sorted lists a and b.
func Overlap(a, b []uint32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}

// Difference returns the indices of sorted a that are not in sorted b, and
// those of b that are not in a.
func Difference(a, b []uint32) (onlyA, onlyB []uint32) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}
