package encoder

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/sdr"
)

// f32 is a float32 literal promoted to float64, as htm.core's tests write
// their inputs (e.g. 10.49f).
func f32(v float32) float64 { return float64(v) }

// span returns the indices [lo, lo+n).
func span(lo, n uint32) []uint32 {
	out := make([]uint32, n)
	for i := range out {
		out[i] = lo + uint32(i)
	}
	return out
}

type scalarCase struct {
	x    float64
	want []uint32
}

func checkScalarCases(t *testing.T, e *Scalar, cases []scalarCase) {
	t.Helper()
	for _, c := range cases {
		got, err := e.Encode(c.x, nil)
		require.NoError(t, err, "x=%v", c.x)
		assert.Equal(t, c.want, got, "x=%v", c.x)
		assert.NoError(t, sdr.Validate(got, e.Size()), "x=%v", c.x)
	}
}

// The cases of htm.core's ScalarEncoderTest.cpp, with its float32 inputs.
func TestScalarHTMCoreCases(t *testing.T) {
	tests := []struct {
		name     string
		p        ScalarParams
		wantSize int
		cases    []scalarCase
	}{
		{
			name:     "NonIntegerBucketWidth",
			p:        ScalarParams{Size: 7, ActiveBits: 3, Minimum: 10, Maximum: 20},
			wantSize: 7,
			cases:    []scalarCase{{10, []uint32{0, 1, 2}}, {20, []uint32{4, 5, 6}}},
		},
		{
			name:     "RoundToNearestMultipleOfResolution",
			p:        ScalarParams{ActiveBits: 3, Minimum: 10, Maximum: 20, Resolution: 1},
			wantSize: 13,
			cases: []scalarCase{
				{f32(10.00), span(0, 3)},
				{f32(10.49), span(0, 3)},
				{f32(10.50), span(1, 3)},
				{f32(11.49), span(1, 3)},
				{f32(11.50), span(2, 3)},
				{f32(14.49), span(4, 3)},
				{f32(14.50), span(5, 3)},
				{f32(15.49), span(5, 3)},
				{f32(15.50), span(6, 3)},
				{f32(19.00), span(9, 3)},
				{f32(19.49), span(9, 3)},
				{f32(19.50), span(10, 3)},
				{f32(20.00), span(10, 3)},
			},
		},
		{
			name:     "PeriodicRoundNearestMultipleOfResolution",
			p:        ScalarParams{ActiveBits: 3, Minimum: 10, Maximum: 20, Resolution: 1, Periodic: true},
			wantSize: 10,
			cases: []scalarCase{
				{f32(10.00), span(0, 3)},
				{f32(10.49), span(0, 3)},
				{f32(10.50), span(1, 3)},
				{f32(11.49), span(1, 3)},
				{f32(11.50), span(2, 3)},
				{f32(14.49), span(4, 3)},
				{f32(14.50), span(5, 3)},
				{f32(15.49), span(5, 3)},
				{f32(15.50), span(6, 3)},
				{f32(19.49), []uint32{0, 1, 9}},
				{f32(19.50), span(0, 3)},
				{f32(20.00), span(0, 3)},
			},
		},
		{
			// size 66, sparsity 0.02: round(1.32) = 1 active bit.
			name:     "CategoryEncode (sparsity)",
			p:        ScalarParams{Size: 66, Sparsity: 0.02, Minimum: 0, Maximum: 65},
			wantSize: 66,
			cases:    []scalarCase{{10, []uint32{10}}, {0, []uint32{0}}, {65, []uint32{65}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewScalar(tt.p)
			require.NoError(t, err)
			require.Equal(t, tt.wantSize, e.Size())
			checkScalarCases(t, e, tt.cases)
		})
	}
}

func TestScalarRange(t *testing.T) {
	p := ScalarParams{Size: 10, ActiveBits: 2, Minimum: 10, Maximum: 20}
	strict, err := NewScalar(p)
	require.NoError(t, err)
	p.Clip = true
	clip, err := NewScalar(p)
	require.NoError(t, err)
	tests := []struct {
		name    string
		e       *Scalar
		x       float64
		want    []uint32
		wantErr string
	}{
		{"below", strict, f32(9.9), nil, "encoder: scalar: input 9.899999618530273 outside range [10, 20]"},
		{"minimum", strict, 10, []uint32{0, 1}, ""},
		{"inside", strict, f32(19.9), []uint32{8, 9}, ""},
		{"maximum", strict, 20, []uint32{8, 9}, ""},
		{"above", strict, f32(20.0001), nil, "encoder: scalar: input 20.000099182128906 outside range [10, 20]"},
		{"NaN", strict, math.NaN(), nil, "encoder: scalar: input NaN is not a number"},
		{"clip below", clip, f32(9.9), []uint32{0, 1}, ""},
		{"clip above", clip, f32(20.1), []uint32{8, 9}, ""},
		{"clip -Inf", clip, math.Inf(-1), []uint32{0, 1}, ""},
		{"clip NaN", clip, math.NaN(), nil, "encoder: scalar: input NaN is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.e.Encode(tt.x, []uint32{7})
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNewScalarResolvesParams(t *testing.T) {
	tests := []struct {
		name string
		in   ScalarParams
		want ScalarParams
	}{
		{
			name: "size, not periodic",
			in:   ScalarParams{Minimum: 10, Maximum: 20, Size: 7, ActiveBits: 3},
			want: ScalarParams{Minimum: 10, Maximum: 20, Size: 7, ActiveBits: 3,
				Resolution: (math.Nextafter(20, 30) - 10) / 4, Radius: 3 * (math.Nextafter(20, 30) - 10) / 4,
				Sparsity: float64(float32(3) / 7)},
		},
		{
			name: "size, periodic",
			in:   ScalarParams{Minimum: 0, Maximum: 24, Size: 48, ActiveBits: 5, Periodic: true},
			want: ScalarParams{Minimum: 0, Maximum: 24, Size: 48, ActiveBits: 5, Periodic: true,
				Resolution: 0.5, Radius: 2.5, Sparsity: float64(float32(5) / 48)},
		},
		{
			// radius 9.49 hours over a day: resolution 9.49/21, 54 bands.
			name: "radius, periodic",
			in:   ScalarParams{Minimum: 0, Maximum: 24, ActiveBits: 21, Radius: 9.49, Periodic: true},
			want: ScalarParams{Minimum: 0, Maximum: 24, Size: 54, ActiveBits: 21, Periodic: true,
				Resolution: 9.49 / 21, Radius: 21 * (9.49 / 21), Sparsity: float64(float32(21) / 54)},
		},
		{
			// 10 bands plus activeBits-1.
			name: "resolution",
			in:   ScalarParams{Minimum: 10, Maximum: 20, ActiveBits: 3, Resolution: 1},
			want: ScalarParams{Minimum: 10, Maximum: 20, Size: 13, ActiveBits: 3,
				Resolution: 1, Radius: 3, Sparsity: float64(float32(3) / 13)},
		},
		{
			name: "category",
			in:   ScalarParams{Minimum: 0, Maximum: 1, ActiveBits: 3, Category: true},
			want: ScalarParams{Minimum: 0, Maximum: 1, Size: 6, ActiveBits: 3, Category: true,
				Resolution: 1.0 / 3, Radius: 3 * (1.0 / 3), Sparsity: float64(float32(3) / 6)},
		},
		{
			name: "sparsity",
			in:   ScalarParams{Minimum: -1, Maximum: 1, Size: 100, Sparsity: 0.15},
			want: ScalarParams{Minimum: -1, Maximum: 1, Size: 100, ActiveBits: 15,
				Resolution: (math.Nextafter(1, 2) + 1) / 85, Radius: 15 * ((math.Nextafter(1, 2) + 1) / 85),
				Sparsity: float64(float32(15) / 100)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewScalar(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, e.Params())
			assert.Equal(t, tt.want.Size, e.Size())
		})
	}
}

func TestNewScalarErrors(t *testing.T) {
	tests := []struct {
		name string
		in   ScalarParams
		want string
	}{
		{"empty range", ScalarParams{Minimum: 1, Maximum: 1, Size: 10, ActiveBits: 2}, "minimum 1 must be below maximum 1"},
		{"NaN bound", ScalarParams{Minimum: math.NaN(), Maximum: 1, Size: 10, ActiveBits: 2}, "minimum NaN and maximum 1 must be finite"},
		{"no activeBits", ScalarParams{Maximum: 1, Size: 10}, "need one of activeBits or sparsity"},
		{"activeBits and sparsity", ScalarParams{Maximum: 1, Size: 10, ActiveBits: 2, Sparsity: 0.2}, "activeBits 2 and sparsity 0.2 both given"},
		{"no size", ScalarParams{Maximum: 1, ActiveBits: 2}, "need one of size, radius, resolution or category"},
		{"size and radius", ScalarParams{Maximum: 1, ActiveBits: 2, Size: 10, Radius: 0.5}, "size 10, radius 0.5, resolution 0 and category false: choose only one"},
		{"negative resolution", ScalarParams{Maximum: 1, ActiveBits: 2, Resolution: -1}, "resolution -1 must be a finite number, at least 0"},
		{"sparsity without size", ScalarParams{Maximum: 1, Sparsity: 0.2, Resolution: 0.1}, "sparsity 0.2 needs size"},
		{"sparsity gives 0", ScalarParams{Maximum: 1, Sparsity: 0.01, Size: 10}, "sparsity 0.01 of size 10 gives 0 active bits"},
		{"activeBits too many", ScalarParams{Maximum: 1, ActiveBits: 10, Size: 10}, "activeBits 10 must be below size 10"},
		{"derived size too small", ScalarParams{Maximum: 1, ActiveBits: 3, Resolution: 1, Periodic: true}, "activeBits 3 must be below the derived size 1"},
		{"periodic and clip", ScalarParams{Maximum: 1, ActiveBits: 2, Size: 10, Periodic: true, Clip: true}, "clip and periodic both set"},
		{"category and clip", ScalarParams{Maximum: 1, ActiveBits: 2, Category: true, Clip: true}, "category cannot be combined with clip (true) or periodic (false)"},
		{"category fraction", ScalarParams{Maximum: 1.5, ActiveBits: 2, Category: true}, "category minimum 0 and maximum 1.5 must be unsigned integers"},
		{"too many bits", ScalarParams{Maximum: 1e300, ActiveBits: 2, Resolution: 1e-10}, "needs more than 2147483647 bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewScalar(tt.in)
			require.Error(t, err)
			assert.Nil(t, e)
			assert.Contains(t, err.Error(), "encoder: scalar: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestScalarCategory(t *testing.T) {
	e, err := NewScalar(ScalarParams{Minimum: 2, Maximum: 5, ActiveBits: 4, Category: true})
	require.NoError(t, err)
	require.Equal(t, 16, e.Size())
	checkScalarCases(t, e, []scalarCase{
		{2, span(0, 4)}, {3, span(4, 4)}, {4, span(8, 4)}, {5, span(12, 4)},
	})
	_, err = e.Encode(3.5, nil)
	assert.EqualError(t, err, "encoder: scalar: category input 3.5 is not an unsigned integer")
	_, err = e.Encode(6, nil)
	assert.EqualError(t, err, "encoder: scalar: input 6 outside range [2, 5]")
}

// TestScalarPeriodicWraps checks every start position of a small periodic
// encoder: the block wraps and the output stays sorted.
func TestScalarPeriodicWraps(t *testing.T) {
	e, err := NewScalar(ScalarParams{Minimum: 0, Maximum: 8, Size: 8, ActiveBits: 3, Periodic: true})
	require.NoError(t, err)
	want := [][]uint32{
		{0, 1, 2}, {1, 2, 3}, {2, 3, 4}, {3, 4, 5}, {4, 5, 6}, {5, 6, 7}, {0, 6, 7}, {0, 1, 7}, {0, 1, 2},
	}
	for x, w := range want {
		t.Run(fmt.Sprint(x), func(t *testing.T) {
			got, err := e.Encode(float64(x), nil)
			require.NoError(t, err)
			assert.Equal(t, w, got)
		})
	}
}

func TestScalarEncodeReusesDst(t *testing.T) {
	e, err := NewScalar(ScalarParams{Minimum: 0, Maximum: 1, Size: 100, ActiveBits: 10})
	require.NoError(t, err)
	buf := make([]uint32, 5, 10)
	got, err := e.Encode(0.5, buf)
	require.NoError(t, err)
	assert.Same(t, &buf[0], &got[0])
	assert.Equal(t, span(45, 10), got)
}
