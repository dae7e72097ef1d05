package nab_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// Tests on three real NAB files shipped in testdata/nabscore/real, checked
// against NAB's own per-file scores.

func TestRealCorpus(t *testing.T) {
	c, r := loadReal(t)
	require.Len(t, c.Files, 3)
	assert.Equal(t, []string{
		"realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv",
		"realAdExchange/exchange-2_cpc_results.csv",
		"realTraffic/speed_7578.csv",
	}, []string{c.Files[0].Name, c.Files[1].Name, c.Files[2].Name})
	assert.Equal(t, 1243+1624+1127, c.Rows())
	assert.Equal(t, 7, c.NumWindows())
	for _, f := range c.Files {
		assert.Len(t, r[f.Name], f.Len(), f.Name)
	}

	// CRLF line endings, values kept as written.
	ex := c.File("realAdExchange/exchange-2_cpc_results.csv")
	require.NotNil(t, ex)
	assert.Equal(t, 1624, ex.Len())
	assert.Equal(t, 243, ex.Probation())
	assert.Equal(t, "2011-07-01 00:00:01", ex.Timestamps[0])
	require.Len(t, ex.Windows, 1)
	w := ex.Windows[0]
	assert.Equal(t, "2011-07-11 04:00:01", ex.Timestamps[w.First])
	assert.Equal(t, "2011-07-17 22:00:01", ex.Timestamps[w.Last])

	sp := c.File("realTraffic/speed_7578.csv")
	require.NotNil(t, sp)
	assert.Equal(t, 169, sp.Probation())
	require.Len(t, sp.Windows, 4)
	for k, w := range sp.Windows {
		assert.Equal(t, w.Start[:19], sp.Timestamps[w.First], "window %d", k)
		assert.Equal(t, w.End[:19], sp.Timestamps[w.Last], "window %d", k)
		if k > 0 {
			assert.Greater(t, w.First, sp.Windows[k-1].Last)
		}
	}
}

// TestRealDuplicateTimestamps checks that rows are taken by position in a
// file whose timestamps repeat.
func TestRealDuplicateTimestamps(t *testing.T) {
	c, _ := loadReal(t)
	ex := c.File("realAdExchange/exchange-2_cpc_results.csv")
	seen := map[string]int{}
	dups := 0
	for i, ts := range ex.Timestamps {
		if _, ok := seen[ts]; ok {
			dups++
		} else {
			seen[ts] = i
		}
	}
	assert.Positive(t, dups, "the fixture has a repeated timestamp")
}

func TestRealNAB(t *testing.T) {
	c, r := loadReal(t)
	var th thresholds
	readJSON(t, filepath.Join(fixtures, "reference", "thresholds.json"), &th)
	profiles, err := nab.LoadProfiles(filepath.Join(fixtures, "reference", "profiles.json"))
	require.NoError(t, err)
	require.Equal(t, nab.Profiles(), profiles)
	for _, p := range profiles {
		ref := readScoresCSV(t, filepath.Join(fixtures, "reference", "numenta_"+p.Name+"_scores.csv"))
		θ := th["numenta"][p.Name].Threshold
		res, err := nab.Score(c, r, p, θ)
		require.NoError(t, err)
		require.Len(t, res.Files, 3)
		sum := 0.0
		for _, fs := range res.Files {
			want := ref[fs.Name]
			assert.InDelta(t, want.Threshold, θ, 1e-12)
			assert.InDelta(t, want.Score, fs.Raw, 1e-10, "%s %s", p.Name, fs.Name)
			assert.Equal(t, want.Counts, fs.Counts, "%s %s", p.Name, fs.Name)
			assert.Equal(t, c.File(fs.Name).Len()-c.File(fs.Name).Probation(), fs.Total())
			sum += fs.Raw
		}
		assert.Equal(t, sum, res.Raw)
	}
	// numenta misses both windows of the hand-edited iio file.
	res, err := nab.Score(c, r, nab.RewardLowFN, th["numenta"]["reward_low_FN_rate"].Threshold)
	require.NoError(t, err)
	assert.Equal(t, -4.0, res.Files[0].Raw)
}

func TestRealSweep(t *testing.T) {
	c, r := loadReal(t)
	for _, p := range nab.Profiles() {
		sweep, err := nab.Sweep(c, r, p)
		require.NoError(t, err)
		assert.Equal(t, nab.ThresholdScore{Threshold: 1.1, Raw: -7 * p.FN, Counts: sweep[0].Counts}, sweep[0])
		best := sweep[0]
		for j, s := range sweep {
			if j > 0 {
				require.Less(t, s.Threshold, sweep[j-1].Threshold)
			}
			if s.Raw > best.Raw {
				best = s
			}
			res, err := nab.Score(c, r, p, s.Threshold)
			require.NoError(t, err)
			require.InDelta(t, s.Raw, res.Raw, 1e-9+1e-12*math.Abs(res.Raw), "%s θ=%v", p.Name, s.Threshold)
			require.Equal(t, s.Counts, res.Counts, "%s θ=%v", p.Name, s.Threshold)
		}
		θ, raw, err := nab.Optimize(c, r, p)
		require.NoError(t, err)
		assert.Equal(t, best.Threshold, θ)
		assert.Equal(t, best.Raw, raw)
	}
}
