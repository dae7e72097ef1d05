// Package model is the htmhw golden model: a bit-exact, low-precision HTM
// region (encoders → spatial pooler → temporal memory → anomaly) with
// integer arithmetic, fixed capacities and a specified generator, so that a
// circuit can compute exactly what it computes.
//
// A region is described by a model file (Config, in htm.core's parameter
// names plus the hardware ones), turned into integers by Quantize, and run
// by Region.Compute. The parts live in sub-packages: rng (the generator),
// sdr, encoder, sp, tm, anomaly and trace. docs/SPEC.md is the
// specification every integer rule here follows.
package model
