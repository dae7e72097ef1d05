package anomaly

import (
	"fmt"
	"math"
)

// LikelihoodParams configures a [Likelihood]. The names follow NuPIC's
// AnomalyLikelihood constructor.
type LikelihoodParams struct {
	// LearningPeriod (NuPIC's learningPeriod, formerly claLearningPeriod) is
	// the number of initial records during which the model is still
	// learning; their raw scores are left out of the distribution estimate
	// for as long as they are in the history window.
	LearningPeriod int
	// EstimationSamples is the number of records after the learning period
	// used for the first estimate of the distribution. The likelihood is
	// 0.5 for the first LearningPeriod+EstimationSamples records (the
	// probationary period).
	EstimationSamples int
	// HistoricWindowSize is the number of most recent records kept for
	// re-estimating the distribution.
	HistoricWindowSize int
	// ReestimationPeriod is how often, in records, the distribution is
	// estimated again from the history window.
	ReestimationPeriod int
	// AveragingWindow is the length of the moving average applied to the
	// raw scores before they are modelled (NuPIC's averagingWindow, always
	// 10 in NuPIC's AnomalyLikelihood class).
	AveragingWindow int
}

// DefaultLikelihoodParams returns NuPIC's defaults: learning period 288,
// 100 estimation samples, a history of 8640 records, re-estimation every
// 100 records and a moving average of 10 raw scores.
func DefaultLikelihoodParams() LikelihoodParams {
	return LikelihoodParams{
		LearningPeriod:     288,
		EstimationSamples:  100,
		HistoricWindowSize: 8640,
		ReestimationPeriod: 100,
		AveragingWindow:    10,
	}
}

// NABLikelihoodParams returns the parameters with which the Numenta Anomaly
// Benchmark's "numenta" detector (nab/detectors/numenta/numenta_detector.py)
// builds its AnomalyLikelihood for a data file with the given probationary
// period: a learning period of floor(probationaryPeriod/2), the rest of the
// probationary period as estimation samples (so that the likelihood is 0.5
// for exactly probationaryPeriod records), re-estimation every 100 records,
// and NuPIC's defaults otherwise (history 8640, moving average of 10).
//
// See [NABProbationaryPeriod] for NAB's probationary period of a file.
func NABLikelihoodParams(probationaryPeriod int) LikelihoodParams {
	learning := int(math.Floor(float64(probationaryPeriod) / 2.0))
	p := DefaultLikelihoodParams()
	p.LearningPeriod = learning
	p.EstimationSamples = probationaryPeriod - learning
	p.ReestimationPeriod = 100
	return p
}

// NABProbationaryPeriod returns NAB's probationary period for a data file of
// numRecords records, as nab/util.py getProbationPeriod computes it with the
// probationaryPercent 0.15 that nab/runner.py passes:
// min(floor(0.15*numRecords), 0.15*5000), which is at most 750.
func NABProbationaryPeriod(numRecords int) int {
	percent := 0.15 // a variable, so that the products round as in Python
	return int(math.Min(math.Floor(percent*float64(numRecords)), percent*5000))
}

// Validate reports whether p can configure a [Likelihood], and if not, which
// field is wrong.
func (p LikelihoodParams) Validate() error {
	switch {
	case max(p.LearningPeriod, p.EstimationSamples, p.HistoricWindowSize, p.AveragingWindow) > MaxLikelihoodWindow:
		return fmt.Errorf("anomaly: likelihood params: %+v: a period or window exceeds %d", p, MaxLikelihoodWindow)
	case p.ReestimationPeriod > math.MaxInt32:
		return fmt.Errorf("anomaly: likelihood params: ReestimationPeriod %d exceeds 2^31-1", p.ReestimationPeriod)
	case p.LearningPeriod < 0:
		return fmt.Errorf("anomaly: likelihood params: LearningPeriod %d is negative", p.LearningPeriod)
	case p.EstimationSamples < 0:
		return fmt.Errorf("anomaly: likelihood params: EstimationSamples %d is negative", p.EstimationSamples)
	case p.LearningPeriod == 0 && p.EstimationSamples == 0:
		return fmt.Errorf("anomaly: likelihood params: LearningPeriod and EstimationSamples are both 0; the first estimate needs at least one record")
	case p.HistoricWindowSize < 1:
		return fmt.Errorf("anomaly: likelihood params: HistoricWindowSize %d is not positive", p.HistoricWindowSize)
	case p.EstimationSamples > p.HistoricWindowSize:
		return fmt.Errorf("anomaly: likelihood params: EstimationSamples %d exceeds HistoricWindowSize %d", p.EstimationSamples, p.HistoricWindowSize)
	case p.ReestimationPeriod < 1:
		return fmt.Errorf("anomaly: likelihood params: ReestimationPeriod %d is not positive", p.ReestimationPeriod)
	case p.AveragingWindow < 1:
		return fmt.Errorf("anomaly: likelihood params: AveragingWindow %d is not positive", p.AveragingWindow)
	}
	return nil
}

// MaxLikelihoodWindow bounds the learning period, the estimation samples
// and the windows of the likelihood parameters (NuPIC's largest default is
// 8640), so that their sums cannot overflow and a window allocated in
// advance stays small.
const MaxLikelihoodWindow = 1 << 20

// record is one entry of the history window: a raw score and, if the caller
// gave one, the metric value it came with.
type record struct {
	raw      float64
	value    float64
	hasValue bool
}

// Likelihood computes NuPIC's anomaly likelihood, one record at a time.
//
// For the first LearningPeriod+EstimationSamples records it reports 0.5.
// From then on it keeps a normal distribution fitted to the moving averages
// (over AveragingWindow records) of the raw scores in the history window,
// leaving out those of the learning period, and re-fits it every
// ReestimationPeriod records. Each record's likelihood is 1 minus the tail
// probability of its moving average under that distribution, where a tail
// probability in the red zone (at most 1-0.99999) that follows another one
// in the red zone is raised to the yellow zone (1-0.999) first.
//
// The arithmetic follows NuPIC's operation by operation, including numpy's
// summation order for the mean and variance and MovingAverage's running
// total, so the fitted distribution and the moving averages equal NuPIC's
// to the bit (see testdata/nupic_*.txt). The likelihood itself can differ
// from NuPIC's in the last bit, where Go's math.Erfc and the C library's
// erfc round differently.
//
// The zero value is not ready for use; make one with [NewLikelihood] or
// [Likelihood.Load]. A Likelihood is not safe for concurrent use.
type Likelihood struct {
	p         LikelihoodParams
	iteration int

	// history is a ring of the last min(iteration, HistoricWindowSize)
	// records; head is the index of the oldest once the ring is full.
	history []record
	head    int

	haveDist bool
	dist     normal
	avg      movingAverage // moving average continued by each update
	prevTail float64       // last unfiltered tail probability
}

// NewLikelihood returns a Likelihood with parameters p, or an error if p is
// not valid.
func NewLikelihood(p LikelihoodParams) (*Likelihood, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &Likelihood{p: p}, nil
}

// Params returns the parameters of l.
func (l *Likelihood) Params() LikelihoodParams { return l.p }

// Iteration returns the number of records l has seen.
func (l *Likelihood) Iteration() int { return l.iteration }

// Update adds the raw anomaly score of the next record (normally in [0, 1];
// see [Score.Float64]) and returns its anomaly likelihood, in [0, 1], near 1
// for an anomaly. It is NuPIC's AnomalyLikelihood.anomalyProbability with
// no usable metric value: NuPIC's rule that reports a flat metric as not
// anomalous (see [Likelihood.UpdateWithValue]) does not apply. NuPIC's
// timestamp argument only labels records and has no counterpart.
// Non-finite raw scores make NaN likelihoods.
func (l *Likelihood) Update(raw float64) float64 {
	return l.update(record{raw: raw})
}

// UpdateWithValue is [Likelihood.Update] for a record whose metric (input)
// value is known, as in NuPIC's anomalyProbability(value, anomalyScore) and
// NAB's numenta detector. The value is not modelled; it only serves NuPIC's
// flat-metric rule: when every record in the history window came with a
// value and the population variance of the values after the learning
// period is below 1.5e-5, the estimate is replaced by NuPIC's null
// distribution (mean 0.5, variance 1e6), which makes every raw score look
// ordinary. A window with any record added by Update never triggers it.
func (l *Likelihood) UpdateWithValue(value, raw float64) float64 {
	return l.update(record{raw: raw, value: value, hasValue: true})
}

func (l *Likelihood) update(r record) float64 {
	likelihood := 0.5
	if l.iteration >= l.p.LearningPeriod+l.p.EstimationSamples {
		if !l.haveDist || l.iteration%l.p.ReestimationPeriod == 0 {
			l.estimate()
		}
		avg := l.avg.next(r.raw, l.p.AveragingWindow)
		tail := tailProbability(avg, l.dist)
		filtered := filterLikelihood(l.prevTail, tail, redZone, yellowZone)
		l.prevTail = tail
		likelihood = 1.0 - filtered
	}
	l.push(r)
	l.iteration++
	return likelihood
}

// push appends r to the history ring, dropping the oldest record when full.
func (l *Likelihood) push(r record) {
	if len(l.history) < l.p.HistoricWindowSize {
		l.history = append(l.history, r)
		return
	}
	l.history[l.head] = r
	l.head = (l.head + 1) % len(l.history)
}

// at returns the i-th oldest record of the history.
func (l *Likelihood) at(i int) record {
	return l.history[(l.head+i)%len(l.history)]
}

// estimate is NuPIC's estimateAnomalyLikelihoods over the history window
// with AnomalyLikelihood's skipRecords: it fits the distribution, restarts
// the moving average from the window's last records, and keeps the last
// unfiltered tail probability for the filter of the next update.
func (l *Likelihood) estimate() {
	n := len(l.history)
	skip := calcSkipRecords(l.iteration, l.p.HistoricWindowSize, l.p.LearningPeriod)

	l.avg = movingAverage{window: make([]float64, 0, l.p.AveragingWindow)}
	averaged := make([]float64, n)
	allValued := true
	for i := range n {
		r := l.at(i)
		averaged[i] = l.avg.next(r.raw, l.p.AveragingWindow)
		allValued = allValued && r.hasValue
	}

	if n <= skip {
		l.dist = nullDistribution()
	} else {
		l.dist = estimateNormal(averaged[skip:], true)
		if allValued {
			values := make([]float64, 0, n-skip)
			for i := skip; i < n; i++ {
				values = append(values, l.at(i).value)
			}
			if estimateNormal(values, false).variance < flatMetricVarMax {
				l.dist = nullDistribution()
			}
		}
	}
	l.haveDist = true
	l.prevTail = tailProbability(averaged[n-1], l.dist)
}

// LogLikelihood returns NuPIC's computeLogLikelihood of a likelihood l:
// log(1.0000000001 - l) / log(1 - 0.9999999999), a log scale on which
// 0.5 maps to about 0.0301, 0.99999 to 0.5 and 1 to 1. NAB's numenta
// detector reports this value as its anomaly score.
func LogLikelihood(l float64) float64 {
	return math.Log(1.0000000001-l) / -23.02585084720009
}
