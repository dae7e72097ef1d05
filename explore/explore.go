// Package explore runs the Numenta Anomaly Benchmark over a grid of model
// variants and sets each one's detection quality beside its hardware cost:
// the bits of its memory image, the parts that hold it on chip (image.Map),
// the simulator's cycles per step on a fixed series and the steps per
// second at a part's clock. Results are cached per variant, so a rerun, or
// a larger grid, computes only what it has not seen.
//
// Choosing the best of many variants on the same corpus flatters the
// winner (NAB's own caveat about tuning on the corpus), so each variant is
// also scored on a split: its threshold optimised on half A of the files
// and its score reported on half B at that threshold. The grid is declared
// before the run (Grid, default.yaml) and nothing is tuned by hand.
package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/nab"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
)

// Scores are a variant's NAB scores.
type Scores struct {
	Standard float64 `json:"standard"`
	LowFP    float64 `json:"reward_low_FP_rate"`
	LowFN    float64 `json:"reward_low_FN_rate"`
	// Threshold is the standard profile's optimised threshold.
	Threshold float64 `json:"threshold"`
	// SplitA is the standard score on half A of the files, its threshold
	// (SplitThreshold) optimised there; SplitB is the standard score on
	// half B at that threshold: what choosing on A predicts for unseen
	// files.
	SplitA         float64 `json:"splitA"`
	SplitB         float64 `json:"splitB"`
	SplitThreshold float64 `json:"splitThreshold"`
}

// Cost is a variant's hardware cost.
type Cost struct {
	ImageBits     int      `json:"imageBits"`
	OnChip        []string `json:"onChip"` // the parts that hold every memory on chip, smallest first
	CyclesPerStep float64  `json:"cyclesPerStep"`
	Steps         int      `json:"steps"` // the rows of the series the cycles are the mean of
}

// Result is one variant's row of the table.
type Result struct {
	Variant
	Scores
	Cost
	// StepsPerSecond is the rate at each part's clock where one is known
	// (the grid's clocks), for the parts that hold the variant.
	StepsPerSecond map[string]float64 `json:"stepsPerSecond,omitempty"`
	Cached         bool               `json:"-"`
}

// Smallest returns the smallest part that holds the variant on chip, or "".
func (r *Result) Smallest() string {
	if len(r.OnChip) == 0 {
		return ""
	}
	return r.OnChip[0]
}

// Explorer runs a grid.
type Explorer struct {
	Grid   *Grid
	Corpus *nab.Corpus
	// CacheDir holds a result per variant (nab/ and cost/ under it); ""
	// caches nothing.
	CacheDir string
	// Jobs is the number of files run at once (0: one per CPU).
	Jobs int
	// Progress, when not nil, is called with rows done of the total as the
	// work advances, from any goroutine, one call at a time.
	Progress func(done, total int)
	// Series is the rows of the grid's series (LoadSeries).
	Series []series.Row
}

// LoadSeries reads the grid's series: under the corpus's data folder
// dataDir when it names a file there, else as a path.
func (e *Explorer) LoadSeries(dataDir string) error {
	p := filepath.Join(dataDir, filepath.FromSlash(e.Grid.Series))
	if _, err := os.Stat(p); err != nil {
		p = e.Grid.Series
	}
	rows, err := series.ReadFile(p, series.Options{})
	if err != nil {
		return fmt.Errorf("explore: the grid's series: %w", err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("explore: the grid's series %s has no rows", p)
	}
	if e.Grid.Steps > 0 && e.Grid.Steps < len(rows) {
		rows = rows[:e.Grid.Steps]
	}
	e.Series = rows
	return nil
}

// Split returns the two halves of the corpus: the files in name order
// (so by category, as names begin with it) alternately in A and B, which
// puts half of each category, give or take one, in each half.
func Split(c *nab.Corpus) (a, b *nab.Corpus, err error) {
	files := slices.Clone(c.Files)
	slices.SortFunc(files, func(x, y *nab.File) int { return strings.Compare(x.Name, y.Name) })
	var fa, fb []*nab.File
	for k, f := range files {
		if k%2 == 0 {
			fa = append(fa, f)
		} else {
			fb = append(fb, f)
		}
	}
	if len(fa) == 0 || len(fb) == 0 {
		return nil, nil, fmt.Errorf("explore: %d files cannot be split in two halves", len(files))
	}
	if a, err = nab.NewCorpus(fa...); err == nil {
		b, err = nab.NewCorpus(fb...)
	}
	return a, b, err
}

// subset returns the results of a sub-corpus's files.
func subset(r nab.Results, c *nab.Corpus) nab.Results {
	out := make(nab.Results, len(c.Files))
	for _, f := range c.Files {
		out[f.Name] = r[f.Name]
	}
	return out
}

// Run runs every variant of the grid that the cache does not hold and
// returns the table, in the grid's order.
func (e *Explorer) Run(ctx context.Context) ([]Result, error) {
	vs, err := e.Grid.Variants()
	if err != nil {
		return nil, err
	}
	if e.Series == nil {
		return nil, fmt.Errorf("explore: no series loaded for the cycle count")
	}
	jobs, total, err := e.plan(vs)
	if err != nil {
		return nil, err
	}
	done := 0
	advance := func(n int) {
		done += n
		if e.Progress != nil {
			e.Progress(done, total)
		}
	}
	halfA, halfB, err := Split(e.Corpus)
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(vs))
	for i, v := range vs {
		j := &jobs[i]
		if !j.nabDone {
			var mu sync.Mutex
			res, err := nab.DetectEngine(ctx, nab.Int, j.cfg, e.Corpus, e.Jobs, func(f *nab.File) {
				mu.Lock()
				defer mu.Unlock()
				advance(f.Len())
			})
			if err != nil {
				return nil, fmt.Errorf("explore: %s: %w", v.Name, err)
			}
			if *j.scores, err = score(e.Corpus, halfA, halfB, res); err != nil {
				return nil, fmt.Errorf("explore: %s: %w", v.Name, err)
			}
			if err := e.store("nab", j.nabKey, j.scores); err != nil {
				return nil, err
			}
		}
		if !j.simDone {
			if *j.cost, err = e.cost(ctx, j.cfg, v.Arch(), advance); err != nil {
				return nil, fmt.Errorf("explore: %s: %w", v.Name, err)
			}
			if err := e.store("cost", j.costKey, j.cost); err != nil {
				return nil, err
			}
		}
		out[i] = Result{Variant: v, Scores: *j.scores, Cost: *j.cost, Cached: j.cached}
		if err := e.rates(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rates sets a result's steps per second at the clock of each part that
// holds it, where the grid knows one.
func (e *Explorer) rates(r *Result) error {
	for _, name := range r.OnChip {
		p, err := image.PartByName(name)
		if err != nil {
			return err
		}
		if hz, err := e.Grid.clockOf(p); err == nil && r.CyclesPerStep > 0 {
			if r.StepsPerSecond == nil {
				r.StepsPerSecond = map[string]float64{}
			}
			r.StepsPerSecond[p.Name] = hz / r.CyclesPerStep
		}
	}
	return nil
}

// A job is the work of one variant.
type job struct {
	cfg              *model.Config
	nabKey, costKey  string
	scores           *Scores
	cost             *Cost
	nabDone, simDone bool // cached, or computed by an earlier job
	cached           bool // both from the cache
}

// plan returns a job per variant and the rows of work left to do.
// Variants with the same model (the same NAB key) or the same model and
// architecture (the same cost key) share one computation, the first one's.
func (e *Explorer) plan(vs []Variant) ([]job, int, error) {
	jobs := make([]job, len(vs))
	scores := map[string]*Scores{}
	costs := map[string]*Cost{}
	fromCache := map[string]bool{}
	total := 0
	for i, v := range vs {
		cfg, err := v.Config()
		if err != nil {
			return nil, 0, err
		}
		j := &jobs[i]
		j.cfg = cfg
		anon := *cfg
		anon.Name = "" // the variant's name is not part of its model
		if j.nabKey, err = key(&anon, "int"); err != nil {
			return nil, 0, err
		}
		if j.costKey, err = key(&anon, v.Arch(), e.Series, image.Parts); err != nil {
			return nil, 0, err
		}
		if s, ok := scores[j.nabKey]; ok {
			j.scores, j.nabDone = s, true
		} else {
			j.scores = &Scores{}
			scores[j.nabKey] = j.scores
			if e.load("nab", j.nabKey, j.scores) {
				j.nabDone, fromCache["nab"+j.nabKey] = true, true
			} else {
				total += e.Corpus.Rows()
			}
		}
		if c, ok := costs[j.costKey]; ok {
			j.cost, j.simDone = c, true
		} else {
			j.cost = &Cost{}
			costs[j.costKey] = j.cost
			if e.load("cost", j.costKey, j.cost) {
				j.simDone, fromCache["cost"+j.costKey] = true, true
			} else {
				total += len(e.Series)
			}
		}
		j.cached = fromCache["nab"+j.nabKey] && fromCache["cost"+j.costKey]
	}
	return jobs, total, nil
}

// score scores a variant's results on the whole corpus and on the split.
func score(c, a, b *nab.Corpus, res nab.Results) (Scores, error) {
	var s Scores
	all, err := nab.OptimizeAll(c, res, nab.Profiles())
	if err != nil {
		return s, err
	}
	for i, p := range nab.Profiles() {
		v := c.Normalize(p, all[i].Raw)
		switch p.Name {
		case nab.Standard.Name:
			s.Standard, s.Threshold = v, all[i].Threshold
		case nab.RewardLowFP.Name:
			s.LowFP = v
		case nab.RewardLowFN.Name:
			s.LowFN = v
		}
	}
	th, raw, err := nab.Optimize(a, subset(res, a), nab.Standard)
	if err != nil {
		return s, err
	}
	s.SplitA, s.SplitThreshold = a.Normalize(nab.Standard, raw), th
	rb, err := nab.Score(b, subset(res, b), nab.Standard, th)
	if err != nil {
		return s, err
	}
	s.SplitB = b.Normalize(nab.Standard, rb.Raw)
	return s, nil
}

// cost compiles the variant's image, maps it on every part and runs the
// simulator over the series with learning.
func (e *Explorer) cost(ctx context.Context, cfg *model.Config, a image.Arch, advance func(int)) (Cost, error) {
	var c Cost
	cc := *cfg
	cc.ResolveResolution(series.Range(e.Series))
	region, err := model.NewRegion(&cc)
	if err != nil {
		return c, err
	}
	im, err := image.Compile(region, a)
	if err != nil {
		return c, err
	}
	c.ImageBits = im.Bits()
	for _, p := range image.Parts {
		mm, err := im.Map(p)
		if err != nil {
			return c, err
		}
		if mm.OnChip() {
			c.OnChip = append(c.OnChip, p.Name)
		}
	}
	eng, err := runner.NewSim(im)
	if err != nil {
		return c, err
	}
	var cycles uint64
	n := 0
	_, err = runner.Run(ctx, eng, e.Series, 0, true, func(_ int, r *runner.Result) error {
		cycles += r.Sim.Total
		n++
		if n%256 == 0 {
			advance(256)
		}
		return nil
	})
	if err != nil {
		return c, err
	}
	advance(n % 256)
	c.Steps = n
	c.CyclesPerStep = float64(cycles) / float64(n)
	return c, nil
}

// load reads a cached result into v; it reports whether there was one.
func (e *Explorer) load(kind, key string, v any) bool {
	if e.CacheDir == "" {
		return false
	}
	data, err := os.ReadFile(filepath.Join(e.CacheDir, kind, key+".json"))
	if err != nil {
		return false
	}
	return json.Unmarshal(data, v) == nil
}

// store writes a result to the cache, under a temporary name first so that
// an interrupted run leaves no partial entry.
func (e *Explorer) store(kind, key string, v any) error {
	if e.CacheDir == "" {
		return nil
	}
	dir := filepath.Join(e.CacheDir, kind)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("explore: cache: %w", err)
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, key+".*.tmp")
	if err != nil {
		return fmt.Errorf("explore: cache: %w", err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("explore: cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("explore: cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, key+".json")); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("explore: cache: %w", err)
	}
	return nil
}
