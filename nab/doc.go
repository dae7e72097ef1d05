// Package nab is an exact re-implementation of the scorer of the Numenta
// Anomaly Benchmark (NAB v1.1, numenta/NAB commit ea702d7, MIT licence): the
// scaled-sigmoid, window-based scoring of nab/sweeper.py, the per-file
// scoring at a fixed threshold of nab/scorer.py, the exhaustive threshold
// sweep of nab/optimizer.py and the normalisation of nab/runner.py. It
// reproduces NAB's published scores (for example the "numenta" detector's
// 70.10 / 63.12 / 74.32) to within 1e-9 of NAB's own numbers.
//
// # Using it
//
// Load the ground truth with [LoadCorpus] (the data files and
// labels/combined_windows.json), the profiles with [LoadProfiles] (or use
// [Standard], [RewardLowFP], [RewardLowFN]) and a detector's output with
// [ReadResults]. Then
//
//   - [Score] gives the raw score at a threshold, per file and in total, as
//     `run.py --score` does;
//   - [Sweep] lists the raw score at every candidate threshold and
//     [Optimize] picks the best, as `run.py --optimize` does;
//   - [Normalize] maps a raw score onto NAB's 0 (null detector) … 100
//     (perfect detector) scale, with [NullScore] and [PerfectScore] computed
//     the way NAB computes them ([Corpus.Normalize] does all three).
//
// [WriteResults] writes a detector's output in NAB's results layout, so the
// same files can be scored by NAB itself.
//
// # Scoring in brief
//
// Each file's first P(N) = min(floor(0.15·N), 750) rows are probationary
// and do not count. A row whose anomaly score is ≥ the threshold is a
// detection. Each ground-truth window earns the weight of its earliest
// detection (tpWeight at the window's first row, falling along a scaled
// sigmoid towards its last row), or costs fnWeight if nothing in it is
// detected; every detection outside a window costs up to fpWeight, less if
// it closely follows the end of the previous window. Rows are identified by
// position, never by timestamp order; timestamps serve only to locate the
// window edges.
//
// # NAB's quirks, reproduced
//
// The goal is NAB's numbers, so NAB's behaviour is followed where it is odd:
//
//   - A detection after a window is scored with y = (i − r)/(w − 1), w − 1
//     rather than the window's width w, and always relative to the window
//     that ended last, even when the next window is much closer; after the
//     last window of a file the last window keeps being used.
//   - A detection before the first window of a file costs exactly fpWeight;
//     scaledSigmoid(y) is −1 only for y > 3, not at y = 3.
//   - In-window values are divided by maxTP = scaledSigmoid(−1), so the
//     first row of a window is worth exactly tpWeight.
//   - tnWeight is read but never used: true negatives score nothing.
//   - The probation length is computed in floating point,
//     min(floor(0.15·N), 0.15·5000), and rows are compared to it as floats.
//   - A window edge is located at the first row whose timestamp equals it,
//     even in files with repeated timestamps.
//   - Only windows with at least one scorable row count (all 116 shipped
//     windows do), but the perfect score counts every window of the windows
//     file.
//   - The threshold sweep starts at 1.1 ("nothing detected"), which takes
//     part in the optimisation; ties go to the highest threshold.
//   - The score at a threshold is a sum over files of per-file scores, each
//     being the FP sum (accumulated in descending anomaly-score order)
//     followed by the windows' values in the order their best-scored rows
//     appear in that order; the sweep does the same over the pooled corpus.
//     These orders are reproduced so that the floating-point sums match
//     NAB's wherever NAB's file order is known.
//   - The null detector's score, the zero of the normalised scale, is that of
//     a detector emitting 0.5 everywhere, scored at its optimised threshold.
//   - Row counts (TP, FP, FN, TN) count rows, not windows, and do not enter
//     the score.
//
// NAB's file order (os.walk's) is not reproducible; Corpus sorts files by
// name. Sums over pooled rows may therefore differ from NAB's in the last
// bits (for the numenta detector the raw scores agree to 3e-14).
//
// Two facts about NAB's published numbers: the thresholds in
// config/thresholds.json come from an older hill-climbing optimiser, so
// they are not always anomaly-score values and not always optimal (Score
// accepts any threshold; Optimize gives NAB's current, exhaustive answer);
// and results/final_results.json was normalised from raw totals rounded to
// 12 significant digits, so it differs from [Normalize] of the exact raw
// score by about 1e-11.
//
// Where NAB fails the implementation is defined instead: NAB crashes when a
// threshold lies above 1.1 or below all of a file's scorable anomaly scores
// (Score then simply detects the rows with score ≥ threshold), and NAB
// silently ignores result files that are missing (Score refuses them).
// See SCORING.md of the NAB data set for the full specification.
package nab
