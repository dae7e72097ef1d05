package encoder

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A case worked by hand from nupic.core's generator (package
// model/rng/nupic, checked against nupic.core's own test vectors). Seed
// 42's raw draws are 91716700, 729225899, 1505223544, 930964946,
// 467588745, 563461275, 1395259286, 1884038379, 679143832, 87240242, ...
//
// w 1, n 7: the constructor shuffles 0..6 with one draw per position
// (swap i with i + draw mod (7 − i)): 91716700 mod 7 = 5, 729225899 mod 6
// = 5, 1505223544 mod 5 = 4, 930964946 mod 4 = 2, 467588745 mod 3 = 0,
// 563461275 mod 2 = 1, 1395259286 mod 1 = 0, giving 5 6 1 0 4 2 3: the
// middle bucket 500 is {5}. Every later bucket takes the next draw mod 7
// if it differs from its neighbour's bit (with w = 1 any other overlap is
// allowed): bucket 501 ← 1884038379 mod 7 = 6, bucket 499 ← 679143832 mod
// 7 = 3, bucket 502 ← 87240242 mod 7 = 5.
func TestNuPICRDSEHandWorked(t *testing.T) {
	e, err := NewNuPICRDSE(NuPICRDSEParams{N: 7, W: 1, Resolution: 0.5, Seed: 42})
	require.NoError(t, err)
	for _, tt := range []struct {
		x    float64
		want uint32
	}{
		{10, 5},    // the first value is the offset: bucket 500
		{10.26, 6}, // 0.26/0.5 = 0.52 rounds to 1: bucket 501
		{9.75, 3},  // −0.5 rounds away from zero to −1: bucket 499
		{11, 5},    // bucket 502
		{10.24, 5}, // 0.48 rounds to 0: bucket 500 again, no draw
		{10.75, 5}, // 1.5 rounds away from zero to 2: bucket 502, no draw
	} {
		got, err := e.Encode(tt.x, nil)
		require.NoError(t, err)
		assert.Equal(t, []uint32{tt.want}, got, "x %g", tt.x)
	}
	lo, hi := e.Range()
	assert.Equal(t, [2]int{499, 502}, [2]int{lo, hi})
}

// NuPIC's overlap rules hold between every pair of buckets of a map grown
// both ways, and a value's encoding does not change once its bucket exists.
func TestNuPICRDSEOverlapRules(t *testing.T) {
	e, err := NewNuPICRDSE(NuPICRDSEParams{N: 400, W: 21, Resolution: 1, Seed: 42})
	require.NoError(t, err)
	first := map[float64][]uint32{}
	for _, x := range []float64{0, 150, -120, 3, 149.6, -200, 7} {
		enc, err := e.Encode(x, nil)
		require.NoError(t, err)
		first[x] = append([]uint32(nil), enc...)
		require.Len(t, enc, 21)
	}
	lo, hi := e.Range()
	assert.Equal(t, [2]int{300, 650}, [2]int{lo, hi})
	for x, want := range first {
		enc, _ := e.Encode(x, nil)
		assert.Equal(t, want, enc, "x %g", x)
	}
	for i := lo; i <= hi; i++ {
		bi := map[uint32]bool{}
		for _, b := range e.Bucket(i) {
			assert.Less(t, b, uint32(400))
			bi[b] = true
		}
		require.Len(t, bi, 21, "bucket %d has a repeated bit", i)
		for j := i + 1; j <= hi; j++ {
			o := 0
			for _, b := range e.Bucket(j) {
				if bi[b] {
					o++
				}
			}
			if j-i < 21 {
				require.Equal(t, 21-(j-i), o, "buckets %d and %d", i, j)
			} else {
				require.LessOrEqual(t, o, NuPICMaxOverlap, "buckets %d and %d", i, j)
			}
		}
	}
}

func TestNuPICRDSEClipAndErrors(t *testing.T) {
	e, err := NewNuPICRDSE(NuPICRDSEParams{N: 400, W: 21, Resolution: 1, Seed: 42})
	require.NoError(t, err)
	before := e.State()
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		_, err := e.Encode(x, nil)
		assert.Error(t, err)
	}
	assert.Equal(t, before, e.State(), "a refused value changes nothing")
	_, err = e.Encode(-math.MaxFloat64, nil)
	require.NoError(t, err)
	_, err = e.Encode(math.MaxFloat64, nil) // MaxFloat64 − (−MaxFloat64) overflows
	assert.ErrorContains(t, err, "too far")
	for _, tt := range []struct {
		x    float64
		want int
	}{{-math.MaxFloat64, 500}, {0, 999}, {-math.MaxFloat64 * 0.5, 999}} {
		i, err := e.BucketIndex(tt.x)
		require.NoError(t, err)
		assert.Equal(t, tt.want, i, "x %g", tt.x)
	}
	for _, p := range []NuPICRDSEParams{
		{N: 400, W: 20, Resolution: 1, Seed: 1},
		{N: 126, W: 21, Resolution: 1, Seed: 1},
		{N: 400, W: 21, Resolution: 0, Seed: 1},
		{N: 400, W: 21, Resolution: math.Inf(1), Seed: 1},
		{N: 400, W: 21, Resolution: 1, Seed: 0},
	} {
		_, err := NewNuPICRDSE(p)
		assert.Error(t, err, "%+v", p)
	}
}

// A map saved and loaded grows on exactly as the original does.
func TestNuPICRDSEState(t *testing.T) {
	p := NuPICRDSEParams{N: 400, W: 21, Resolution: 0.25, Seed: 42}
	a, err := NewNuPICRDSE(p)
	require.NoError(t, err)
	for _, x := range []float64{1, 3, -2} {
		_, err := a.Encode(x, nil)
		require.NoError(t, err)
	}
	b, err := LoadNuPICRDSE(p, a.State())
	require.NoError(t, err)
	for _, x := range []float64{10, -10, 0.3, 40} {
		ea, err1 := a.Encode(x, nil)
		eb, err2 := b.Encode(x, nil)
		require.NoError(t, err1)
		require.NoError(t, err2)
		require.Equal(t, ea, eb, "x %g", x)
	}
	for name, mut := range map[string]func(*NuPICRDSEState){
		"range":     func(s *NuPICRDSEState) { s.MinIndex = 501 },
		"count":     func(s *NuPICRDSEState) { s.Buckets = s.Buckets[1:] },
		"width":     func(s *NuPICRDSEState) { s.Buckets[0] = s.Buckets[0][1:] },
		"repeat":    func(s *NuPICRDSEState) { s.Buckets[0][1] = s.Buckets[0][0] },
		"big bit":   func(s *NuPICRDSEState) { s.Buckets[0][0] = 400 },
		"neighbour": func(s *NuPICRDSEState) { s.Buckets[0][0], s.Buckets[0][1] = s.Buckets[0][1], s.Buckets[0][0] },
		"offset":    func(s *NuPICRDSEState) { s.Offset = math.NaN() },
		"generator": func(s *NuPICRDSEState) { s.Random.Fptr = 30 },
	} {
		s := a.State()
		mut(&s)
		_, err := LoadNuPICRDSE(p, s)
		assert.Error(t, err, name)
	}
}

// FuzzNuPICRDSE encodes arbitrary value sequences: never a panic, every
// encoding w distinct bits below n, neighbouring buckets sharing w − 1 bits,
// and a value's encoding unchanged once made.
func FuzzNuPICRDSE(f *testing.F) {
	f.Add([]byte{0, 10, 250, 3}, 0.5, uint64(42))
	f.Add([]byte{128, 0, 255, 255, 1}, 1e-3, uint64(1))
	f.Fuzz(func(t *testing.T, vals []byte, res float64, seed uint64) {
		e, err := NewNuPICRDSE(NuPICRDSEParams{N: 64, W: 5, Resolution: res, Seed: seed})
		if err != nil {
			return
		}
		seen := map[float64][]uint32{}
		for _, v := range vals {
			x := float64(int(v) - 128)
			enc, err := e.Encode(x, nil)
			if err != nil {
				if !strings.Contains(err.Error(), "nupic rdse") {
					t.Fatalf("error does not name the encoder: %v", err)
				}
				continue
			}
			if len(enc) != 5 || !slices.IsSorted(enc) || enc[4] >= 64 || len(slices.Compact(slices.Clone(enc))) != 5 {
				t.Fatalf("x %g: encoding %v", x, enc)
			}
			if old, ok := seen[x]; ok && !slices.Equal(old, enc) {
				t.Fatalf("x %g: encoding changed from %v to %v", x, old, enc)
			}
			seen[x] = enc
		}
		lo, hi := e.Range()
		for i := lo; i < hi; i++ {
			o := 0
			for _, b := range e.Bucket(i) {
				if slices.Contains(e.Bucket(i+1), b) {
					o++
				}
			}
			if o != 4 {
				t.Fatalf("buckets %d and %d share %d bits", i, i+1, o)
			}
		}
	})
}
