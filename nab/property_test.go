package nab_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// A naive scorer written directly from SCORING.md §2–§5, checked against
// the package on random corpora.

type naiveFile struct {
	n       int
	windows [][2]int // row ranges, inclusive
	scores  []float64
}

func naiveSS(y float64) float64 {
	if y > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// naiveWeight is the §4 value of a detection at row i.
func naiveWeight(f naiveFile, p nab.Profile, i int) float64 {
	prev := -1
	for k, w := range f.windows {
		if w[0] <= i && i <= w[1] {
			width := float64(w[1] - w[0] + 1)
			return p.TP * naiveSS(-float64(w[1]-i+1)/width) / naiveSS(-1)
		}
		if w[1] < i {
			prev = k
		}
	}
	if prev < 0 {
		return -p.FP
	}
	w := prev
	width := float64(f.windows[w][1] - f.windows[w][0] + 1)
	return p.FP * naiveSS(float64(i-f.windows[w][1])/(width-1))
}

func naiveProbation(n int) int { return min(15*n/100, 750) }

// naiveScore is §5: the score at threshold θ over all files.
func naiveScore(files []naiveFile, p nab.Profile, θ float64) (float64, nab.Counts) {
	raw := 0.0
	var c nab.Counts
	for _, f := range files {
		pr := naiveProbation(f.n)
		for i := pr; i < f.n; i++ {
			in := slices.ContainsFunc(f.windows, func(w [2]int) bool { return w[0] <= i && i <= w[1] })
			det := f.scores[i] >= θ
			switch {
			case in && det:
				c.TP++
			case in:
				c.FN++
			case det:
				c.FP++
				raw += naiveWeight(f, p, i)
			default:
				c.TN++
			}
		}
		for _, w := range f.windows {
			if w[1] < pr {
				continue // not counted
			}
			v := -p.FN
			for i := max(w[0], pr); i <= w[1]; i++ {
				if f.scores[i] >= θ {
					v = naiveWeight(f, p, i)
					break
				}
			}
			raw += v
		}
	}
	return raw, c
}

// randomCorpus returns a random corpus: files of 2–400 rows, 0–4 windows
// each (some inside the probation), scores from a small set so that many
// tie.
func randomCorpus(rng *rand.Rand) ([]naiveFile, *nab.Corpus, nab.Results) {
	levels := []float64{0, 0.1, 0.25, 0.5, 0.5, 0.7, 0.9, 0.95, 1}
	var files []naiveFile
	var cfiles []*nab.File
	r := nab.Results{}
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for fi := range 1 + rng.IntN(4) {
		n := 2 + rng.IntN(400)
		f := naiveFile{n: n, scores: make([]float64, n)}
		for i := range f.scores {
			if rng.IntN(3) == 0 {
				f.scores[i] = levels[rng.IntN(len(levels))]
			} else {
				f.scores[i] = float64(rng.IntN(1000)) / 1000
			}
		}
		// Disjoint windows of width ≥ 2, in order.
		at := rng.IntN(n/2 + 1)
		for range rng.IntN(5) {
			if at+2 > n {
				break
			}
			last := at + 1 + rng.IntN(min(n-at-1, 60))
			f.windows = append(f.windows, [2]int{at, last})
			at = last + 1 + rng.IntN(max(1, n/4))
		}
		ts := make([]string, n)
		for i := range ts {
			ts[i] = t0.Add(time.Duration(i) * 5 * time.Minute).Format(time.DateTime)
		}
		ws := make([][2]string, len(f.windows))
		for k, w := range f.windows {
			ws[k] = [2]string{ts[w[0]] + ".000000", ts[w[1]] + ".000000"}
		}
		name := fmt.Sprintf("cat/f%d.csv", fi)
		cf, err := nab.NewFile(name, ts, nil, ws)
		if err != nil {
			panic(err)
		}
		files = append(files, f)
		cfiles = append(cfiles, cf)
		r[name] = f.scores
	}
	c, err := nab.NewCorpus(cfiles...)
	if err != nil {
		panic(err)
	}
	return files, c, r
}

func TestAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	profiles := append(nab.Profiles(), nab.Profile{Name: "odd", TP: 2.5, FP: 0.7, FN: 0.3})
	for iter := range 100 {
		files, c, r := randomCorpus(rng)
		for _, p := range profiles {
			sweep, err := nab.Sweep(c, r, p)
			require.NoError(t, err)
			// The candidate thresholds: 1.1 and every scorable score.
			want := []float64{1.1}
			for _, f := range files {
				want = append(want, f.scores[naiveProbation(f.n):]...)
			}
			slices.Sort(want)
			slices.Reverse(want)
			want = slices.Compact(want)
			got := make([]float64, len(sweep))
			for j, s := range sweep {
				got[j] = s.Threshold
			}
			require.Equal(t, want, got, "iteration %d %s", iter, p.Name)

			best := sweep[0]
			for _, s := range sweep {
				raw, counts := naiveScore(files, p, s.Threshold)
				require.InDelta(t, raw, s.Raw, 1e-9, "iteration %d %s θ=%v", iter, p.Name, s.Threshold)
				require.Equal(t, counts, s.Counts, "iteration %d %s θ=%v", iter, p.Name, s.Threshold)
				res, err := nab.Score(c, r, p, s.Threshold)
				require.NoError(t, err)
				require.InDelta(t, raw, res.Raw, 1e-9, "iteration %d %s θ=%v", iter, p.Name, s.Threshold)
				require.Equal(t, counts, res.Counts)
				if s.Raw > best.Raw {
					best = s
				}
			}
			θ, raw, err := nab.Optimize(c, r, p)
			require.NoError(t, err)
			require.Equal(t, best.Threshold, θ)
			require.Equal(t, best.Raw, raw)

			// Arbitrary thresholds select the rows ≥ θ.
			for range 3 {
				θ := rng.Float64()*1.3 - 0.1
				raw, counts := naiveScore(files, p, θ)
				res, err := nab.Score(c, r, p, θ)
				require.NoError(t, err)
				require.InDelta(t, raw, res.Raw, 1e-9)
				require.Equal(t, counts, res.Counts)
			}
		}
		perfect, counted := 0, 0
		for _, f := range files {
			perfect += len(f.windows)
			for _, w := range f.windows {
				if w[1] >= naiveProbation(f.n) {
					counted++
				}
			}
		}
		require.Equal(t, float64(perfect), nab.PerfectScore(c, nab.Standard))
		require.Equal(t, counted, c.CountedWindows())
		// The null detector detects nothing or, on small corpora where that
		// scores better, everything.
		nulls := make([]naiveFile, len(files))
		for i, f := range files {
			nulls[i] = f
			nulls[i].scores = make([]float64, f.n)
			for j := range f.n {
				nulls[i].scores[j] = 0.5
			}
		}
		all, _ := naiveScore(nulls, nab.RewardLowFN, 0.5)
		null := -2 * float64(counted)
		if all > null {
			null = all
		}
		require.InDelta(t, null, nab.NullScore(c, nab.RewardLowFN), 1e-9)
	}
}
