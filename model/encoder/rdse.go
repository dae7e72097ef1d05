package encoder

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// RDSEParams configures an RDSE. The names and rules are those of htm.core's
// RDSE_Parameters: give exactly one of ActiveBits and Sparsity, and exactly
// one of Radius, Resolution and Category. A zero field counts as not given.
//
// Sparsity, Radius and Resolution are float32 (Real) values in htm.core;
// NewRDSE rounds them to float32 before any arithmetic, and RDSE.Params
// reports them as float32 values.
type RDSEParams struct {
	// Size is the number of bits in the output SDR.
	Size int
	// ActiveBits is the number of hashes per input, hence the number of
	// active bits when no two hashes of an input collide. htm.core does not
	// require it to be below Size.
	ActiveBits int
	// Sparsity gives ActiveBits as round(Size*Sparsity), computed in float32.
	Sparsity float64
	// Radius gives Resolution as Radius/ActiveBits: inputs more than a
	// radius apart share no hashes.
	Radius float64
	// Resolution is the width of the input band that maps to one hash index.
	Resolution float64
	// Category makes the input an unsigned integer category; it sets Radius
	// to 1, hence Resolution to 1/ActiveBits.
	Category bool
	// Seed seeds MurmurHash3. htm.core replaces seed 0 with a random one;
	// NewRDSE rejects it instead, so that encodings are reproducible.
	Seed uint32
}

// RDSE is htm.core's RandomDistributedScalarEncoder. An input x falls into
// the hash index i = uint32(x / Resolution); the active bits are
// Murmur3_32(le32(i+k), Seed) % Size for k in [0, ActiveBits). Nearby inputs
// share most of their indices, hence most of their bits; colliding hashes
// give fewer than ActiveBits active bits, as in htm.core.
//
// htm.core computes i with a C cast from double to a 32-bit unsigned integer,
// which truncates toward zero and is undefined for negative values. This
// type reproduces what htm.core's x86-64 builds do (the quotient truncated
// toward zero to a 64-bit integer, of which the low 32 bits are kept):
// inputs in (-Resolution, Resolution) all fall into index 0, a quotient in
// [-2, -1) gives index 0xFFFFFFFF, and a quotient whose magnitude is 2^63 or
// more gives index 0. NaN and infinite inputs are errors (htm.core encodes
// NaN as an empty SDR).
//
// htm.core's constructor also runs a randomised hash-collision check when
// Size < 1000 or ActiveBits < 10; it does not affect the encoding and is not
// performed here.
type RDSE struct {
	p          RDSEParams
	size       uint32
	activeBits uint32
	resolution float64 // a float32 value
}

// NewRDSE resolves p as htm.core does and returns the encoder, or an error
// naming the first parameter that is missing, conflicting or out of range.
func NewRDSE(p RDSEParams) (*RDSE, error) {
	if p.Size < 1 || p.Size > math.MaxUint32 {
		return nil, fmt.Errorf("encoder: rdse: size %d must be in [1, %d]", p.Size, uint32(math.MaxUint32))
	}
	if p.ActiveBits < 0 || p.ActiveBits > math.MaxUint32 {
		return nil, fmt.Errorf("encoder: rdse: activeBits %d must be in [0, %d]", p.ActiveBits, uint32(math.MaxUint32))
	}
	sparsity, err := real32("rdse", "sparsity", p.Sparsity)
	if err != nil {
		return nil, err
	}
	radius, err := real32("rdse", "radius", p.Radius)
	if err != nil {
		return nil, err
	}
	resolution, err := real32("rdse", "resolution", p.Resolution)
	if err != nil {
		return nil, err
	}
	switch {
	case p.ActiveBits == 0 && sparsity == 0:
		return nil, errors.New("encoder: rdse: missing argument, need one of activeBits or sparsity")
	case p.ActiveBits > 0 && sparsity > 0:
		return nil, fmt.Errorf("encoder: rdse: activeBits %d and sparsity %v both given, choose one", p.ActiveBits, p.Sparsity)
	}
	if n := count(radius > 0, resolution > 0, p.Category); n == 0 {
		return nil, errors.New("encoder: rdse: missing argument, need one of radius, resolution or category")
	} else if n > 1 {
		return nil, fmt.Errorf("encoder: rdse: radius %v, resolution %v and category %v: choose only one", p.Radius, p.Resolution, p.Category)
	}
	if p.Seed == 0 {
		return nil, errors.New("encoder: rdse: seed 0 must be nonzero (htm.core would pick a random seed)")
	}

	size := uint32(p.Size)
	activeBits := uint32(p.ActiveBits)
	if sparsity > 0 {
		if sparsity > 1 {
			return nil, fmt.Errorf("encoder: rdse: sparsity %v must be at most 1", p.Sparsity)
		}
		// htm.core: (UInt) round(size * sparsity), a float32 product.
		activeBits = uint32(math.Round(float64(float32(float32(size) * sparsity))))
		if activeBits == 0 {
			return nil, fmt.Errorf("encoder: rdse: sparsity %v of size %d gives 0 active bits", p.Sparsity, p.Size)
		}
	}
	sparsity = float32(float32(activeBits) / float32(size))
	if p.Category {
		radius = 1
	}
	if radius > 0 {
		resolution = float32(radius / float32(activeBits))
	} else {
		radius = float32(float32(activeBits) * resolution)
	}
	if resolution == 0 || math.IsInf(float64(radius), 0) {
		return nil, fmt.Errorf("encoder: rdse: radius %v and resolution %v out of float32 range for %d active bits", radius, resolution, activeBits)
	}
	return &RDSE{
		p: RDSEParams{
			Size:       p.Size,
			ActiveBits: int(activeBits),
			Sparsity:   float64(sparsity),
			Radius:     float64(radius),
			Resolution: float64(resolution),
			Category:   p.Category,
			Seed:       p.Seed,
		},
		size:       size,
		activeBits: activeBits,
		resolution: float64(resolution),
	}, nil
}

// Size returns the number of bits in the output SDR.
func (e *RDSE) Size() int { return e.p.Size }

// Params returns the resolved parameters: ActiveBits, Sparsity, Radius and
// Resolution all filled in, as htm.core fills them in.
func (e *RDSE) Params() RDSEParams { return e.p }

// Encode writes the active bits of x, ascending and without duplicates, to
// dst[:0] and returns the result, reusing dst's storage when it has the
// capacity (ActiveBits). It returns an error, and dst[:0], for a NaN or
// infinite x, and in Category mode for an x that is not a non-negative
// integer.
func (e *RDSE) Encode(x float64, dst []uint32) ([]uint32, error) {
	dst = dst[:0]
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return dst, fmt.Errorf("encoder: rdse: input %v is not a finite number", x)
	}
	if e.p.Category && (x < 0 || x >= 1<<64 || x != math.Trunc(x)) {
		return dst, fmt.Errorf("encoder: rdse: category input %v is not an unsigned integer", x)
	}
	index := castUint32(x / e.resolution)
	if e.size <= 64*uint32(len(smallBitset{})) {
		// Sorted and without duplicates through a bitset on the stack.
		var b smallBitset
		for k := uint32(0); k < e.activeBits; k++ {
			i := murmur3Uint32(index+k, e.p.Seed) % e.size
			b[i>>6] |= 1 << (i & 63)
		}
		for w, word := range b[:(e.size+63)/64] {
			for ; word != 0; word &= word - 1 {
				dst = append(dst, uint32(w)<<6|uint32(bits.TrailingZeros64(word)))
			}
		}
		return dst, nil
	}
	for k := uint32(0); k < e.activeBits; k++ {
		dst = append(dst, murmur3Uint32(index+k, e.p.Seed)%e.size)
	}
	slices.Sort(dst)
	return slices.Compact(dst), nil
}

// smallBitset holds the bits of an RDSE of up to 4,096 bits.
type smallBitset [64]uint64

// castUint32 converts q as a C cast (uint32_t)q compiled by GCC for x86-64
// does: truncation toward zero to a 64-bit integer (cvttsd2si), low 32 bits
// kept. Quotients of magnitude 2^63 or more, and ±Inf, give the "integer
// indefinite" 0x8000000000000000, whose low 32 bits are 0.
func castUint32(q float64) uint32 {
	t := math.Trunc(q)
	if t >= -(1<<63) && t < 1<<63 {
		return uint32(int64(t))
	}
	return 0
}

// real32 checks that the optional parameter v of encoder enc is a finite,
// non-negative number that survives rounding to float32, and returns it so
// rounded.
func real32(enc, name string, v float64) (float32, error) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("encoder: %s: %s %v must be a finite number, at least 0", enc, name, v)
	}
	f := float32(v)
	if math.IsInf(float64(f), 0) || (v > 0 && f == 0) {
		return 0, fmt.Errorf("encoder: %s: %s %v is out of float32 range", enc, name, v)
	}
	return f, nil
}

// count returns how many of bs are true.
func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
