package nupic

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// TimeOfDay is the time-of-day field of NuPIC's DateEncoder
// (nupic/encoders/date.py with timeOfDay=(w, radius)): a periodic
// ScalarEncoder (nupic/encoders/scalar.py) of w bits over [0, 24) hours
// with the given radius. Its size is n = ⌈w·24/radius⌉; the input
// hour + minute/60 (seconds ignored, as NuPIC's timetuple arithmetic does)
// has the centre bin ⌊x·n/24⌋, and its bits are the w bins around it,
// wrapping. This is not htm.core's DateEncoder (package model/encoder),
// whose periodic ScalarEncoder starts the bits at round(x/resolution).
type TimeOfDay struct {
	w, n int
}

// NewTimeOfDay returns NuPIC's time-of-day encoder of w bits (odd) and the
// given radius in hours.
func NewTimeOfDay(w int, radius float64) (*TimeOfDay, error) {
	if w <= 0 || w%2 == 0 {
		return nil, fmt.Errorf("nupic: timeOfDay width %d must be odd and positive", w)
	}
	if !(radius > 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("nupic: timeOfDay radius %g must be positive and finite", radius)
	}
	// ScalarEncoder._initEncoder with a radius: range = rangeInternal = 24
	// (periodic, no padding), nfloat = w·(range/radius).
	n := int(math.Ceil(float64(w) * (24.0 / radius)))
	if n <= w {
		return nil, errors.New("nupic: timeOfDay: the radius leaves no more bins than bits")
	}
	return &TimeOfDay{w: w, n: n}, nil
}

// Size returns n.
func (e *TimeOfDay) Size() int { return e.n }

// Encode appends the active bits of t's time of day to dst[:0], ascending.
func (e *TimeOfDay) Encode(t time.Time, dst []uint32) []uint32 {
	x := float64(t.Hour()) + float64(t.Minute())/60.0
	center := int(x * float64(e.n) / 24.0) // Python 2: (input − 0)·nInternal / range
	dst = dst[:0]
	for i := range e.w {
		b := ((center-e.w/2+i)%e.n + e.n) % e.n
		dst = append(dst, uint32(b))
	}
	slices.Sort(dst)
	return dst
}
