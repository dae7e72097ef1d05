package nab

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScaledSigmoid(t *testing.T) {
	// Values from NAB's Python (SCORING.md §3).
	for _, tt := range []struct{ y, want float64 }{
		{-1, 0.98661429815143054},
		{-0.5, 0.84828363995751310},
		{0, 0},
		{1, -0.98661429815143031},
		{3, -0.99999938819554612}, // −1 only above 3
		{math.Nextafter(3, 4), -1},
		{-0.1, 0.2449186624037092},
		{2.5, -0.9999925467214317},
		{100, -1},
		{math.Inf(1), -1},
	} {
		assert.InDelta(t, tt.want, scaledSigmoid(tt.y), 1e-16, "y = %v", tt.y)
	}
	assert.Equal(t, -1.0, scaledSigmoid(3.5))
	assert.InDelta(t, 0.98661429815143054, maxTP, 1e-16)
}

func TestProbationLength(t *testing.T) {
	for _, tt := range []struct{ n, want int }{
		{1, 0}, {6, 0}, {7, 1}, {100, 15}, {1127, 169}, {4032, 604}, {4999, 749},
		{5000, 750}, {5001, 750}, {22695, 750},
	} {
		assert.Equal(t, tt.want, probationLength(tt.n), "N = %d", tt.n)
	}
	// floor(0.15·N) in floating point equals the exact ⌊15N/100⌋ for every
	// N up to where the cap applies.
	for n := 0; n < 5000; n++ {
		assert.Equal(t, 15*n/100, probationLength(n), "N = %d", n)
	}
}

func TestParseTime(t *testing.T) {
	a, ok := parseTime("2014-11-01 19:00:00")
	assert.True(t, ok)
	for _, s := range []string{"2014-11-01 19:00:00.000000", "2014-11-01T19:00:00", "2014-11-01 19:00:00.0"} {
		b, ok := parseTime(s)
		assert.True(t, ok, s)
		assert.Equal(t, a, b, s)
	}
	c, ok := parseTime("2014-11-01 19:00:00.5")
	assert.True(t, ok)
	assert.NotEqual(t, a, c)
	d, ok := parseTime("2014-11-01 19:00:01")
	assert.True(t, ok)
	assert.NotEqual(t, a, d)
	for _, s := range []string{"", "2014-11-01", "2014-11-01 19:00", "2014-13-01 19:00:00", "2014-02-29 00:00:00",
		"2014-11-31 00:00:00", "2014-11-01 24:00:00", "2014-11-01 19:60:00", "2014-11-01 19:00:00.", "2014-11-01 19:00:00Z",
		"2014-11-01 19:00:0x", "2014/11/01 19:00:00", "+014-11-01 19:00:00"} {
		_, ok := parseTime(s)
		assert.False(t, ok, s)
	}
	_, ok = parseTime("2016-02-29 00:00:00")
	assert.True(t, ok)
}

func TestIsDecimal(t *testing.T) {
	for _, s := range []string{"0", "1", "0.5", ".5", "5.", "-0", "+1", "1e-05", "1E+3", "0.0301029996659"} {
		assert.True(t, isDecimal(s), s)
	}
	for _, s := range []string{"", ".", "-", "e5", "1e", "1e+", "0x1p-2", "1_0", "NaN", "Inf", "infinity", "1.2.3", " 1"} {
		assert.False(t, isDecimal(s), s)
	}
}
