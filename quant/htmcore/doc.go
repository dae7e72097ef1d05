// Package htmcore is a float32 reference implementation of htm.core's
// SpatialPooler and TemporalMemory (with its Connections), reproducing
// htm.core v2.2.0 (github.com/htm-community/htm.core, commit 8948288a) step
// for step and bit for bit: the same random generator (std::mt19937 with
// htm.core's own shuffle and sample), the same draws in the same order, the
// same float32 arithmetic in the same order, and the same flat segment and
// synapse ids with htm.core's free-list reuse, through which ties are
// broken.
//
// Its purpose is to be the bridge between htm.core and the integer golden
// model in package model: an Engine (RDSE, optionally followed by a
// DateEncoder → SpatialPooler → TemporalMemory) built from a model.Config
// produces rows of the trace format of package model/trace that equal
// htm.core's own reference traces (testdata/htmcore).
//
// Names follow htm.core: SPParams and TMParams hold the constructor
// arguments under their htm.core names; the methods are those of htm.core's
// classes (Compute, ActivateDendrites, ActiveCells, WinnerCells,
// PredictiveCells, Anomaly, ...).
//
// The reference traces check global inhibition, and local inhibition
// (globalInhibition=false) on one short trace with boosting. Boost factors are exp of a float32, which htm.core computes with
// glibc's expf (C++'s exp(float)): Expf reproduces it bit for bit (glibc
// 2.36 on x86-64, checked over every float32 argument), since the correctly
// rounded float32(math.Exp(float64(x))) differs from it in the last bit on
// rare arguments, and one unit of a boost factor can reorder two columns'
// boosted overlaps (testdata/htmcore's boost trace, from step 167).
//
// Not implemented: the TemporalMemory's external predictive inputs and its
// anomaly-likelihood modes, and seed 0 (a random seed in htm.core). A
// model with a date encoder needs NewEngineWithDate and StepAt (the input
// is a timestamp and a value); its DateEncoder is package model/encoder's,
// which is htm.core's bit for bit, but no htm.core reference trace covers
// an Engine with a date encoder.
package htmcore
