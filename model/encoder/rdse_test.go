package encoder

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/sdr"
)

// readSeries reads the value column of a NAB CSV (timestamp,value).
func readSeries(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 1, "%s has no data rows", path)
	require.Equal(t, []string{"timestamp", "value"}, rows[0], "%s header", path)
	vals := make([]float64, 0, len(rows)-1)
	for i, r := range rows[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err, "%s row %d", path, i+1)
		vals = append(vals, v)
	}
	return vals
}

// readEncColumn reads the enc column of a gzip htm.core trace.
func readEncColumn(t *testing.T, path string) [][]uint32 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	rows, err := csv.NewReader(zr).ReadAll()
	require.NoError(t, err)
	require.Greater(t, len(rows), 1, "%s has no data rows", path)
	col := slices.Index(rows[0], "enc")
	require.GreaterOrEqual(t, col, 0, "%s has no enc column", path)
	out := make([][]uint32, 0, len(rows)-1)
	for i, r := range rows[1:] {
		require.Equal(t, strconv.Itoa(i), r[0], "%s: step column", path)
		var enc []uint32
		for _, s := range strings.Fields(r[col]) {
			v, err := strconv.ParseUint(s, 10, 32)
			require.NoError(t, err, "%s row %d", path, i)
			enc = append(enc, uint32(v))
		}
		out = append(out, enc)
	}
	return out
}

// TestRDSEMatchesHTMCore reproduces the enc column of htm.core's reference
// traces, row by row.
func TestRDSEMatchesHTMCore(t *testing.T) {
	root := filepath.Join("..", "..", "testdata")
	tests := []struct {
		trace, series string
		bands         float64
		params        RDSEParams
		wantActive    int
	}{
		{
			trace:      "t_jumpsup_nab.csv.gz",
			series:     "art_daily_jumpsup.csv",
			bands:      130,
			params:     RDSEParams{Size: 400, ActiveBits: 21, Seed: 7},
			wantActive: 21,
		},
		{
			trace:      "t_speed7578_hello.csv.gz",
			series:     "speed_7578.csv",
			bands:      100,
			params:     RDSEParams{Size: 1000, Sparsity: 0.2, Seed: 7},
			wantActive: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.trace, func(t *testing.T) {
			vals := readSeries(t, filepath.Join(root, "nab", tt.series))
			want := readEncColumn(t, filepath.Join(root, "htmcore", tt.trace))
			require.Len(t, want, len(vals), "trace rows vs series rows")
			mn, mx := slices.Min(vals), slices.Max(vals)
			p := tt.params
			p.Resolution = float64(float32(math.Max(0.001, (mx-mn)/tt.bands)))
			e, err := NewRDSE(p)
			require.NoError(t, err)
			assert.Equal(t, tt.wantActive, e.Params().ActiveBits)
			var got []uint32
			mismatches := 0
			for i, v := range vals {
				got, err = e.Encode(v, got)
				require.NoError(t, err, "row %d", i)
				if !assert.Equal(t, want[i], got, "row %d value %v", i, v) {
					if mismatches++; mismatches == 5 {
						t.FailNow()
					}
				}
			}
		})
	}
}

func TestNewRDSEResolvesParams(t *testing.T) {
	tests := []struct {
		name string
		in   RDSEParams
		want RDSEParams
	}{
		{
			name: "sparsity",
			in:   RDSEParams{Size: 1000, Sparsity: 0.2, Resolution: 0.5, Seed: 1},
			want: RDSEParams{Size: 1000, ActiveBits: 200, Sparsity: float64(float32(0.2)), Radius: 100, Resolution: 0.5, Seed: 1},
		},
		{
			// float32(0.02)*66 = 1.32 rounds to 1; sparsity is recomputed.
			name: "sparsity rounds",
			in:   RDSEParams{Size: 66, Sparsity: 0.02, Resolution: 1, Seed: 1},
			want: RDSEParams{Size: 66, ActiveBits: 1, Sparsity: float64(float32(1) / 66), Radius: 1, Resolution: 1, Seed: 1},
		},
		{
			name: "sparsity rounds half away from zero",
			in:   RDSEParams{Size: 10, Sparsity: 0.25, Resolution: 1, Seed: 1},
			want: RDSEParams{Size: 10, ActiveBits: 3, Sparsity: float64(float32(0.3)), Radius: 3, Resolution: 1, Seed: 1},
		},
		{
			name: "radius",
			in:   RDSEParams{Size: 400, ActiveBits: 21, Radius: 9.49, Seed: 3},
			want: RDSEParams{Size: 400, ActiveBits: 21, Sparsity: float64(float32(21) / 400), Radius: float64(float32(9.49)), Resolution: float64(float32(9.49) / 21), Seed: 3},
		},
		{
			name: "resolution is float32",
			in:   RDSEParams{Size: 400, ActiveBits: 21, Resolution: 0.1, Seed: 3},
			want: RDSEParams{Size: 400, ActiveBits: 21, Sparsity: float64(float32(21) / 400), Radius: float64(21 * float32(0.1)), Resolution: float64(float32(0.1)), Seed: 3},
		},
		{
			name: "category",
			in:   RDSEParams{Size: 400, ActiveBits: 20, Category: true, Seed: 3},
			want: RDSEParams{Size: 400, ActiveBits: 20, Sparsity: float64(float32(20) / 400), Radius: 1, Resolution: float64(float32(1) / 20), Category: true, Seed: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewRDSE(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, e.Params())
			assert.Equal(t, tt.want.Size, e.Size())
		})
	}
}

func TestNewRDSEErrors(t *testing.T) {
	tests := []struct {
		name string
		in   RDSEParams
		want string
	}{
		{"size 0", RDSEParams{ActiveBits: 1, Resolution: 1, Seed: 1}, "size 0 must be in [1, "},
		{"size too big", RDSEParams{Size: 1 << 33, ActiveBits: 1, Resolution: 1, Seed: 1}, "size 8589934592 must be in"},
		{"negative activeBits", RDSEParams{Size: 10, ActiveBits: -1, Resolution: 1, Seed: 1}, "activeBits -1 must be in"},
		{"no activeBits", RDSEParams{Size: 10, Resolution: 1, Seed: 1}, "need one of activeBits or sparsity"},
		{"both activeBits", RDSEParams{Size: 10, ActiveBits: 2, Sparsity: 0.2, Resolution: 1, Seed: 1}, "activeBits 2 and sparsity 0.2 both given"},
		{"sparsity above 1", RDSEParams{Size: 10, Sparsity: 1.5, Resolution: 1, Seed: 1}, "sparsity 1.5 must be at most 1"},
		{"sparsity gives 0", RDSEParams{Size: 10, Sparsity: 0.01, Resolution: 1, Seed: 1}, "sparsity 0.01 of size 10 gives 0 active bits"},
		{"negative sparsity", RDSEParams{Size: 10, Sparsity: -0.1, Resolution: 1, Seed: 1}, "sparsity -0.1 must be a finite number"},
		{"NaN radius", RDSEParams{Size: 10, ActiveBits: 1, Radius: math.NaN(), Seed: 1}, "radius NaN must be a finite number"},
		{"resolution underflows float32", RDSEParams{Size: 10, ActiveBits: 1, Resolution: 1e-60, Seed: 1}, "resolution 1e-60 is out of float32 range"},
		{"resolution overflows float32", RDSEParams{Size: 10, ActiveBits: 1, Resolution: 1e60, Seed: 1}, "resolution 1e+60 is out of float32 range"},
		{"no resolution", RDSEParams{Size: 10, ActiveBits: 1, Seed: 1}, "need one of radius, resolution or category"},
		{"radius and category", RDSEParams{Size: 10, ActiveBits: 1, Radius: 2, Category: true, Seed: 1}, "choose only one"},
		{"seed 0", RDSEParams{Size: 10, ActiveBits: 1, Resolution: 1}, "seed 0 must be nonzero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewRDSE(tt.in)
			require.Error(t, err)
			assert.Nil(t, e)
			assert.Contains(t, err.Error(), "encoder: rdse: ")
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// rdseBits is the RDSE definition written out: the set of
// Murmur3_32(le32(index+k)) % size.
func rdseBits(index uint32, activeBits int, size, seed uint32) []uint32 {
	var out []uint32
	for k := 0; k < activeBits; k++ {
		v := index + uint32(k)
		h := Murmur3_32([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}, seed)
		out = append(out, h%size)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestRDSEEncode(t *testing.T) {
	const size, ab, seed = 500, 15, 42
	e, err := NewRDSE(RDSEParams{Size: size, ActiveBits: ab, Resolution: 0.5, Seed: seed})
	require.NoError(t, err)
	tests := []struct {
		name  string
		x     float64
		index uint32
	}{
		{"zero", 0, 0},
		{"inside first band", 0.49, 0},
		{"second band", 0.5, 1},
		{"large", 1234.7, 2469},
		{"negative, truncated toward zero", -0.49, 0},
		{"negative wraps", -0.5, math.MaxUint32},
		{"negative wraps further", -1.6, math.MaxUint32 - 2},
		{"beyond 2^32 keeps low bits", (1<<32 + 5) * 0.5, 5},
		{"beyond 2^63 gives 0", 1e19, 0},
		{"beyond -2^63 gives 0", -1e19, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.Encode(tt.x, nil)
			require.NoError(t, err)
			assert.Equal(t, rdseBits(tt.index, ab, size, seed), got)
			assert.NoError(t, sdr.Validate(got, size))
		})
	}
}

func TestRDSEEncodeSemantics(t *testing.T) {
	e, err := NewRDSE(RDSEParams{Size: 2000, ActiveBits: 40, Radius: 10, Seed: 9})
	require.NoError(t, err)
	require.InDelta(t, 0.25, e.Params().Resolution, 1e-9)
	a, err := e.Encode(100, nil)
	require.NoError(t, err)
	b, err := e.Encode(105, nil)
	require.NoError(t, err)
	c, err := e.Encode(111, nil)
	require.NoError(t, err)
	// 105 is half a radius away: it shares 20 of 40 hash indices.
	assert.GreaterOrEqual(t, sdr.Overlap(a, b), 20-2)
	assert.LessOrEqual(t, sdr.Overlap(a, b), 20+2)
	// 111 is more than a radius away: no shared indices, only chance
	// collisions.
	assert.LessOrEqual(t, sdr.Overlap(a, c), 4)
}

func TestRDSEEncodeReusesDst(t *testing.T) {
	e, err := NewRDSE(RDSEParams{Size: 1000, ActiveBits: 21, Resolution: 1, Seed: 7})
	require.NoError(t, err)
	buf := make([]uint32, 3, 64)
	buf[0] = 999999
	got, err := e.Encode(3, buf)
	require.NoError(t, err)
	assert.Same(t, &buf[:1][0], &got[:1][0], "Encode must reuse dst's storage")
	want, err := e.Encode(3, nil)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

func TestRDSEEncodeErrors(t *testing.T) {
	plain, err := NewRDSE(RDSEParams{Size: 100, ActiveBits: 5, Resolution: 1, Seed: 1})
	require.NoError(t, err)
	cat, err := NewRDSE(RDSEParams{Size: 100, ActiveBits: 5, Category: true, Seed: 1})
	require.NoError(t, err)
	tests := []struct {
		name string
		e    *RDSE
		x    float64
		want string
	}{
		{"NaN", plain, math.NaN(), "encoder: rdse: input NaN is not a finite number"},
		{"+Inf", plain, math.Inf(1), "encoder: rdse: input +Inf is not a finite number"},
		{"-Inf", plain, math.Inf(-1), "encoder: rdse: input -Inf is not a finite number"},
		{"category fraction", cat, 2.5, "encoder: rdse: category input 2.5 is not an unsigned integer"},
		{"category negative", cat, -1, "encoder: rdse: category input -1 is not an unsigned integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.e.Encode(tt.x, []uint32{1, 2})
			assert.EqualError(t, err, tt.want)
			assert.Empty(t, got)
		})
	}
}

// TestRDSECategoryResolution pins htm.core's category arithmetic: the
// resolution is float32(1/activeBits), which for these widths lies just above
// 1/activeBits, so category x >= 1 starts at hash index x*activeBits-1 rather
// than x*activeBits, and categories 0 and 1 share hash index activeBits-1.
func TestRDSECategoryResolution(t *testing.T) {
	tests := []struct {
		activeBits int
		x          float64
		index      uint32
	}{
		{20, 0, 0},
		{20, 1, 19},
		{20, 3, 59},
		{21, 5, 104},
		{21, 1000, 20999},
		{7, 12, 83},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("ab%d_x%v", tt.activeBits, tt.x), func(t *testing.T) {
			e, err := NewRDSE(RDSEParams{Size: 5000, ActiveBits: tt.activeBits, Category: true, Seed: 5})
			require.NoError(t, err)
			got, err := e.Encode(tt.x, nil)
			require.NoError(t, err)
			assert.Equal(t, rdseBits(tt.index, tt.activeBits, 5000, 5), got)
		})
	}
}
