package anomaly

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustLikelihood(t *testing.T, p LikelihoodParams) *Likelihood {
	t.Helper()
	l, err := NewLikelihood(p)
	require.NoError(t, err)
	return l
}

func TestDefaultLikelihoodParams(t *testing.T) {
	assert.Equal(t, LikelihoodParams{
		LearningPeriod: 288, EstimationSamples: 100, HistoricWindowSize: 8640,
		ReestimationPeriod: 100, AveragingWindow: 10,
	}, DefaultLikelihoodParams())
	assert.NoError(t, DefaultLikelihoodParams().Validate())
}

func TestNABParams(t *testing.T) {
	tests := []struct {
		records, probation, learning, estimation int
	}{
		{0, 0, 0, 0},
		{6, 0, 0, 0},
		{7, 1, 0, 1}, // floor(1.05)
		{20, 3, 1, 2},
		{1000, 150, 75, 75},
		{4032, 604, 302, 302}, // floor(604.8)
		{4033, 604, 302, 302},
		{4040, 606, 303, 303},
		{4047, 607, 303, 304}, // odd: the extra record goes to estimation
		{5000, 750, 375, 375},
		{22695, 750, 375, 375}, // capped at 0.15*5000
	}
	for _, tc := range tests {
		pp := NABProbationaryPeriod(tc.records)
		assert.Equal(t, tc.probation, pp, "probationary period of %d records", tc.records)
		p := NABLikelihoodParams(pp)
		assert.Equal(t, LikelihoodParams{
			LearningPeriod: tc.learning, EstimationSamples: tc.estimation, HistoricWindowSize: 8640,
			ReestimationPeriod: 100, AveragingWindow: 10,
		}, p, "params for %d records", tc.records)
		if pp > 0 {
			assert.NoError(t, p.Validate())
		} else {
			assert.Error(t, p.Validate())
		}
	}
}

func TestNewLikelihoodInvalid(t *testing.T) {
	valid := LikelihoodParams{LearningPeriod: 10, EstimationSamples: 10, HistoricWindowSize: 100,
		ReestimationPeriod: 10, AveragingWindow: 10}
	tests := []struct {
		name   string
		modify func(*LikelihoodParams)
		errMsg string
	}{
		{"negative learning period", func(p *LikelihoodParams) { p.LearningPeriod = -1 },
			"anomaly: likelihood params: LearningPeriod -1 is negative"},
		{"negative estimation samples", func(p *LikelihoodParams) { p.EstimationSamples = -2 },
			"anomaly: likelihood params: EstimationSamples -2 is negative"},
		{"empty probationary period", func(p *LikelihoodParams) { p.LearningPeriod, p.EstimationSamples = 0, 0 },
			"anomaly: likelihood params: LearningPeriod and EstimationSamples are both 0; the first estimate needs at least one record"},
		{"zero window", func(p *LikelihoodParams) { p.HistoricWindowSize = 0 },
			"anomaly: likelihood params: HistoricWindowSize 0 is not positive"},
		{"estimation exceeds window", func(p *LikelihoodParams) { p.EstimationSamples = 101 },
			"anomaly: likelihood params: EstimationSamples 101 exceeds HistoricWindowSize 100"},
		{"zero reestimation period", func(p *LikelihoodParams) { p.ReestimationPeriod = 0 },
			"anomaly: likelihood params: ReestimationPeriod 0 is not positive"},
		{"zero averaging window", func(p *LikelihoodParams) { p.AveragingWindow = 0 },
			"anomaly: likelihood params: AveragingWindow 0 is not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := valid
			tc.modify(&p)
			l, err := NewLikelihood(p)
			assert.Nil(t, l)
			assert.EqualError(t, err, tc.errMsg)
		})
	}
	l, err := NewLikelihood(valid)
	require.NoError(t, err)
	assert.Equal(t, valid, l.Params())
}

// TestLikelihoodProbation reproduces NuPIC's
// testAnomalyProbabilityResultsDuringProbationaryPeriod and
// testHistoricWindowSize: learning period 2, 2 estimation samples, a
// history of 3.
func TestLikelihoodProbation(t *testing.T) {
	l := mustLikelihood(t, LikelihoodParams{LearningPeriod: 2, EstimationSamples: 2, HistoricWindowSize: 3,
		ReestimationPeriod: 100, AveragingWindow: 10})
	for i, wantLen := range []int{1, 2, 3, 3} {
		assert.Equal(t, 0.5, l.UpdateWithValue(10, 0.1), "record %d", i)
		assert.Len(t, l.history, wantLen, "history after record %d", i)
		assert.False(t, l.haveDist)
	}
	assert.NotEqual(t, 0.5, l.UpdateWithValue(10, 0.1), "first record after probation")
	assert.True(t, l.haveDist)
	assert.Equal(t, 5, l.Iteration())
}

// TestLikelihoodConstant feeds constant raw scores. The values after the
// probationary period were printed by NuPIC's anomalyProbability.
func TestLikelihoodConstant(t *testing.T) {
	tests := []struct {
		name      string
		raw       float64
		value     *float64 // nil: Update, else UpdateWithValue
		want      float64
		tolerance float64
	}{
		// The averaged scores are 0 < the mean's floor 0.03, so NuPIC
		// reflects 0 to 0.06: 1 - 0.5*erfc((0.03/sqrt(0.0003))/1.4142).
		{"all zero, no value", 0, nil, 0.9583692202575875, 1e-15},
		// Flat metric values: null distribution N(0.5, 1e6),
		// 1 - 0.5*erfc((0.5/1000)/1.4142).
		{"all zero, flat value", 0, ptr(42.0), 0.5001994730448449, 1e-15},
		// Averages equal to the mean: z = 0, tail exactly 0.5.
		{"all 0.5, no value", 0.5, nil, 0.5, 0},
		{"all 1, no value", 1, nil, 0.5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLikelihood(t, DefaultLikelihoodParams())
			for i := range 2000 {
				var got float64
				if tc.value != nil {
					got = l.UpdateWithValue(*tc.value, tc.raw)
				} else {
					got = l.Update(tc.raw)
				}
				if i < 288+100 {
					require.Equal(t, 0.5, got, "record %d is in the probationary period", i)
				} else {
					require.InDelta(t, tc.want, got, tc.tolerance, "record %d", i)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestLikelihoodSpike feeds a long quiet stretch, then raw score 1 three
// times, then quiet again. The expected values were printed by NuPIC's
// anomalyProbability (default parameters, 1000 zeros first): the first
// spike moves the average to 0.1 (tail 2.7e-5, outside the red zone); the
// second to 0.2, deep in the red zone (likelihood 1); from then on the red
// tails follow red tails and are clipped to the yellow zone, 0.999.
func TestLikelihoodSpike(t *testing.T) {
	l := mustLikelihood(t, DefaultLikelihoodParams())
	for range 1000 {
		l.Update(0)
	}
	want := []float64{0.9999734437495621, 1.0, 0.999, 0.999, 0.999, 0.999}
	got := []float64{l.Update(1), l.Update(1), l.Update(1), l.Update(0), l.Update(0), l.Update(0)}
	assert.InDeltaSlice(t, want, got, 1e-15)
	assert.Greater(t, got[0], 0.9999)
	assert.Less(t, got[0], 1-redZone, "first spike is not in the red zone")
}

// TestLikelihoodSingleSpikeJeff reproduces NuPIC's
// anomaly_likelihood_jeff_test.py testCaseSingleSpike (an estimate over
// 1000 records with no anomaly, then one spike: its tail probability must
// be within 0.001 of 0) and testCaseUnusuallyHighSpikeFrequency (a spike
// every 20 records is ordinary, tail > 0.1; then a spike every 2 records
// is not, mean tail after the first 5 below 0.001).
func TestLikelihoodSingleSpikeJeff(t *testing.T) {
	// One estimate over exactly the first 1000 records, as the test's
	// single estimateAnomalyLikelihoods call.
	p := LikelihoodParams{LearningPeriod: 0, EstimationSamples: 1000, HistoricWindowSize: 1000,
		ReestimationPeriod: 1 << 30, AveragingWindow: 10}

	t.Run("single spike", func(t *testing.T) {
		l := mustLikelihood(t, p)
		for i := range 1000 {
			l.UpdateWithValue(float64(i), 0)
		}
		assert.InDelta(t, 0, 1-l.UpdateWithValue(0, 1), 0.001)
	})

	t.Run("unusually high spike frequency", func(t *testing.T) {
		l := mustLikelihood(t, p)
		spikes := func(n, period int) []float64 {
			out := make([]float64, n)
			for i := range out {
				if (i+1)%period == 0 {
					out[i] = 1
				}
			}
			return out
		}
		for i, raw := range spikes(1000, 20) {
			l.UpdateWithValue(float64(i), raw)
		}
		for i, raw := range spikes(119, 20) {
			assert.Greater(t, 1-l.UpdateWithValue(float64(i), raw), 0.1, "record %d", i)
		}
		sum := 0.0
		for i, raw := range spikes(20, 2) {
			if tail := 1 - l.UpdateWithValue(float64(i), raw); i >= 5 {
				sum += tail
			}
		}
		assert.Less(t, sum/15, 0.001)
	})
}

// TestLikelihoodAveragingWindow shows the moving average at work: after a
// quiet stretch, a single spike is diluted tenfold by the default window,
// but not with a window of 1.
func TestLikelihoodAveragingWindow(t *testing.T) {
	tests := []struct {
		window int
		want   float64
		delta  float64
	}{
		{10, 0.9999734437495621, 1e-15}, // average 0.1
		{2, 1, 0},                       // average 0.5: tail below 1e-100
		{1, 1, 0},
	}
	for _, tc := range tests {
		p := DefaultLikelihoodParams()
		p.AveragingWindow = tc.window
		l := mustLikelihood(t, p)
		for range 1000 {
			l.Update(0)
		}
		assert.InDelta(t, tc.want, l.Update(1), tc.delta, "window %d", tc.window)
		assert.Len(t, l.avg.window, tc.window)
	}
}

// TestLikelihoodFlatMetric checks NuPIC's flat-metric rule: it needs every
// record of the window to carry a value, and looks only at the values after
// the learning period.
func TestLikelihoodFlatMetric(t *testing.T) {
	p := LikelihoodParams{LearningPeriod: 10, EstimationSamples: 40, HistoricWindowSize: 100,
		ReestimationPeriod: 10, AveragingWindow: 10}
	tests := []struct {
		name string
		feed func(l *Likelihood, i int) float64
		null bool
	}{
		{"flat values", func(l *Likelihood, i int) float64 { return l.UpdateWithValue(7, 0) }, true},
		{"varying values", func(l *Likelihood, i int) float64 { return l.UpdateWithValue(float64(i), 0) }, false},
		{"no values", func(l *Likelihood, i int) float64 { return l.Update(0) }, false},
		{"one record without value", func(l *Likelihood, i int) float64 {
			if i == 20 {
				return l.Update(0)
			}
			return l.UpdateWithValue(7, 0)
		}, false},
		{"values vary only in the learning period", func(l *Likelihood, i int) float64 {
			if i < 10 {
				return l.UpdateWithValue(float64(i*i), 0)
			}
			return l.UpdateWithValue(7, 0)
		}, true},
		{"variance below 1.5e-5", func(l *Likelihood, i int) float64 {
			return l.UpdateWithValue(7+0.0039*float64(i%2), 0) // variance 0.0039²/4 = 3.8e-6
		}, true},
		{"variance above 1.5e-5", func(l *Likelihood, i int) float64 {
			return l.UpdateWithValue(7+0.01*float64(i%2), 0) // variance 2.5e-5
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLikelihood(t, p)
			var got float64
			for i := range 51 {
				got = tc.feed(l, i)
			}
			if tc.null {
				assert.Equal(t, nullDistribution(), l.dist)
				assert.InDelta(t, 0.5001994730448449, got, 1e-15)
			} else {
				assert.Equal(t, normal{minMean, minVariance, math.Sqrt(minVariance)}, l.dist)
				assert.InDelta(t, 0.9583692202575875, got, 1e-15)
			}
		})
	}
}

// TestLikelihoodReestimation checks when the distribution is re-fitted:
// at the first record after the probationary period, then whenever the
// record index is a multiple of ReestimationPeriod.
func TestLikelihoodReestimation(t *testing.T) {
	p := LikelihoodParams{LearningPeriod: 5, EstimationSamples: 7, HistoricWindowSize: 50,
		ReestimationPeriod: 10, AveragingWindow: 3}
	l := mustLikelihood(t, p)
	var refits []int
	prev := normal{}
	for i := range 60 {
		l.Update(float64(i%7) / 7) // a changing distribution: every refit changes it
		if l.haveDist && l.dist != prev {
			refits = append(refits, i)
			prev = l.dist
		}
	}
	assert.Equal(t, []int{12, 20, 30, 40, 50}, refits)
}

func TestLogLikelihood(t *testing.T) {
	// Printed by NuPIC's computeLogLikelihood.
	tests := []struct{ in, want float64 }{
		{0.5, 0.0301029996658834},
		{0, -4.342945193758039e-12},
		{1, 1},
		{0.999, 0.29999999673506555},
	}
	for _, tc := range tests {
		assert.InDelta(t, tc.want, LogLikelihood(tc.in), 1e-15, "LogLikelihood(%v)", tc.in)
	}
	assert.Equal(t, 1.0, LogLikelihood(1))
}

// TestLikelihoodNullBySkip checks NuPIC's other null-distribution case: when
// every record in the history window still belongs to the learning period
// (possible with no estimation samples, or a window shorter than the
// learning period), there is nothing to fit and the null distribution
// N(0.5, 1e6) is used.
func TestLikelihoodNullBySkip(t *testing.T) {
	tests := []struct {
		name string
		p    LikelihoodParams
	}{
		{"no estimation samples", LikelihoodParams{LearningPeriod: 5, EstimationSamples: 0,
			HistoricWindowSize: 50, ReestimationPeriod: 100, AveragingWindow: 10}},
		{"window shorter than learning period", LikelihoodParams{LearningPeriod: 10, EstimationSamples: 0,
			HistoricWindowSize: 3, ReestimationPeriod: 100, AveragingWindow: 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLikelihood(t, tc.p)
			for i := range tc.p.LearningPeriod {
				require.Equal(t, 0.5, l.Update(0), "record %d", i)
			}
			got := l.Update(0)
			assert.Equal(t, nullDistribution(), l.dist)
			assert.InDelta(t, 0.5001994730448449, got, 1e-15)
		})
	}
}
