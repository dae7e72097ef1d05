package nab_test

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// Tests on the full NAB corpus (skipped when it is absent, except under CI).

// nabTol is the agreement required with NAB's own numbers.
const nabTol = 1e-9

func TestFullCorpus(t *testing.T) {
	_, c, _ := loadFull(t)
	assert.Len(t, c.Files, 58)
	assert.Equal(t, 365558, c.Rows())
	assert.Equal(t, 116, c.NumWindows())
	assert.Equal(t, 116, c.CountedWindows())
	probation, inWindows, empty := 0, 0, 0
	minW, maxW := math.MaxInt, 0
	for _, f := range c.Files {
		probation += f.Probation()
		for i := f.Probation(); i < f.Len(); i++ {
			if f.InWindow(i) >= 0 {
				inWindows++
			}
		}
		if len(f.Windows) == 0 {
			empty++
		}
		for _, w := range f.Windows {
			minW, maxW = min(minW, w.Width()), max(maxW, w.Width())
			assert.Greater(t, w.First, f.Probation(), "%s: every shipped window starts after the probation", f.Name)
		}
	}
	assert.Equal(t, 32716, probation)
	assert.Equal(t, 332842, c.Rows()-probation)
	assert.Equal(t, 33495, inWindows)
	assert.Equal(t, 6, empty)
	assert.Equal(t, 29, minW)
	assert.Equal(t, 1499, maxW)

	// 8 files repeat a timestamp (one steps back in time); no repeat is a
	// window edge or inside a window.
	withDups := 0
	for _, f := range c.Files {
		first := map[string]int{}
		dup := false
		for i, ts := range f.Timestamps {
			if j, ok := first[ts]; ok {
				dup = true
				assert.Equal(t, -1, f.InWindow(i), "%s row %d", f.Name, i)
				assert.Equal(t, -1, f.InWindow(j), "%s row %d", f.Name, j)
				continue
			}
			first[ts] = i
		}
		if dup {
			withDups++
		}
	}
	assert.Equal(t, 8, withDups)

	f := c.File("realTraffic/speed_7578.csv")
	require.NotNil(t, f)
	assert.Equal(t, 1127, f.Len())
	assert.Equal(t, 169, f.Probation())
	f = c.File("realKnownCause/machine_temperature_system_failure.csv")
	require.NotNil(t, f)
	assert.Equal(t, 22695, f.Len())
	assert.Equal(t, 750, f.Probation())
}

// TestNumentaPublished reproduces NAB's published scores of the numenta
// detector at the thresholds stored in config/thresholds.json.
func TestNumentaPublished(t *testing.T) {
	dir, c, r := loadFull(t)
	var th thresholds
	readJSON(t, filepath.Join(dir, "thresholds.json"), &th)
	var final finalResults
	readJSON(t, filepath.Join(dir, "final_results.json"), &final)

	wantCounts := map[string]nab.Counts{
		"standard":           {TP: 240, TN: 299194, FP: 153, FN: 33255},
		"reward_low_FP_rate": {TP: 223, TN: 299219, FP: 128, FN: 33272},
		"reward_low_FN_rate": {TP: 240, TN: 299194, FP: 153, FN: 33255},
	}
	published := map[string]float64{"standard": 70.10, "reward_low_FP_rate": 63.12, "reward_low_FN_rate": 74.32}
	for _, p := range nab.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			stored := th["numenta"][p.Name]
			res, err := nab.Score(c, r, p, stored.Threshold)
			require.NoError(t, err)
			assert.InDelta(t, stored.Score, res.Raw, nabTol, "raw score vs thresholds.json")
			assert.Equal(t, wantCounts[p.Name], res.Counts)
			assert.Equal(t, 332842, res.Total())

			null, perfect := nab.NullScore(c, p), nab.PerfectScore(c, p)
			assert.Equal(t, th["null"][p.Name].Score, null, "null score vs thresholds.json")
			assert.Equal(t, 116.0, perfect)
			score := nab.Normalize(res.Raw, null, perfect)
			assert.InDelta(t, final["numenta"][p.Name], score, nabTol, "normalised score vs final_results.json")
			assert.Equal(t, fmt.Sprintf("%.2f", published[p.Name]), fmt.Sprintf("%.2f", score))
			t.Logf("%s: θ=%v raw=%.13f (NAB %.13f, diff %.1e) score=%.10f (NAB %.10f, diff %.1e)",
				p.Name, stored.Threshold, res.Raw, stored.Score, res.Raw-stored.Score,
				score, final["numenta"][p.Name], score-final["numenta"][p.Name])

			// NAB's per-file scores (results/numenta/numenta_<profile>_scores.csv).
			ref := readScoresCSV(t, filepath.Join(fixtures, "reference", "numenta_"+p.Name+"_scores.csv"))
			require.Len(t, ref, 59)
			for _, fs := range res.Files {
				want, ok := ref[fs.Name]
				require.True(t, ok, fs.Name)
				assert.InDelta(t, want.Score, fs.Raw, 1e-10, fs.Name)
				assert.Equal(t, want.Counts, fs.Counts, fs.Name)
			}
			assert.InDelta(t, ref["Totals"].Score, res.Raw, 1e-10)
		})
	}
}

// TestNumentaOptimized reproduces the scores of the numenta detector with
// the threshold re-optimised by NAB's sweep (SCORING.md §10).
func TestNumentaOptimized(t *testing.T) {
	_, c, r := loadFull(t)
	want := map[string]struct {
		raw   float64
		score string
	}{
		"standard":           {46.63445019713761, "70.10"},
		"reward_low_FP_rate": {30.645309205798327, "63.21"},
		"reward_low_FN_rate": {26.63445019713761, "74.32"},
	}
	best, err := nab.OptimizeAll(c, r, nab.Profiles())
	require.NoError(t, err)
	for i, p := range nab.Profiles() {
		θ, raw, err := nab.Optimize(c, r, p)
		require.NoError(t, err)
		assert.Equal(t, best[i].Threshold, θ)
		assert.Equal(t, best[i].Raw, raw)

		assert.InDelta(t, 0.543099145074, θ, 1e-12, p.Name)
		assert.InDelta(t, want[p.Name].raw, raw, nabTol, p.Name)
		score := c.Normalize(p, raw)
		assert.Equal(t, want[p.Name].score, fmt.Sprintf("%.2f", score), p.Name)

		// Scoring file by file at that threshold gives the same.
		res, err := nab.Score(c, r, p, θ)
		require.NoError(t, err)
		assert.InDelta(t, raw, res.Raw, 1e-11, p.Name)
		assert.Equal(t, best[i].Counts, res.Counts, p.Name)
		t.Logf("%s: θ=%v raw=%.14f (NAB %.14f, diff %.1e) score=%.10f", p.Name, θ, raw, want[p.Name].raw, raw-want[p.Name].raw, score)
	}
}

// TestFullSweepMatchesScore checks, on the real detector output, that every
// entry of the sweep equals Score at its threshold.
func TestFullSweepMatchesScore(t *testing.T) {
	_, c, r := loadFull(t)
	sweep, err := nab.Sweep(c, r, nab.RewardLowFP)
	require.NoError(t, err)
	assert.Equal(t, 1.1, sweep[0].Threshold)
	assert.Equal(t, -116.0, sweep[0].Raw)
	last := sweep[len(sweep)-1]
	assert.Equal(t, nab.Counts{TP: 33495, FP: 332842 - 33495}, last.Counts)
	for j := 1; j < len(sweep); j++ {
		require.Less(t, sweep[j].Threshold, sweep[j-1].Threshold)
	}
	// A sample of entries, including both ends.
	for j := 0; j < len(sweep); j += len(sweep)/40 + 1 {
		for _, k := range []int{j, len(sweep) - 1 - j} {
			s := sweep[k]
			res, err := nab.Score(c, r, nab.RewardLowFP, s.Threshold)
			require.NoError(t, err)
			// The sums run in different orders: with tens of thousands of
			// false positives they differ in the 12th digit.
			assert.InDelta(t, s.Raw, res.Raw, 1e-9+1e-11*math.Abs(s.Raw), "θ = %v", s.Threshold)
			assert.Equal(t, s.Counts, res.Counts, "θ = %v", s.Threshold)
		}
	}
}

func TestFullNull(t *testing.T) {
	_, c, _ := loadFull(t)
	null := nab.Constant(c, 0.5)
	for _, p := range nab.Profiles() {
		θ, raw, err := nab.Optimize(c, null, p)
		require.NoError(t, err)
		assert.Equal(t, 1.1, θ)
		assert.Equal(t, -116*p.FN, raw)
		assert.Equal(t, -116*p.FN, nab.NullScore(c, p))
		assert.Equal(t, 0.0, c.Normalize(p, raw))
	}
}

// TestFullPerfect checks that a detector that detects exactly the first row
// of every window scores 100.
func TestFullPerfect(t *testing.T) {
	_, c, _ := loadFull(t)
	r := nab.Constant(c, 0)
	for _, f := range c.Files {
		for _, w := range f.Windows {
			r[f.Name][w.First] = 1
		}
	}
	for _, p := range nab.Profiles() {
		res, err := nab.Score(c, r, p, 1)
		require.NoError(t, err)
		assert.Equal(t, 116.0, res.Raw)
		assert.Equal(t, 100.0, c.Normalize(p, res.Raw))
		θ, raw, err := nab.Optimize(c, r, p)
		require.NoError(t, err)
		assert.Equal(t, 1.0, θ)
		assert.Equal(t, 116.0, raw)
	}
}

// TestFullIncomplete checks that results lacking a file or with a wrong row
// count are refused with an error naming the file.
func TestFullIncomplete(t *testing.T) {
	_, c, r := loadFull(t)

	missing := copyResults(r)
	delete(missing, "realKnownCause/nyc_taxi.csv")
	_, err := nab.Score(c, missing, nab.Standard, 0.5)
	require.ErrorIs(t, err, nab.ErrMissingFile)
	assert.Contains(t, err.Error(), "realKnownCause/nyc_taxi.csv")
	_, _, err = nab.Optimize(c, missing, nab.Standard)
	require.ErrorIs(t, err, nab.ErrMissingFile)
	assert.Contains(t, err.Error(), "realKnownCause/nyc_taxi.csv")

	short := copyResults(r)
	s := short["realTweets/Twitter_volume_AAPL.csv"]
	short["realTweets/Twitter_volume_AAPL.csv"] = s[:len(s)-1]
	_, err = nab.Score(c, short, nab.Standard, 0.5)
	require.ErrorIs(t, err, nab.ErrRowCount)
	assert.Contains(t, err.Error(), "realTweets/Twitter_volume_AAPL.csv")
	assert.Contains(t, err.Error(), fmt.Sprintf("%d anomaly scores", len(s)-1))
	_, err = nab.Sweep(c, short, nab.Standard)
	require.ErrorIs(t, err, nab.ErrRowCount)

	var fe *nab.FileError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "realTweets/Twitter_volume_AAPL.csv", fe.File)
}

// TestFullWriteRead writes the numenta results in NAB's layout and reads
// them back.
func TestFullWriteRead(t *testing.T) {
	_, c, r := loadFull(t)
	dir := t.TempDir()
	require.NoError(t, nab.WriteResults(dir, "copy", c, r))
	back, err := nab.ReadResults(dir, "copy")
	require.NoError(t, err)
	assert.Equal(t, r, back)
}
