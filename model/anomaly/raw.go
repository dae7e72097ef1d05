// Package anomaly turns the temporal memory's predictions into anomaly
// scores.
//
// Two measures are provided:
//
//   - The raw anomaly score, the fraction of active columns that were not
//     predicted, kept as an exact integer fraction ([Score]) as the hardware
//     computes it, with conversions to float32 (as htm.core computes it) and
//     float64 (as NuPIC computes it).
//   - The anomaly likelihood ([Likelihood]), a host-side float64 port of
//     NuPIC's nupic.algorithms.anomaly_likelihood.AnomalyLikelihood, the
//     post-processing used by the Numenta Anomaly Benchmark's "numenta"
//     detector. It models the recent distribution of moving averages of raw
//     scores as a normal distribution and reports how unusual the current
//     moving average is.
package anomaly

// Score is the raw anomaly as an integer fraction: Num is the number of
// active columns that were not predicted, Den the number of active columns.
// Den 0 means score 0.
type Score struct{ Num, Den uint32 }

// Raw returns the raw anomaly score of one time step: the fraction of the
// active columns that are not among the predicted columns.
//
// Both arguments are sparse SDRs of column indices in strictly ascending
// order (see package sdr). With no active columns the score is 0/0, which
// means 0.
func Raw(active, predicted []uint32) Score {
	var overlap uint32
	i, j := 0, 0
	for i < len(active) && j < len(predicted) {
		switch a, p := active[i], predicted[j]; {
		case a < p:
			i++
		case a > p:
			j++
		default:
			overlap++
			i++
			j++
		}
	}
	n := uint32(len(active))
	return Score{Num: n - overlap, Den: n}
}

// Float32 returns the score as htm.core's computeRawAnomalyScore computes
// it: float32(Num)/float32(Den), rounded to float32, or 0 when Den is 0.
func (s Score) Float32() float32 {
	if s.Den == 0 {
		return 0
	}
	return float32(s.Num) / float32(s.Den)
}

// Float64 returns the score as NuPIC's computeRawAnomalyScore computes it:
// float64(Num)/float64(Den), or 0 when Den is 0. This is the value NuPIC
// (and so the NAB "numenta" detector) feeds to the anomaly likelihood.
func (s Score) Float64() float64 {
	if s.Den == 0 {
		return 0
	}
	return float64(s.Num) / float64(s.Den)
}
