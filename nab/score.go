package nab

import (
	"cmp"
	"math"
	"slices"
)

// sigmoid is the standard logistic function.
func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// scaledSigmoid is NAB's scoring curve: 2·sigmoid(−5y) − 1, and exactly −1
// for y > 3. It is ≈ +0.987 at y = −1 (a window's first row), 0 at y = 0
// and ≈ −0.987 at y = 1.
func scaledSigmoid(y float64) float64 {
	if y > 3.0 {
		return -1.0
	}
	// The conversion keeps the compiler from fusing this into an FMA,
	// which NAB's Python does not do.
	return float64(2*sigmoid(-5*y)) - 1.0
}

// maxTP is scaledSigmoid(−1), the unweighted value of a window's first row;
// NAB divides in-window values by it so that the first row is worth tpWeight.
var maxTP = scaledSigmoid(-1.0)

// Counts are NAB's row counts over scorable (non-probationary) rows at a
// threshold: detected rows inside windows (TP) and outside (FP), undetected
// rows inside windows (FN) and outside (TN). They do not enter the score,
// which counts windows, not rows.
type Counts struct {
	TP, TN, FP, FN int
}

// Total returns the number of scorable rows, TP + TN + FP + FN.
func (c Counts) Total() int { return c.TP + c.TN + c.FP + c.FN }

func (c *Counts) add(d Counts) {
	c.TP += d.TP
	c.TN += d.TN
	c.FP += d.FP
	c.FN += d.FN
}

// A FileScore is the score of one file at a threshold.
type FileScore struct {
	Name string  // the file's relative path
	Raw  float64 // its raw score
	Counts
}

// A Result is the score of a detector on a corpus at one threshold, as
// NAB's `run.py --score` reports it in results/<detector>/<detector>_<profile>_scores.csv.
type Result struct {
	Profile   Profile
	Threshold float64
	// Raw is the raw (not normalised) score: the sum of the files' scores
	// in corpus order, NAB's "Totals" row.
	Raw float64
	// Counts are the row counts summed over all files.
	Counts
	// Files are the per-file scores, in corpus order.
	Files []FileScore
}

// Score scores the detector output r on corpus c under profile p at the
// given threshold: each row after the probationary period whose anomaly
// score is ≥ threshold is a detection. It scores each file on its own and
// adds up the files' scores, as NAB's `run.py --score` does. Each file's
// score is
//
//	Σ over detections outside windows of their (negative) sweep score
//	+ Σ over counted windows of the sweep score of their earliest detection, or −fnWeight if none
//
// (see [File.SweepScores]). Score reports an error (naming the files) if r
// is not a complete results set for c (see [Results.Check]), or if the
// threshold is NaN.
//
// NAB crashes for a threshold above 1.1 or below every scorable anomaly
// score of some file; Score then simply detects nothing, or everything.
func Score(c *Corpus, r Results, p Profile, threshold float64) (Result, error) {
	if math.IsNaN(threshold) {
		return Result{}, &kindError{kind: ErrThreshold, msg: "threshold is NaN"}
	}
	if err := r.Check(c); err != nil {
		return Result{}, err
	}
	res := Result{Profile: p, Threshold: threshold, Files: make([]FileScore, len(c.Files))}
	var sc scratch
	total := 0.0
	for i, f := range c.Files {
		raw, counts := sc.scoreFile(f, r[f.Name], p, threshold)
		res.Files[i] = FileScore{Name: f.Name, Raw: raw, Counts: counts}
		total += raw
		res.Counts.add(counts)
	}
	res.Raw = total
	return res, nil
}

// scratch holds buffers reused across files.
type scratch struct {
	best  []float64 // per window: best sweep score of a detection, or −fnWeight
	top   []float64 // per window: highest anomaly score of a scorable row
	topAt []int     // per window: first scorable row with that score
	order []int     // counted windows, in NAB's summation order
	fps   []int     // detected scorable rows outside windows
}

// scoreFile returns the raw score and counts of file f with anomaly scores a
// at threshold θ. It reproduces the value NAB's Sweeper.scoreDataSet picks
// from the file's sweep, including the order of the floating-point sum: the
// FP part accumulated in descending anomaly-score order (ties in row order),
// then the windows in the order in which their first row appears in that
// ordering.
func (sc *scratch) scoreFile(f *File, a []float64, p Profile, θ float64) (float64, Counts) {
	nw := len(f.Windows)
	sc.best = resize(sc.best, nw)
	sc.top = resize(sc.top, nw)
	sc.topAt = resize(sc.topAt, nw)
	for k := range nw {
		sc.best[k] = -p.FN
		sc.top[k] = math.Inf(-1)
	}
	sc.fps = sc.fps[:0]
	var n Counts
	for i := f.probation; i < len(a); i++ {
		v := a[i]
		k := f.window[i]
		if k < 0 {
			if v >= θ {
				n.FP++
				sc.fps = append(sc.fps, i)
			} else {
				n.TN++
			}
			continue
		}
		if v > sc.top[k] {
			sc.top[k], sc.topAt[k] = v, i
		}
		if v >= θ {
			n.TP++
			sc.best[k] = max(sc.best[k], f.sweepScore(p, i))
		} else {
			n.FN++
		}
	}
	slices.SortFunc(sc.fps, func(i, j int) int {
		if c := cmp.Compare(a[j], a[i]); c != 0 {
			return c
		}
		return i - j
	})
	raw := 0.0
	for _, i := range sc.fps {
		raw += f.sweepScore(p, i)
	}
	sc.order = sc.order[:0]
	for k := range nw {
		if f.Counted(k) {
			sc.order = append(sc.order, k)
		}
	}
	slices.SortFunc(sc.order, func(k, l int) int {
		if c := cmp.Compare(sc.top[l], sc.top[k]); c != 0 {
			return c
		}
		return sc.topAt[k] - sc.topAt[l]
	})
	for _, k := range sc.order {
		raw += sc.best[k]
	}
	return raw, n
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// A ThresholdScore is one entry of a threshold sweep: the raw score and the
// counts when every scorable row with anomaly score ≥ Threshold is a
// detection.
type ThresholdScore struct {
	Threshold float64
	Raw       float64
	Counts
}

// Sweep returns the raw score of r on c under profile p at every candidate
// threshold, as NAB's Sweeper.calcScoreByThreshold does for the pooled
// scorable rows of all files: first 1.1 (nothing detected; the raw score is
// −fnWeight per counted window), then every distinct anomaly score in
// descending order. Each raw score equals Score's at that threshold (to
// rounding: the sums run over the pooled rows in a different order). Sweep
// reports the errors of [Results.Check].
func Sweep(c *Corpus, r Results, p Profile) ([]ThresholdScore, error) {
	pl, err := pool(c, r)
	if err != nil {
		return nil, err
	}
	return pl.sweep(p), nil
}

// Optimize returns the threshold with the highest raw score in the [Sweep]
// of r on c under profile p, and that score, as NAB's optimizer does; ties
// go to the higher threshold. The threshold is 1.1 (nothing detected) or
// one of r's anomaly scores.
func Optimize(c *Corpus, r Results, p Profile) (threshold, raw float64, err error) {
	pl, err := pool(c, r)
	if err != nil {
		return 0, 0, err
	}
	best := bestOf(pl.sweep(p))
	return best.Threshold, best.Raw, nil
}

// OptimizeAll is Optimize for several profiles, sharing the work that does
// not depend on the profile. It returns one ThresholdScore per profile.
func OptimizeAll(c *Corpus, r Results, ps []Profile) ([]ThresholdScore, error) {
	pl, err := pool(c, r)
	if err != nil {
		return nil, err
	}
	out := make([]ThresholdScore, len(ps))
	for i, p := range ps {
		out[i] = bestOf(pl.sweep(p))
	}
	return out, nil
}

// bestOf returns the first entry with the highest raw score.
func bestOf(sweep []ThresholdScore) ThresholdScore {
	best := sweep[0]
	for _, s := range sweep[1:] {
		if s.Raw > best.Raw {
			best = s
		}
	}
	return best
}

// pooled holds the scorable rows of all files of a corpus, sorted as NAB's
// sweep processes them: by anomaly score, descending, ties in corpus order.
type pooled struct {
	score  []float64 // anomaly score
	shape  []float64 // unweighted sweep score
	window []int32   // global window index, or −1 outside every window
	order  []int32   // counted global windows in NAB's summation order
	inWin  int       // number of rows inside windows
}

// pool checks r against c and builds the sorted pooled rows.
func pool(c *Corpus, r Results) (*pooled, error) {
	if err := r.Check(c); err != nil {
		return nil, err
	}
	type row struct {
		score float64
		pos   int32
	}
	n := 0
	for _, f := range c.Files {
		n += f.Len() - f.probation
	}
	rows := make([]row, 0, n)
	shape := make([]float64, 0, n)
	window := make([]int32, 0, n)
	base := int32(0)
	for _, f := range c.Files {
		a := r[f.Name]
		for i := f.probation; i < f.Len(); i++ {
			rows = append(rows, row{a[i], int32(len(rows))})
			shape = append(shape, f.shape[i])
			w := f.window[i]
			if w >= 0 {
				w += base
			}
			window = append(window, w)
		}
		base += int32(len(f.Windows))
	}
	slices.SortFunc(rows, func(x, y row) int {
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		return int(x.pos - y.pos)
	})
	pl := &pooled{
		score:  make([]float64, n),
		shape:  make([]float64, n),
		window: make([]int32, n),
	}
	seen := make([]bool, base)
	for j, rw := range rows {
		pl.score[j] = rw.score
		pl.shape[j] = shape[rw.pos]
		w := window[rw.pos]
		pl.window[j] = w
		if w >= 0 {
			pl.inWin++
			if !seen[w] {
				seen[w] = true
				pl.order = append(pl.order, w)
			}
		}
	}
	return pl, nil
}

// sweep runs NAB's calcScoreByThreshold over the pooled rows.
func (pl *pooled) sweep(p Profile) []ThresholdScore {
	nw := 0
	for _, w := range pl.order {
		nw = max(nw, int(w)+1)
	}
	parts := make([]float64, nw)
	for _, w := range pl.order {
		parts[w] = -p.FN
	}
	fp := 0.0
	n := Counts{TN: len(pl.score) - pl.inWin, FN: pl.inWin}
	total := func() float64 {
		s := fp
		for _, w := range pl.order {
			s += parts[w]
		}
		return s
	}
	var out []ThresholdScore
	cur := 1.1
	for j, v := range pl.score {
		if v != cur {
			out = append(out, ThresholdScore{Threshold: cur, Raw: total(), Counts: n})
			cur = v
		}
		if w := pl.window[j]; w >= 0 {
			n.TP++
			n.FN--
			parts[w] = max(parts[w], float64(pl.shape[j]*p.TP)/maxTP)
		} else {
			n.FP++
			n.TN--
			fp += float64(pl.shape[j] * p.FP)
		}
	}
	return append(out, ThresholdScore{Threshold: cur, Raw: total(), Counts: n})
}

// Normalize maps a raw score onto NAB's scale, on which the null detector
// scores 0 and a perfect detector 100:
//
//	100 · (raw − null) / (perfect − null)
//
// null and perfect are the raw scores of those detectors under the same
// profile ([NullScore], [PerfectScore]). The result is negative for a
// detector worse than never detecting anything.
func Normalize(raw, null, perfect float64) float64 {
	return 100 * (raw - null) / (perfect - null)
}

// PerfectScore returns the raw score of a perfect detector under profile p:
// tpWeight times the number of windows of c (all of them, counted or not,
// as NAB counts them).
func PerfectScore(c *Corpus, p Profile) float64 {
	return float64(c.NumWindows()) * p.TP
}

// NullScore returns the raw score of NAB's null detector under profile p:
// the detector that gives every row the anomaly score 0.5, scored at its
// optimised threshold. On NAB's corpus (and any corpus where flagging every
// row costs more than missing every window) that threshold is 1.1, so the
// score is −fnWeight per counted window; on a corpus small enough for
// "detect everything" to score better, NAB's optimiser picks 0.5 and so
// does NullScore.
func NullScore(c *Corpus, p Profile) float64 {
	null := Constant(c, 0.5)
	θ, _, err := Optimize(c, null, p)
	if err != nil {
		panic("nab: null detector: " + err.Error()) // cannot happen: null is complete
	}
	res, err := Score(c, null, p, θ)
	if err != nil {
		panic("nab: null detector: " + err.Error())
	}
	return res.Raw
}

// Normalize returns the raw score of profile p on c on NAB's 0–100 scale:
// Normalize(raw, NullScore(c, p), PerfectScore(c, p)).
func (c *Corpus) Normalize(p Profile, raw float64) float64 {
	return Normalize(raw, NullScore(c, p), PerfectScore(c, p))
}
