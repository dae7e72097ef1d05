package nab

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/anomaly"
	"github.com/htmhw/htmhw/quant/htmcore"
	"github.com/htmhw/htmhw/quant/nupic"
)

// SpatialTolerance is the fraction of the range of values seen so far by
// which a value must leave that range to be a spatial anomaly (NAB's
// numenta detector: SPATIAL_TOLERANCE = 0.05).
const SpatialTolerance = 0.05

// Detector is htmhw's NAB detector, in the spirit of NAB's "numenta"
// detector (nab/detectors/numenta/numenta_detector.py), with the golden
// model in place of NuPIC:
//
//   - the region of a model (the nab preset: NuPIC's NAB settings on the
//     plain temporal memory), its RDSE resolution derived from the file's
//     value range, as NAB gives its detectors inputMin and inputMax (the
//     nab preset: max(0.001, (max' − min')/130) over the range padded by
//     20 % on each side, as NAB's numenta detector; Config.ResolveResolution);
//   - NuPIC's AnomalyLikelihood with NAB's settings for the file: learning
//     period ⌊probation/2⌋, the rest of the probationary period as
//     estimation samples, re-estimation every 100 records
//     (anomaly.NABLikelihoodParams), fed the value and the raw anomaly;
//   - the score is the log likelihood (anomaly.LogLikelihood), or 1 when
//     the value is a spatial anomaly: more than SpatialTolerance of the
//     range seen so far beyond it.
//
// Nothing is tuned to the corpus.
type Detector struct {
	engine     Engine
	raw        func(t time.Time, v float64) (float64, error)
	region     *model.Region // the int engine's region
	likelihood *anomaly.Likelihood
	seen       bool
	lo, hi     float64
	last       float64 // the likelihood of the last record
}

// Engine names the HTM engine a detector runs.
type Engine string

// The engines.
const (
	Int   Engine = "int"   // the golden model (package model)
	Float Engine = "float" // the htm.core-exact float reference (quant/htmcore)
	NuPIC Engine = "nupic" // the float reference of NuPIC's numenta detector (quant/nupic)
)

// NewDetector returns the detector for one data file of n rows whose values
// lie in [lo, hi], running the int engine.
func NewDetector(cfg *model.Config, n int, lo, hi float64) (*Detector, error) {
	return NewDetectorEngine(Int, cfg, n, lo, hi)
}

// NewDetectorEngine is NewDetector with a choice of engine.
func NewDetectorEngine(e Engine, cfg *model.Config, n int, lo, hi float64) (*Detector, error) {
	c := *cfg
	c.Likelihood = nil // the detector's likelihood has NAB's per-file settings
	c.ResolveResolution(lo, hi)
	l, err := anomaly.NewLikelihood(anomaly.NABLikelihoodParams(anomaly.NABProbationaryPeriod(n)))
	if err != nil {
		return nil, err
	}
	d := &Detector{engine: e, likelihood: l}
	switch e {
	case Int:
		if d.region, err = model.NewRegion(&c); err != nil {
			return nil, err
		}
		d.raw = func(t time.Time, v float64) (float64, error) {
			out, err := d.region.Compute(model.Input{Time: t, Value: v}, true)
			if err != nil {
				return 0, err
			}
			return out.Anomaly.Float64(), nil
		}
	case Float:
		eng, err := htmcore.NewEngineWithDate(&c)
		if err != nil {
			return nil, err
		}
		d.raw = func(t time.Time, v float64) (float64, error) {
			row, err := eng.StepAt(t, v)
			if err != nil {
				return 0, err
			}
			return float64(row.Anomaly), nil
		}
	case NuPIC:
		eng, err := nupic.NewEngine(&c)
		if err != nil {
			return nil, err
		}
		d.raw = eng.StepAt
	default:
		return nil, fmt.Errorf("nab: engine %q: want int, float or nupic", e)
	}
	return d, nil
}

// Score computes one record and returns its anomaly score in [0, 1] and
// the raw anomaly.
func (d *Detector) Score(t time.Time, v float64) (score, raw float64, err error) {
	if raw, err = d.raw(t, v); err != nil {
		return 0, 0, err
	}
	d.last = d.likelihood.UpdateWithValue(v, raw)
	score = anomaly.LogLikelihood(d.last)
	spatial := false
	if d.seen && d.lo != d.hi {
		tol := (d.hi - d.lo) * SpatialTolerance
		spatial = v > d.hi+tol || v < d.lo-tol
	}
	if !d.seen || v > d.hi {
		d.hi = v
	}
	if !d.seen || v < d.lo {
		d.lo = v
	}
	d.seen = true
	if spatial {
		score = 1
	}
	return score, raw, nil
}

// Likelihood returns the anomaly likelihood of the last record Score
// computed (its score is the log of it, or 1 for a spatial anomaly).
func (d *Detector) Likelihood() float64 { return d.last }

// Region returns the int engine's region (nil for the float engine).
func (d *Detector) Region() *model.Region { return d.region }

// timeLayout is the layout of NAB timestamps.
const timeLayout = "2006-01-02 15:04:05"

// DetectFile runs a fresh int-engine detector over one file of the corpus
// and returns the scores, one per row.
func DetectFile(cfg *model.Config, f *File) ([]float64, error) {
	return DetectFileEngine(Int, cfg, f)
}

// DetectFileEngine is DetectFile with a choice of engine.
func DetectFileEngine(e Engine, cfg *model.Config, f *File) ([]float64, error) {
	tr, err := DetectFileTrace(e, cfg, f)
	if err != nil {
		return nil, err
	}
	return tr.Scores, nil
}

// A Trace is a detector's output on one file, one entry per row: the
// anomaly scores (NAB's results), and the raw anomaly and likelihood they
// come from.
type Trace struct {
	Scores, Raw, Likelihood []float64
}

// DetectFileTrace runs a fresh detector over one file of the corpus and
// returns its scores with their raw anomaly and likelihood.
func DetectFileTrace(e Engine, cfg *model.Config, f *File) (*Trace, error) {
	if f.Values == nil {
		return nil, fmt.Errorf("nab: %s: the corpus was loaded without values", f.Name)
	}
	vals := make([]float64, f.Len())
	times := make([]time.Time, f.Len())
	for i := range vals {
		v, err := strconv.ParseFloat(f.Values[i], 64)
		if err != nil {
			return nil, &FileError{File: f.Name, Line: i + 2, Err: fmt.Errorf("value %q: %w", f.Values[i], err)}
		}
		ts := f.Timestamps[i]
		if len(ts) > len(timeLayout) {
			ts = ts[:len(timeLayout)]
		}
		t, err := time.Parse(timeLayout, ts)
		if err != nil {
			return nil, &FileError{File: f.Name, Line: i + 2, Err: fmt.Errorf("timestamp %q: %w", f.Timestamps[i], err)}
		}
		vals[i], times[i] = v, t
	}
	lo, hi := vals[0], vals[0]
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	d, err := NewDetectorEngine(e, cfg, len(vals), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("nab: %s: %w", f.Name, err)
	}
	tr := &Trace{Scores: make([]float64, len(vals)), Raw: make([]float64, len(vals)), Likelihood: make([]float64, len(vals))}
	for i := range vals {
		if tr.Scores[i], tr.Raw[i], err = d.Score(times[i], vals[i]); err != nil {
			return nil, &FileError{File: f.Name, Line: i + 2, Err: err}
		}
		tr.Likelihood[i] = d.last
	}
	return tr, nil
}

// Detect runs the detector over every file of the corpus, jobs files at a
// time (0: one per CPU), calling done (which may be nil) after each file
// from the goroutine that computed it. It stops at the first error.
func Detect(ctx context.Context, cfg *model.Config, c *Corpus, jobs int, done func(f *File)) (Results, error) {
	return DetectEngine(ctx, Int, cfg, c, jobs, done)
}

// DetectEngine is Detect with a choice of engine.
func DetectEngine(ctx context.Context, e Engine, cfg *model.Config, c *Corpus, jobs int, done func(f *File)) (Results, error) {
	trs, err := DetectTraces(ctx, e, cfg, c, jobs, done)
	if err != nil {
		return nil, err
	}
	res := make(Results, len(trs))
	for name, tr := range trs {
		res[name] = tr.Scores
	}
	return res, nil
}

// DetectTraces is DetectEngine with each file's raw anomaly and likelihood
// beside its scores, by file name.
func DetectTraces(ctx context.Context, e Engine, cfg *model.Config, c *Corpus, jobs int, done func(f *File)) (map[string]*Trace, error) {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	// Longest files first, so that the last job to finish is a short one.
	order := append([]*File(nil), c.Files...)
	slices.SortStableFunc(order, func(a, b *File) int { return b.Len() - a.Len() })
	res := make(map[string]*Trace, len(order))
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *File)
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				tr, err := DetectFileTrace(e, cfg, f)
				mu.Lock()
				if err != nil && first == nil {
					first = err
					cancel()
				}
				res[f.Name] = tr
				mu.Unlock()
				if err == nil && done != nil {
					done(f)
				}
			}
		}()
	}
feed:
	for _, f := range order {
		select {
		case next <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return nil, first
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}
