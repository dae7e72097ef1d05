// Package quant reports what each bit of permanence precision costs: it
// maps a model's float parameters to the integers of the golden model
// (docs/SPEC.md section 2) at several widths, and runs the float reference
// (package quant/htmcore, htm.core v2.2.0 in float32) and the integer model
// (package model) side by side on a stream to measure how far they agree.
//
// MapWidth lists, per parameter, the integer q(x) = ⌊x·P + ½⌋ (P = 2^B − 1)
// the model uses, the value it stands for, the relative error, and
// warnings: a parameter that rounds to 0 (and what the smallSteps policy
// does with it), two parameters of the SP or the TM that collide on one
// integer, and ratios between steps (synPermActiveInc : synPermInactiveDec)
// that the rounding changes.
//
// Compare runs the float reference and, per width, the integer model,
// learning, over every row, and reports the Jaccard similarity of their
// active columns per step (mean and minimum), the mean Jaccard similarity
// of the columns they predict for the next step, the mean absolute
// difference and Pearson correlation of the raw anomaly, the segment and
// synapse counts at the end, and the bits of the SP and TM memories of the
// compiled image (package image). Where the model's smallSteps: error
// refuses a width, the width runs under smallSteps: lsb and smallSteps:
// zero side by side (Plan).
//
// With boosting on (boostStrength above 0) Compare also runs both engines
// with boosting off, and the report's boosting section (BoostReport) shows
// what boosting costs at each width: the agreement with boosting on beside
// the agreement with it off, and the error of the integer model's Q4.12
// boost table (docs/SPEC.md 5.7), which is the same at every width.
//
// # Remedies for a step that rounds to zero
//
// docs/SPEC.md allows three, and the report shows each one's effect:
//
//   - a wider permanence (permanenceBits): every value within half an LSB,
//     at one bit per SP pool slot and TM synapse slot per extra bit;
//   - smallSteps: lsb: the step becomes 1 LSB, larger than asked, which
//     can make two steps in a ratio equal (NuPIC's 6 : 1 becomes 1 : 1);
//   - smallSteps: zero: the step stays 0 and its rule is off (with
//     synPermInactiveDec 0 the SP's permanences only grow).
//
// The integer semantics are the spec's; this package changes none of them.
//
// # Making the two engines comparable
//
// The engines draw from different generators (mt19937 in htm.core,
// xorshift32 in the golden model), so each one's own initial SP would give
// unrelated columns. By default (Options.Init "shared") every integer model
// therefore starts from the float reference's initial SP pools and
// permanences, each permanence mapped by q(x) and kept on its side of the
// connection threshold, as section 5.2 of the spec draws them; the first
// step then has the same active columns at every width. The TMs start
// empty, but still break ties with different draws; the report's baseline,
// the float reference run again with another TM seed, measures how much
// disagreement that alone brings.
package quant
