package encoder

import (
	"fmt"
	"math"
)

// Category encodes the categories 0 to N-1 as disjoint blocks: category k
// activates the bits [k*ActiveBits, (k+1)*ActiveBits) of an SDR of
// N*ActiveBits bits.
type Category struct {
	n, activeBits int
}

// NewCategory returns the encoder for n categories of activeBits bits each.
// Both must be at least 1, and n*activeBits must fit the uint32 range of SDR
// indices.
func NewCategory(n, activeBits int) (*Category, error) {
	if n < 1 {
		return nil, fmt.Errorf("encoder: category: n %d must be at least 1", n)
	}
	if activeBits < 1 {
		return nil, fmt.Errorf("encoder: category: activeBits %d must be at least 1", activeBits)
	}
	if activeBits > math.MaxUint32/n {
		return nil, fmt.Errorf("encoder: category: size %d×%d exceeds %d bits", n, activeBits, uint32(math.MaxUint32))
	}
	return &Category{n: n, activeBits: activeBits}, nil
}

// Size returns the number of bits in the output SDR, N*ActiveBits.
func (c *Category) Size() int { return c.n * c.activeBits }

// N returns the number of categories.
func (c *Category) N() int { return c.n }

// ActiveBits returns the number of active bits of every category.
func (c *Category) ActiveBits() int { return c.activeBits }

// Encode writes the active bits of category k to dst[:0] and returns the
// result, reusing dst's storage when it has the capacity. It returns an
// error, and dst[:0], for k outside [0, N).
func (c *Category) Encode(k int, dst []uint32) ([]uint32, error) {
	dst = dst[:0]
	if k < 0 || k >= c.n {
		return dst, fmt.Errorf("encoder: category: category %d outside [0, %d)", k, c.n)
	}
	lo := uint32(k * c.activeBits)
	for i := range uint32(c.activeBits) {
		dst = append(dst, lo+i)
	}
	return dst, nil
}
