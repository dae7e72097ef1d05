package nab_test

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// fixtures is the directory of the scorer's small test inputs.
const fixtures = "../testdata/nabscore"

func loadToy(t testing.TB) (*nab.Corpus, nab.Results) {
	t.Helper()
	c, err := nab.LoadCorpus(filepath.Join(fixtures, "toy", "data"), filepath.Join(fixtures, "toy", "windows.json"))
	require.NoError(t, err)
	r, err := nab.ReadResults(filepath.Join(fixtures, "toy", "results"), "hand")
	require.NoError(t, err)
	return c, r
}

func loadReal(t testing.TB) (*nab.Corpus, nab.Results) {
	t.Helper()
	c, err := nab.LoadCorpus(filepath.Join(fixtures, "real", "data"), filepath.Join(fixtures, "real", "windows.json"))
	require.NoError(t, err)
	r, err := nab.ReadResults(filepath.Join(fixtures, "real", "results"), "numenta")
	require.NoError(t, err)
	return c, r
}

// thresholds is NAB's config/thresholds.json: detector → profile → entry.
type thresholds map[string]map[string]struct {
	Score     float64 `json:"score"`
	Threshold float64 `json:"threshold"`
}

// finalResults is NAB's results/final_results.json: detector → profile → score.
type finalResults map[string]map[string]float64

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

// fileRef is one row of NAB's <detector>_<profile>_scores.csv.
type fileRef struct {
	Threshold, Score float64
	Counts           nab.Counts
}

// readScoresCSV reads NAB's per-file scores of a detector; the "Totals" row
// is returned under the key "Totals".
func readScoresCSV(t testing.TB, path string) map[string]fileRef {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"Detector", "Profile", "File", "Threshold", "Score", "TP", "TN", "FP", "FN", "Total_Count"}, recs[0])
	num := func(s string) float64 {
		if s == "" {
			return 0
		}
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}
	out := map[string]fileRef{}
	for _, rec := range recs[1:] {
		name := rec[2]
		if rec[0] == "Totals" {
			name = "Totals"
		}
		out[name] = fileRef{
			Threshold: num(rec[3]),
			Score:     num(rec[4]),
			Counts:    nab.Counts{TP: int(num(rec[5])), TN: int(num(rec[6])), FP: int(num(rec[7])), FN: int(num(rec[8]))},
		}
	}
	return out
}

// sharedDir returns the full NAB data set: $NAB_DATA if set, else
// ../shared/data/nab relative to the repository root. If it is absent the
// test is skipped, except under CI (CI=true), where it fails.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("NAB_DATA")
	if dir == "" {
		// The package directory is <root>/nab.
		dir = filepath.Join("..", "..", "shared", "data", "nab")
	}
	if _, err := os.Stat(filepath.Join(dir, "combined_windows.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the NAB corpus is required under CI but is not at %s: %v", dir, err)
		}
		t.Skipf("the NAB corpus is not at %s (set NAB_DATA to its directory); skipping", dir)
	}
	return dir
}

var full struct {
	once    sync.Once
	corpus  *nab.Corpus
	numenta nab.Results
	err     error
}

// loadFull loads the full corpus and the numenta detector's results once.
func loadFull(t testing.TB) (string, *nab.Corpus, nab.Results) {
	t.Helper()
	dir := sharedDir(t)
	full.once.Do(func() {
		full.corpus, full.err = nab.LoadCorpus(filepath.Join(dir, "data"), filepath.Join(dir, "combined_windows.json"))
		if full.err != nil {
			return
		}
		full.numenta, full.err = nab.ReadResults(filepath.Join(dir, "results"), "numenta")
	})
	require.NoError(t, full.err)
	return dir, full.corpus, full.numenta
}

// copyResults returns a deep copy of r.
func copyResults(r nab.Results) nab.Results {
	out := make(nab.Results, len(r))
	for k, v := range r {
		out[k] = append([]float64(nil), v...)
	}
	return out
}
