package quant

import (
	"math"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/sp"
)

// BoostReport is what boosting costs the integer model (present when the
// model's boostStrength is above 0). The integer model boosts with a
// table of Q4.12 factors indexed by the top ten bits of a column's 16-bit
// active duty cycle (docs/SPEC.md 5.7), the same at every permanence
// width; the float reference computes exp((density − dutyCycle) ·
// boostStrength) per column in float32.
type BoostReport struct {
	Strength float64 `json:"strength"`
	// Density is the target density the table is made for: k/C, or
	// float32(localAreaDensity).
	Density float64 `json:"density"`
	// FactorMin and FactorMax are the exact factors at duty cycle 1 and 0.
	FactorMin float64 `json:"factorMin"`
	FactorMax float64 `json:"factorMax"`
	// Saturated counts the entries clamped to 65535 (15.9998), Zero those
	// that round to 0 (such a column's score is 0 whatever its overlap).
	Saturated int `json:"saturated"`
	Zero      int `json:"zero"`
	// EntryRelError is the largest relative error of an entry against the
	// exact factor at the middle of its duty-cycle bucket (Q4.12 rounding
	// and clamping); BucketRelError the largest against the exact factor
	// anywhere in its bucket, which adds the bucket's width, 1/1024 of a
	// duty cycle.
	EntryRelError  float64 `json:"entryRelError"`
	BucketRelError float64 `json:"bucketRelError"`
	// BoostBits and TableBits are the sizes of the image's sp.boost (a
	// factor per column) and sp.boosttable memories. An image has them with
	// boosting off too.
	BoostBits int `json:"boostBits"`
	TableBits int `json:"tableBits"`
	// FloatOff compares the float reference with itself with boosting
	// off: how much boosting changes what the float reference computes.
	FloatOff Run `json:"floatOff"`
	// Off compares, per variant of Runs, the integer model with boosting
	// off with the float reference with boosting off. The difference from
	// the Run of the same variant is what boosting's integer form costs at
	// that width.
	Off []Run `json:"off"`
}

// boostDensity is the target density of the boost table (model.Quantize's).
func boostDensity(s *model.SPConfig) float64 {
	cols := s.ColumnDimensions[0]
	if s.NumActiveColumnsPerInhArea > 0 {
		return float64(s.NumActiveColumnsPerInhArea) / float64(cols)
	}
	return float64(float32(s.LocalAreaDensity))
}

// newBoostReport describes the boost table of a model with boosting on;
// the runs are left to Compare.
func newBoostReport(cfg *model.Config) *BoostReport {
	s := &cfg.SP
	d, str := boostDensity(s), s.BoostStrength
	b := &BoostReport{
		Strength:  str,
		Density:   d,
		FactorMin: math.Exp((d - 1) * str),
		FactorMax: math.Exp(d * str),
		BoostBits: 16 * s.ColumnDimensions[0],
		TableBits: 16 * sp.BoostTableSize,
	}
	exact := func(duty float64) float64 { return math.Exp((d - duty) * str) }
	for i, e := range model.BoostTable(d, str) {
		v := float64(e) / sp.BoostOne
		switch e {
		case math.MaxUint16:
			b.Saturated++
		case 0:
			b.Zero++
		}
		lo, mid, hi := float64(i)/sp.BoostTableSize, (float64(i)+0.5)/sp.BoostTableSize, float64(i+1)/sp.BoostTableSize
		b.EntryRelError = max(b.EntryRelError, math.Abs(v/exact(mid)-1))
		b.BucketRelError = max(b.BucketRelError, math.Abs(v/exact(lo)-1), math.Abs(v/exact(hi)-1))
	}
	return b
}

// writeBoost writes the report's boosting section.
func (r *Report) writeBoost(p func(string, ...any)) {
	b := r.Boost
	if b == nil {
		return
	}
	p("## Boosting\n\n")
	p("boostStrength %g, target density %.6g: the exact factor exp((density − duty cycle)·strength) runs from %.4g (duty cycle 1) to %.4g (duty cycle 0). ",
		b.Strength, b.Density, b.FactorMin, b.FactorMax)
	p("The float reference computes it per column in float32 (glibc's expf, as htm.core); the integer model reads it from a table of %d Q4.12 factors indexed by the top ten bits of the column's 16-bit active duty cycle (docs/SPEC.md 5.7), which is the same at every permanence width. ",
		sp.BoostTableSize)
	p("Its largest relative error is %s at the middle of a bucket (Q4.12 rounding) and %s anywhere in a bucket (a bucket is 1/1024 of a duty cycle wide)",
		pct(b.EntryRelError), pct(b.BucketRelError))
	switch {
	case b.Saturated > 0 && b.Zero > 0:
		p("; %d entries saturate at 65535 (15.9998) and %d round to 0", b.Saturated, b.Zero)
	case b.Saturated > 0:
		p("; %d entries saturate at 65535 (15.9998)", b.Saturated)
	case b.Zero > 0:
		p("; %d entries round to 0, so that a column with such a duty cycle never wins", b.Zero)
	}
	p(". The image holds it in sp.boosttable (%d bits) and the factors in sp.boost (%d bits), with boosting on or off.\n\n", b.TableBits, b.BoostBits)
	f := &b.FloatOff
	p("Boosting itself: the float reference with boosting off agrees with it on the active columns with J mean %.4f (%d identical steps of %d), on the predicted columns with J mean %.4f, on the anomaly with MAE %.4f.\n\n",
		f.ActiveJaccardMean, f.ActiveIdenticalSteps, f.Steps, f.PredictedJaccardMean, f.AnomalyMAE)
	p("What it costs at each width: each engine against the float reference with boosting on (as in the agreement table) and, both engines with boosting off, against the float reference with boosting off. A lower J or a higher MAE with boosting on is the cost of boosting's integer form (the table, and the integer duty cycles that index it).\n\n")
	p("| bits | smallSteps | active cols J mean, on / off | predicted cols J mean, on / off | anomaly MAE, on / off |\n")
	p("| ---: | --- | ---: | ---: | ---: |\n")
	for _, off := range b.Off {
		on := r.run(off.Bits, off.Policy)
		if on == nil {
			continue
		}
		p("| %d | %s | %.4f / %.4f | %.4f / %.4f | %.4f / %.4f |\n", off.Bits, off.Policy,
			on.ActiveJaccardMean, off.ActiveJaccardMean, on.PredictedJaccardMean, off.PredictedJaccardMean, on.AnomalyMAE, off.AnomalyMAE)
	}
	p("\n")
}
