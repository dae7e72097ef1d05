package anomaly

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestZoneConstants checks that the filter zones keep Python's float64
// rounding of 1 - 0.99999 and 1 - 0.999.
func TestZoneConstants(t *testing.T) {
	assert.Equal(t, 9.99999999995449e-06, redZone)
	assert.Equal(t, 0.0010000000000000009, yellowZone)
}

// TestCalcSkipRecords reproduces NuPIC's testCalcSkipRecords
// (tests/unit/nupic/algorithms/anomaly_likelihood_test.py).
func TestCalcSkipRecords(t *testing.T) {
	tests := []struct {
		name                          string
		numIngested, window, learning int
		want                          int
	}{
		{"fewer ingested than learning period and window", 5, 10, 10, 5},
		{"ingested equals learning period", 10, 15, 10, 10},
		{"learning period 0", 10, 10, 0, 0},
		{"ingested equals learning period and window", 10, 10, 10, 10},
		{"learning records partly shifted out", 14, 10, 10, 6},
		{"learning records all shifted out", 20, 10, 10, 0},
		{"learning records and more shifted out", 25, 10, 10, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, calcSkipRecords(tc.numIngested, tc.window, tc.learning))
		})
	}
}

// TestTailProbability reproduces NuPIC's testNormalProbability (values from
// the standard normal table, within NuPIC's epsilon of 0.005), plus exact
// symmetry.
func TestTailProbability(t *testing.T) {
	tests := []struct {
		name string
		d    normal
		x    float64
		want float64
	}{
		{"N(0,1) at mean", normal{0, 1, 1}, 0, 0.5},
		{"N(0,1) at 0.3", normal{0, 1, 1}, 0.3, 0.3820885780},
		{"N(0,1) at 1", normal{0, 1, 1}, 1, 0.1587},
		{"N(1,4) at mean", normal{1, 4, 2}, 1, 0.5},
		{"N(1,4) at 2", normal{1, 4, 2}, 2, 0.3085},
		{"N(1,4) at 3", normal{1, 4, 2}, 3, 0.1587},
		{"N(-2,0.5) at mean", normal{-2, 0.5, math.Sqrt(0.5)}, -2, 0.5},
		{"N(-2,0.5) at -1.5", normal{-2, 0.5, math.Sqrt(0.5)}, -1.5, 0.241963652},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tailProbability(tc.x, tc.d)
			assert.InDelta(t, tc.want, got, 0.005)
			// Reflection about the mean gives the same tail.
			assert.Equal(t, got, tailProbability(2*tc.d.mean-tc.x, tc.d))
		})
	}
	// NuPIC divides by 1.4142, not sqrt(2): the tail at one stdev is
	// 0.5*erfc(1/1.4142), slightly below the exact Q(1).
	assert.Equal(t, 0.5*math.Erfc(1/1.4142), tailProbability(1, normal{0, 1, 1}))
	assert.Less(t, tailProbability(1, normal{0, 1, 1}), 0.5*math.Erfc(1/math.Sqrt2))
}

// TestEstimateNormal reproduces NuPIC's testEstimateNormal (100 samples
// drawn from N(0.4, 0.25); NuPIC's expected values within 0.005) and checks
// the lower bounds.
func TestEstimateNormal(t *testing.T) {
	samples := []float64{
		0.32259025, -0.44936321, -0.15784842, 0.72142628, 0.8794327,
		0.06323451, -0.15336159, -0.02261703, 0.04806841, 0.47219226,
		0.31102718, 0.57608799, 0.13621071, 0.92446815, 0.1870912,
		0.46366935, -0.11359237, 0.66582357, 1.20613048, -0.17735134,
		0.20709358, 0.74508479, 0.12450686, -0.15468728, 0.3982757,
		0.87924349, 0.86104855, 0.23688469, -0.26018254, 0.10909429,
		0.65627481, 0.39238532, 0.77150761, 0.47040352, 0.9676175,
		0.42148897, 0.0967786, -0.0087355, 0.84427985, 1.46526018,
		1.19214798, 0.16034816, 0.81105554, 0.39150407, 0.93609919,
		0.13992161, 0.6494196, 0.83666217, 0.37845278, 0.0368279,
		-0.10201944, 0.41144746, 0.28341277, 0.36759426, 0.90439446,
		0.05669459, -0.11220214, 0.34616676, 0.49898439, -0.23846184,
		1.06400524, 0.72202135, -0.2169164, 1.136582, -0.69576865,
		0.48603271, 0.72781008, -0.04749299, 0.15469311, 0.52942518,
		0.24816816, 0.3483905, 0.7284215, 0.93774676, 0.07286373,
		1.6831539, 0.3851082, 0.0637406, -0.92332861, -0.02066161,
		0.93709862, 0.82114131, 0.98631562, 0.05601529, 0.72214694,
		0.09667526, 0.3857222, 0.50313998, 0.40775344, -0.69624046,
		-0.4448494, 0.99403206, 0.51639049, 0.13951548, 0.23458214,
		1.00712699, 0.40939048, -0.06436434, -0.02753677, -0.23017904,
	}
	d := estimateNormal(samples, true)
	assert.InDelta(t, 0.3721, d.mean, 0.005)
	assert.InDelta(t, 0.22294, d.variance, 0.005)
	assert.InDelta(t, 0.47216, d.stdev, 0.005)

	// Printed by NuPIC's estimateNormal for the first five samples.
	d = estimateNormal(samples[:5], true)
	assert.Equal(t, normal{0.26324752, 0.2556538709932479, 0.5056222611725555}, d)

	tests := []struct {
		name       string
		x          []float64
		lowerBound bool
		want       normal
	}{
		{"all zero, floored", []float64{0, 0, 0}, true, normal{minMean, minVariance, math.Sqrt(minVariance)}},
		{"all zero, no floor", []float64{0, 0, 0}, false, normal{0, 0, 0}},
		{"constant 0.5, variance floored", []float64{0.5, 0.5}, true, normal{0.5, minVariance, math.Sqrt(minVariance)}},
		{"0 and 1", []float64{0, 1}, true, normal{0.5, 0.25, 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, estimateNormal(tc.x, tc.lowerBound))
		})
	}
}

// TestNumpySum checks numpy's summation order: the means and variances
// below were printed by numpy 1.24 (numpy.mean, numpy.var) for
// x[i] = ((i*7919)%1000)/1000*0.37 + 0.001. A plain left-to-right sum gives
// different bits for most of these sizes (the last column, also printed by
// Python), so the test would catch a wrong order; 8214 and 20000 exercise
// numpy's 8192-element buffering.
func TestNumpySum(t *testing.T) {
	tests := []struct {
		n                     int
		mean, variance, naive float64
	}{
		{1, 0.001, 0.0, 0.001},
		{7, 0.22823285714285715, 0.010851297477551022, 0.22823285714285715},
		{8, 0.219855, 0.009986204725, 0.21985500000000002},
		{100, 0.18248499999999995, 0.011654741925, 0.18248499999999995},
		{129, 0.18532310077519382, 0.011593702564028602, 0.1853231007751938},
		{1000, 0.185815, 0.011408321925, 0.18581499999999995},
		{8192, 0.185809580078125, 0.01140953354083929, 0.18580958007812484},
		{8214, 0.18581662162162163, 0.011412659022370344, 0.1858166216216215},
		{20000, 0.185815, 0.011408321925, 0.1858150000000001},
	}
	for _, tc := range tests {
		x := make([]float64, tc.n)
		naive := 0.0
		for i := range x {
			x[i] = float64(float64((i*7919)%1000)/1000.0*0.37) + 0.001
			naive += x[i]
		}
		mean, variance := meanVar(x)
		assert.Equal(t, tc.mean, mean, "mean of %d", tc.n)
		assert.Equal(t, tc.variance, variance, "variance of %d", tc.n)
		assert.Equal(t, tc.naive, naive/float64(tc.n), "naive mean of %d", tc.n)
	}
	// Without the 8192-element blocks the pairwise sum of 8214 values differs.
	x := make([]float64, 8214)
	for i := range x {
		x[i] = float64(float64((i*7919)%1000)/1000.0*0.37) + 0.001
	}
	assert.NotEqual(t, 0.18581662162162163, pairwiseSum(x)/8214)
}

// TestFilterLikelihoods reproduces NuPIC's testFilterLikelihodsInputType and
// testFilterLikelihoods cases (i)-(iii).
func TestFilterLikelihoods(t *testing.T) {
	oneMinus := func(l []float64) []float64 {
		out := make([]float64, len(l))
		for i, v := range l {
			out[i] = 1.0 - v
		}
		return out
	}
	const yellow = 0.999
	tests := []struct {
		name    string
		in      []float64
		red     float64
		yellows []int // indices raised to the yellow zone
	}{
		{"input type test", []float64{0.0, 0.0, 0.3, 0.3, 0.5}, 0.99999, []int{1}},
		{"(i) straight to red, twice", oneMinus([]float64{1.0, 1.0, 0.9, 0.8, 0.5, 0.4, 1.0, 1.0, 0.6, 0.0}),
			0.9999, []int{1, 7}},
		{"(ii) long red run", oneMinus([]float64{0.999978229, 0.999978229, 0.999999897, 1, 1, 1, 1,
			0.999999994, 0.999999966, 0.999999966, 0.999994331, 0.999516576, 0.99744487}),
			0.9999, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"(iii) four nines", oneMinus([]float64{0.999968329, 0.999999897, 1, 1, 1,
			1, 0.999999994, 0.999999966, 0.999999966, 0.999994331, 0.999516576, 0.99744487}),
			0.9999, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"(iii) five nines", oneMinus([]float64{0.999968329, 0.999999897, 1, 1, 1,
			1, 0.999999994, 0.999999966, 0.999999966, 0.999994331, 0.999516576, 0.99744487}),
			0.99999, []int{2, 3, 4, 5, 6, 7, 8, 9}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := append([]float64(nil), tc.in...)
			for _, i := range tc.yellows {
				want[i] = 1 - yellow
			}
			got := filterLikelihoods(tc.in, tc.red, yellow)
			require.Len(t, got, len(want))
			for i := range want {
				assert.InDelta(t, want[i], got[i], 1e-7, "index %d", i) // NuPIC's assertAlmostEqual
			}
		})
	}
}

// TestMovingAverage checks NuPIC's MovingAverage.compute semantics: the
// average is over the values seen so far until the window fills, and the
// total is a running sum (subtract the oldest, then add the newest), with
// its rounding.
func TestMovingAverage(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		in     []float64
		want   []float64
		totals []float64
	}{
		{"window 3", 3, []float64{1, 2, 3, 4, 10}, []float64{1, 1.5, 2, 3, 17.0 / 3}, []float64{1, 3, 6, 9, 17}},
		{"window 1", 1, []float64{0.25, 0.5, 1}, []float64{0.25, 0.5, 1}, []float64{0.25, 0.5, 1}},
		// Printed by NuPIC's MovingAverage: the running total ends at
		// 0.8999999999999999, so the last average is not (0.4+0.5)/2 = 0.45.
		{"running total rounding", 2, []float64{0.1, 0.2, 0.3, 0.4, 0.5},
			[]float64{0.1, 0.15000000000000002, 0.25, 0.35, 0.44999999999999996},
			[]float64{0.1, 0.30000000000000004, 0.5, 0.7, 0.8999999999999999}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var m movingAverage
			for i, v := range tc.in {
				assert.Equal(t, tc.want[i], m.next(v, tc.size), "average %d", i)
				assert.Equal(t, tc.totals[i], m.total, "total %d", i)
				assert.LessOrEqual(t, len(m.window), tc.size)
			}
		})
	}
}
