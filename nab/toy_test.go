package nab_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// The toy case of SCORING.md §10, with NAB's own values.

// ulps is the tolerance for values NAB computed with the same formula
// (math.Exp and libm's exp may differ in the last bit).
const ulps = 1e-15

func TestToyCorpus(t *testing.T) {
	c, _ := loadToy(t)
	require.Len(t, c.Files, 1)
	f := c.File("toy/toy.csv")
	require.NotNil(t, f)
	assert.Equal(t, 100, f.Len())
	assert.Equal(t, 15, f.Probation())
	require.Len(t, f.Windows, 1)
	w := f.Windows[0]
	assert.Equal(t, nab.Window{Start: "2020-01-01 00:40:00.000000", End: "2020-01-01 00:49:00.000000", First: 40, Last: 49}, w)
	assert.Equal(t, 10, w.Width())
	assert.True(t, f.Counted(0))
	assert.Equal(t, 1, c.NumWindows())
	assert.Equal(t, 1, c.CountedWindows())
	for i := range f.Len() {
		want := -1
		if i >= 40 && i <= 49 {
			want = 0
		}
		assert.Equal(t, want, f.InWindow(i), "row %d", i)
	}
}

func TestToySweepScores(t *testing.T) {
	c, _ := loadToy(t)
	s := c.File("toy/toy.csv").SweepScores(nab.Standard)
	want := map[int]float64{
		40: 1.0,
		45: 0.8597925669097837,
		49: 0.24824154977542992,
		50: -0.029793183036839352,
		60: -0.10951310130369775,
		80: -0.11,
	}
	for i := 0; i < 40; i++ {
		want[i] = -0.11 // before the first window: exactly -fpWeight
	}
	for i, v := range want {
		assert.InDelta(t, v, s[i], ulps, "row %d", i)
	}
	assert.Equal(t, 1.0, s[40], "the first row of a window is worth exactly tpWeight")
	assert.Equal(t, -0.11, s[0])
	assert.Equal(t, -0.11, s[80], "far after the window the cost is exactly fpWeight")
	for i := 41; i <= 49; i++ {
		assert.Less(t, s[i], s[i-1], "in-window values fall, row %d", i)
		assert.Greater(t, s[i], 0.0)
	}
	for i := 51; i <= 76; i++ {
		assert.Less(t, s[i], s[i-1], "after the window costs rise, row %d", i)
	}
}

var toySweep = []nab.ThresholdScore{
	{Threshold: 1.1, Raw: -1.0, Counts: nab.Counts{TP: 0, TN: 75, FP: 0, FN: 10}},
	{Threshold: 0.95, Raw: 0.6437662150014791, Counts: nab.Counts{TP: 1, TN: 75, FP: 0, FN: 9}},
	{Threshold: 0.9, Raw: 0.8597925669097837, Counts: nab.Counts{TP: 2, TN: 75, FP: 0, FN: 8}},
	{Threshold: 0.8, Raw: 0.7502794656060859, Counts: nab.Counts{TP: 2, TN: 74, FP: 1, FN: 8}},
	{Threshold: 0.0, Raw: -7.027960862065994, Counts: nab.Counts{TP: 10, TN: 0, FP: 75, FN: 0}},
}

func TestToySweep(t *testing.T) {
	c, r := loadToy(t)
	got, err := nab.Sweep(c, r, nab.Standard)
	require.NoError(t, err)
	require.Len(t, got, len(toySweep))
	for i, want := range toySweep {
		assert.Equal(t, want.Threshold, got[i].Threshold, "entry %d", i)
		assert.InDelta(t, want.Raw, got[i].Raw, ulps, "entry %d", i)
		assert.Equal(t, want.Counts, got[i].Counts, "entry %d", i)
		assert.Equal(t, 85, got[i].Total(), "entry %d", i)
	}

	θ, raw, err := nab.Optimize(c, r, nab.Standard)
	require.NoError(t, err)
	assert.Equal(t, 0.9, θ)
	assert.InDelta(t, 0.8597925669097837, raw, ulps)
}

func TestToyScore(t *testing.T) {
	c, r := loadToy(t)
	for _, want := range toySweep {
		got, err := nab.Score(c, r, nab.Standard, want.Threshold)
		require.NoError(t, err)
		assert.InDelta(t, want.Raw, got.Raw, ulps, "θ = %v", want.Threshold)
		assert.Equal(t, want.Counts, got.Counts, "θ = %v", want.Threshold)
		require.Len(t, got.Files, 1)
		assert.Equal(t, nab.FileScore{Name: "toy/toy.csv", Raw: got.Raw, Counts: got.Counts}, got.Files[0])
	}
	// Thresholds between the anomaly scores select the same rows as the
	// next higher score; NAB crashes outside [lowest score, 1.1], Score
	// detects nothing or everything.
	for _, tt := range []struct{ θ, want float64 }{
		{0.97, -1.0}, {0.92, 0.6437662150014791}, {0.85, 0.8597925669097837},
		{0.5, 0.7502794656060859}, {5, -1.0}, {-1, -7.027960862065994},
	} {
		got, err := nab.Score(c, r, nab.Standard, tt.θ)
		require.NoError(t, err)
		assert.InDelta(t, tt.want, got.Raw, ulps, "θ = %v", tt.θ)
	}
}

func TestToyNormalize(t *testing.T) {
	c, r := loadToy(t)
	assert.Equal(t, -1.0, nab.NullScore(c, nab.Standard))
	assert.Equal(t, -2.0, nab.NullScore(c, nab.RewardLowFN))
	assert.Equal(t, 1.0, nab.PerfectScore(c, nab.Standard))
	_, raw, err := nab.Optimize(c, r, nab.Standard)
	require.NoError(t, err)
	assert.InDelta(t, 100*(raw+1)/2, c.Normalize(nab.Standard, raw), 1e-12)
	assert.Equal(t, 0.0, nab.Normalize(-1, -1, 1))
	assert.Equal(t, 100.0, nab.Normalize(1, -1, 1))
	assert.Equal(t, -50.0, nab.Normalize(-2, -1, 1))

	// A perfect detector: one detection at the first row of each window.
	perfect := nab.Constant(c, 0)
	perfect["toy/toy.csv"][40] = 1
	res, err := nab.Score(c, perfect, nab.Standard, 0.5)
	require.NoError(t, err)
	assert.Equal(t, 1.0, res.Raw)
	assert.Equal(t, 100.0, c.Normalize(nab.Standard, res.Raw))
}
