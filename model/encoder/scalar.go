package encoder

import (
	"errors"
	"fmt"
	"math"
)

// ScalarParams configures a Scalar. The names and rules are those of
// htm.core's ScalarEncoderParameters: give exactly one of ActiveBits and
// Sparsity (Sparsity needs Size), and exactly one of Size, Radius,
// Resolution and Category. A zero field counts as not given.
type ScalarParams struct {
	// Minimum and Maximum bound the input range; both are inclusive.
	Minimum, Maximum float64
	// Clip clamps inputs into [Minimum, Maximum] instead of rejecting them.
	// It cannot be combined with Periodic or Category.
	Clip bool
	// Periodic makes Minimum and Maximum the same point: the block of
	// active bits wraps around from the last bit to the first.
	Periodic bool
	// Category makes the inputs unsigned integer categories with disjoint
	// encodings; it sets Radius to 1. Minimum and Maximum must then be
	// unsigned integers.
	Category bool
	// ActiveBits is the length of the block of active bits.
	ActiveBits int
	// Sparsity gives ActiveBits as round(Size*Sparsity), computed in float32
	// (htm.core holds it as a float32).
	Sparsity float64
	// Size is the number of bits in the output.
	Size int
	// Radius gives Resolution as Radius/ActiveBits: inputs more than a
	// radius apart have disjoint encodings.
	Radius float64
	// Resolution is the input step that moves the block by one bit.
	Resolution float64
}

// Scalar is htm.core's ScalarEncoder: a block of ActiveBits contiguous
// active bits whose start moves with the input, start = round((x -
// Minimum) / Resolution), rounding half away from zero. Without Periodic the
// start is capped at Size-ActiveBits, so that Maximum (which may round one
// band past the end) lands on the last bits; with Periodic the block wraps
// around modulo Size.
//
// Inputs outside [Minimum, Maximum] are errors unless Clip is set; NaN is
// always an error (htm.core encodes NaN as an empty SDR).
type Scalar struct {
	p          ScalarParams
	size       uint32
	activeBits uint32
}

// NewScalar resolves p as htm.core does and returns the encoder, or an error
// naming the first parameter that is missing, conflicting or out of range.
//
// htm.core's checks that a category encoder's Minimum and Maximum are
// unsigned integers have no effect (they test the fields before they are
// set); NewScalar applies them.
func NewScalar(p ScalarParams) (*Scalar, error) {
	if math.IsNaN(p.Minimum) || math.IsInf(p.Minimum, 0) || math.IsNaN(p.Maximum) || math.IsInf(p.Maximum, 0) {
		return nil, fmt.Errorf("encoder: scalar: minimum %v and maximum %v must be finite", p.Minimum, p.Maximum)
	}
	if !(p.Minimum < p.Maximum) {
		return nil, fmt.Errorf("encoder: scalar: minimum %v must be below maximum %v", p.Minimum, p.Maximum)
	}
	if p.ActiveBits < 0 || p.ActiveBits > math.MaxInt32 {
		return nil, fmt.Errorf("encoder: scalar: activeBits %d must be in [0, %d]", p.ActiveBits, math.MaxInt32)
	}
	if p.Size < 0 || p.Size > math.MaxInt32 {
		return nil, fmt.Errorf("encoder: scalar: size %d must be in [0, %d]", p.Size, math.MaxInt32)
	}
	sparsity, err := real32("scalar", "sparsity", p.Sparsity)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"radius", p.Radius}, {"resolution", p.Resolution}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return nil, fmt.Errorf("encoder: scalar: %s %v must be a finite number, at least 0", f.name, f.v)
		}
	}
	switch {
	case p.ActiveBits == 0 && sparsity == 0:
		return nil, errors.New("encoder: scalar: missing argument, need one of activeBits or sparsity")
	case p.ActiveBits > 0 && sparsity > 0:
		return nil, fmt.Errorf("encoder: scalar: activeBits %d and sparsity %v both given, choose one", p.ActiveBits, p.Sparsity)
	}
	if n := count(p.Size > 0, p.Radius > 0, p.Resolution > 0, p.Category); n == 0 {
		return nil, errors.New("encoder: scalar: missing argument, need one of size, radius, resolution or category")
	} else if n > 1 {
		return nil, fmt.Errorf("encoder: scalar: size %d, radius %v, resolution %v and category %v: choose only one",
			p.Size, p.Radius, p.Resolution, p.Category)
	}
	if p.Periodic && p.Clip {
		return nil, errors.New("encoder: scalar: clip and periodic both set; periodic inputs are not clipped")
	}
	if p.Category {
		if p.Clip || p.Periodic {
			return nil, fmt.Errorf("encoder: scalar: category cannot be combined with clip (%v) or periodic (%v)", p.Clip, p.Periodic)
		}
		if !isUint(p.Minimum) || !isUint(p.Maximum) {
			return nil, fmt.Errorf("encoder: scalar: category minimum %v and maximum %v must be unsigned integers", p.Minimum, p.Maximum)
		}
		p.Radius = 1
	}
	if sparsity > 0 {
		if sparsity > 1 {
			return nil, fmt.Errorf("encoder: scalar: sparsity %v must be at most 1", p.Sparsity)
		}
		if p.Size == 0 {
			return nil, fmt.Errorf("encoder: scalar: sparsity %v needs size", p.Sparsity)
		}
		// htm.core: round(size * sparsity), a float32 product.
		p.ActiveBits = int(math.Round(float64(float32(float32(p.Size) * sparsity))))
		if p.ActiveBits == 0 {
			return nil, fmt.Errorf("encoder: scalar: sparsity %v of size %d gives 0 active bits", p.Sparsity, p.Size)
		}
	}

	var extent float64
	if p.Periodic {
		extent = p.Maximum - p.Minimum
	} else {
		// The maximum is inclusive: widen by one ulp.
		extent = math.Nextafter(p.Maximum, math.Inf(1)) - p.Minimum
	}
	if math.IsInf(extent, 0) {
		return nil, fmt.Errorf("encoder: scalar: range [%v, %v] is too wide", p.Minimum, p.Maximum)
	}
	if p.Size > 0 {
		if p.ActiveBits >= p.Size {
			return nil, fmt.Errorf("encoder: scalar: activeBits %d must be below size %d", p.ActiveBits, p.Size)
		}
		if p.Periodic {
			p.Resolution = extent / float64(p.Size)
		} else {
			buckets := p.Size - (p.ActiveBits - 1)
			p.Resolution = extent / float64(buckets-1)
		}
	} else {
		if p.Radius > 0 {
			p.Resolution = p.Radius / float64(p.ActiveBits)
		}
		bands := math.Ceil(extent / p.Resolution)
		if p.Periodic {
			p.Size = 0
		} else {
			p.Size = p.ActiveBits - 1
		}
		if !(bands < float64(math.MaxInt32-p.Size)) {
			return nil, fmt.Errorf("encoder: scalar: range [%v, %v] at resolution %v needs more than %d bits",
				p.Minimum, p.Maximum, p.Resolution, math.MaxInt32)
		}
		p.Size += int(bands)
		if p.ActiveBits >= p.Size {
			return nil, fmt.Errorf("encoder: scalar: activeBits %d must be below the derived size %d", p.ActiveBits, p.Size)
		}
	}
	if !(p.Resolution > 0) {
		return nil, fmt.Errorf("encoder: scalar: resolution %v of range [%v, %v] underflows", p.Resolution, p.Minimum, p.Maximum)
	}
	p.Radius = float64(p.ActiveBits) * p.Resolution
	p.Sparsity = float64(float32(float32(p.ActiveBits) / float32(p.Size)))
	return &Scalar{p: p, size: uint32(p.Size), activeBits: uint32(p.ActiveBits)}, nil
}

// isUint reports whether v is a non-negative integer that fits a uint64.
func isUint(v float64) bool { return v >= 0 && v < 1<<64 && v == math.Trunc(v) }

// Size returns the number of bits in the output SDR.
func (e *Scalar) Size() int { return e.p.Size }

// Params returns the resolved parameters: ActiveBits, Sparsity, Size, Radius
// and Resolution all filled in, as htm.core fills them in.
func (e *Scalar) Params() ScalarParams { return e.p }

// Encode writes the active bits of x, ascending, to dst[:0] and returns the
// result, reusing dst's storage when it has the capacity (ActiveBits). It
// returns an error, and dst[:0], for NaN, for x outside [Minimum, Maximum]
// without Clip, and in Category mode for an x that is not an unsigned
// integer.
func (e *Scalar) Encode(x float64, dst []uint32) ([]uint32, error) {
	out, err := e.appendBits(dst[:0], x, 0)
	if err != nil {
		return dst[:0], err
	}
	return out, nil
}

// appendBits appends the active bits of x, each plus offset, to dst.
func (e *Scalar) appendBits(dst []uint32, x float64, offset uint32) ([]uint32, error) {
	p := &e.p
	switch {
	case math.IsNaN(x):
		return dst, errors.New("encoder: scalar: input NaN is not a number")
	case p.Clip:
		x = max(p.Minimum, min(x, p.Maximum))
	case p.Category && !isUint(x):
		return dst, fmt.Errorf("encoder: scalar: category input %v is not an unsigned integer", x)
	case x < p.Minimum || x > p.Maximum:
		return dst, fmt.Errorf("encoder: scalar: input %v outside range [%v, %v]", x, p.Minimum, p.Maximum)
	}
	// x is in range, so the quotient is in [0, Size].
	start := uint32(math.Round((x - p.Minimum) / p.Resolution))
	if !p.Periodic {
		start = min(start, e.size-e.activeBits)
		for i := range e.activeBits {
			dst = append(dst, offset+start+i)
		}
		return dst, nil
	}
	start %= e.size
	end := start + e.activeBits // one past the last bit, before wrapping
	if end > e.size {
		for i := range end - e.size {
			dst = append(dst, offset+i)
		}
		end = e.size
	}
	for i := start; i < end; i++ {
		dst = append(dst, offset+i)
	}
	return dst, nil
}
