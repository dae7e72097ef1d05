// Package nupic is a float reference of NAB's "numenta" detector as NuPIC
// ran it for NAB's published results (NuPIC 0.5.6 over nupic.core 0.4.10,
// NAB commit 53586c4, 2016-11-01): the HTMPredictionModel that
// getScalarMetricWithTimeOfDayAnomalyParams describes with tmImplementation
// "cpp". It is written from NuPIC's and nupic.core's sources, and it
// reproduces NuPIC's published per-step raw anomaly scores exactly: the
// same generator (nupic::Random, package model/rng/nupic), the same draws
// in the same order, the same float32 arithmetic.
//
// The parts:
//   - TimeOfDay: the time-of-day field of NuPIC's DateEncoder, a periodic
//     ScalarEncoder whose bits are centred on ⌊x·n/24⌋ (not htm.core's
//     DateEncoder, which the integer model uses);
//   - the value's RDSE: package model/encoder's NuPICRDSE (NuPIC's
//     RandomDistributedScalarEncoder, float64 as NuPIC's Python computes it);
//   - the MultiEncoder's order: its encoders sorted by field name, so the
//     time-of-day bits come first and the RDSE's follow;
//   - SpatialPooler: nupic.core 0.4.10's SpatialPooler with global
//     inhibition (float32 permanences, round5_ initial values, connected at
//     perm ≥ synPermConnected with no epsilon, ties to the later column,
//     duty cycles and bumpUpWeakColumns in float32; NAB's maxBoost 1.0 keeps
//     every boost factor at 1, and boostStrength 0, the same, is what the
//     model file gives);
//   - TM: the backtracking TM (BacktrackingTMCPP over Cells4), the float
//     twin of package model/btm (docs/SPEC.md section 12) with float32
//     permanences and 0.4.10's adaptSegment, whose synapse indices go stale
//     when a decrement removes synapses (NUP-2324 fixed it in 2017).
//
// Engine chains them, and nab's engine "nupic" runs it under NAB's
// likelihood and scoring; htmhw nab agree compares its raw scores with
// NuPIC's published ones.
package nupic
