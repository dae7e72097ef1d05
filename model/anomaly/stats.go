package anomaly

import "math"

// Constants of NuPIC's anomaly_likelihood.py. The zone bounds are computed at
// run time in float64, as Python does, so they keep Python's rounding:
// 1 - 0.99999 is 9.99999999995449e-06, not 1e-05.
var (
	redThreshold    = 0.99999
	yellowThreshold = 0.999
	redZone         = 1.0 - redThreshold    // tail probabilities at or below this are "red"
	yellowZone      = 1.0 - yellowThreshold // what a repeated red value is clipped to
)

const (
	minMean          = 0.03   // estimateNormal's lower bound on the mean
	minVariance      = 0.0003 // estimateNormal's lower bound on the variance
	flatMetricVarMax = 1.5e-5 // metric variance below which the null distribution is used
	erfcScale        = 1.4142 // NuPIC divides z by 1.4142, not by sqrt(2)

	nullMean     = 0.5 // nullDistribution: a very broad normal distribution
	nullVariance = 1e6
	nullStdev    = 1e3
)

// normal is a normal distribution as NuPIC's estimator dict holds it.
type normal struct {
	mean, variance, stdev float64
}

// nullDistribution is NuPIC's nullDistribution(): so broad that every raw
// score in [0, 1] gets a tail probability close to 0.5.
func nullDistribution() normal {
	return normal{mean: nullMean, variance: nullVariance, stdev: nullStdev}
}

// estimateNormal is NuPIC's estimateNormal: the population mean and variance
// of x (numpy.mean and numpy.var), with the lower bounds on both when
// lowerBound is set. x must not be empty.
func estimateNormal(x []float64, lowerBound bool) normal {
	mean, variance := meanVar(x)
	d := normal{mean: mean, variance: variance}
	if lowerBound {
		if d.mean < minMean {
			d.mean = minMean
		}
		if d.variance < minVariance {
			d.variance = minVariance
		}
	}
	if d.variance > 0 {
		d.stdev = math.Sqrt(d.variance)
	}
	return d
}

// tailProbability is NuPIC's tailProbability: the probability of a sample
// of d lying further from the mean than x, on x's side (the Q-function),
// computed as 0.5*erfc(z/1.4142).
func tailProbability(x float64, d normal) float64 {
	if x < d.mean {
		// The normal distribution is symmetric: reflect x about the mean.
		x = 2*d.mean - x
	}
	z := (x - d.mean) / d.stdev
	return 0.5 * math.Erfc(z/erfcScale)
}

// filterLikelihood is one step of NuPIC's _filterLikelihoods: a tail
// probability v in the red zone whose predecessor prev (unfiltered) was in
// the red zone too is raised to the yellow zone, so that only the first of
// a run of extreme values is reported as extreme.
func filterLikelihood(prev, v, red, yellow float64) float64 {
	if v <= red && prev <= red {
		return yellow
	}
	return v
}

// filterLikelihoods is NuPIC's _filterLikelihoods over a whole series, with
// the red and yellow thresholds given as NuPIC's arguments (0.99999 and
// 0.999 by default). The first value is kept as it is.
func filterLikelihoods(l []float64, redThreshold, yellowThreshold float64) []float64 {
	red, yellow := 1.0-redThreshold, 1.0-yellowThreshold
	out := make([]float64, len(l))
	for i, v := range l {
		if i == 0 {
			out[i] = v
			continue
		}
		out[i] = filterLikelihood(l[i-1], v, red, yellow)
	}
	return out
}

// calcSkipRecords is NuPIC's AnomalyLikelihood._calcSkipRecords: how many of
// the oldest records in the history window still belong to the learning
// period and must be left out of the estimate.
func calcSkipRecords(numIngested, windowSize, learningPeriod int) int {
	shiftedOut := max(0, numIngested-windowSize)
	return min(numIngested, max(0, learningPeriod-shiftedOut))
}

// movingAverage is NuPIC's MovingAverage.compute state: the last values
// (oldest first, at most the window size of them) and their running total.
// The total is updated by subtracting the value leaving the window and
// adding the one entering it, in that order, exactly as NuPIC does, so it
// carries the same rounding.
type movingAverage struct {
	window []float64
	total  float64
}

// next adds v to the window of the given size and returns the new average.
func (m *movingAverage) next(v float64, size int) float64 {
	if len(m.window) == size {
		m.total -= m.window[0]
		copy(m.window, m.window[1:])
		m.window = m.window[:len(m.window)-1]
	}
	m.window = append(m.window, v)
	m.total += v
	return m.total / float64(len(m.window))
}

// meanVar returns the population mean and variance of x, summing in the
// same order as numpy.mean and numpy.var (numpy's pairwise summation) so
// that the results agree with NuPIC's to the bit. x must not be empty.
func meanVar(x []float64) (mean, variance float64) {
	n := float64(len(x))
	mean = numpySum(x) / n
	d := make([]float64, len(x))
	for i, v := range x {
		t := v - mean
		d[i] = float64(t * t) // explicit conversion: no fused multiply-add
	}
	variance = numpySum(d) / n
	return mean, variance
}

const (
	pairwiseBlock = 128  // numpy's PW_BLOCKSIZE
	numpyBufSize  = 8192 // numpy's default iterator buffer size (NPY_BUFSIZE)
)

// numpySum sums x as numpy's add.reduce does for a contiguous float64
// array: its iterator hands the inner loop at most numpyBufSize elements at
// a time, each block is summed pairwise, and the block sums are added in
// order to an accumulator starting at 0.
func numpySum(x []float64) float64 {
	res := 0.0
	for len(x) > 0 {
		k := min(len(x), numpyBufSize)
		res += pairwiseSum(x[:k])
		x = x[k:]
	}
	return res
}

// pairwiseSum sums x in numpy's order (pairwise_sum_DOUBLE in
// numpy/core/src/umath/loops_utils.h.src): sequentially below 8 values,
// eight interleaved accumulators up to 128 values, and recursive halving
// (at a multiple of 8) above that.
func pairwiseSum(x []float64) float64 {
	n := len(x)
	switch {
	case n < 8:
		res := 0.0
		for _, v := range x {
			res += v
		}
		return res
	case n <= pairwiseBlock:
		var r [8]float64
		copy(r[:], x[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += x[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += x[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(x[:n2]) + pairwiseSum(x[n2:])
	}
}
