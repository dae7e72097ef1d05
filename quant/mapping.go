package quant

import (
	"fmt"
	"math"

	"github.com/htmhw/htmhw/model"
)

// Policies are the smallSteps policies of docs/SPEC.md section 2.
var Policies = []string{"error", "lsb", "zero"}

// Param is a float parameter of a model that becomes a permanence-scaled
// integer (docs/SPEC.md section 2).
type Param struct {
	Name  string  `json:"name"`  // model file path, e.g. "sp.synPermActiveInc"
	Value float64 `json:"value"` // the float value (derived ones computed in float64)
	// Group is "sp" or "tm": collisions are looked for within a group,
	// whose parameters act on the same permanences.
	Group string `json:"group"`
	// Kind is "step" (a learning step: smallSteps may keep it at 0),
	// "threshold" (a threshold or initial value: never 0 under zero) or
	// "trim" (synPermTrimThreshold: 0 disables trimming, no policy applies).
	Kind string `json:"kind"`
	// MinBits is the smallest width, 4 to 16, at which the parameter does
	// not round to 0; 0 when the value is 0, 17 when no width represents it.
	MinBits int `json:"minBits"`
}

// Params returns the permanence-scaled parameters of a configuration, in
// the order of docs/SPEC.md section 2.
func Params(cfg *model.Config) []Param {
	s, t := &cfg.SP, &cfg.TM
	ps := []Param{
		{"sp.synPermConnected", s.SynPermConnected, "sp", "threshold", 0},
		{"sp.synPermActiveInc", s.SynPermActiveInc, "sp", "step", 0},
		{"sp.synPermInactiveDec", s.SynPermInactiveDec, "sp", "step", 0},
		{"sp.synPermBelowStimulusInc", s.SynPermConnected / 10, "sp", "step", 0},
		{"sp.synPermTrimThreshold", s.SynPermActiveInc / 2, "sp", "trim", 0},
		{"tm.initialPermanence", t.InitialPermanence, "tm", "threshold", 0},
		{"tm.connectedPermanence", t.ConnectedPermanence, "tm", "threshold", 0},
		{"tm.permanenceIncrement", t.PermanenceIncrement, "tm", "step", 0},
		{"tm.permanenceDecrement", t.PermanenceDecrement, "tm", "step", 0},
		{"tm.predictedSegmentDecrement", t.PredictedSegmentDecrement, "tm", "step", 0},
	}
	for i := range ps {
		ps[i].MinBits = minBits(ps[i].Value)
	}
	return ps
}

// minBits returns the smallest width 4 to 16 at which x does not round to
// 0 (0 for x = 0, 17 for none).
func minBits(x float64) int {
	if x == 0 {
		return 0
	}
	for b := 4; b <= 16; b++ {
		if model.PermQuantize(x, b) > 0 {
			return b
		}
	}
	return 17
}

// quantizedValue returns the integer the model uses for a parameter.
func quantizedValue(q *model.Quantized, name string) uint16 {
	switch name {
	case "sp.synPermConnected":
		return q.SP.SynPermConnected
	case "sp.synPermActiveInc":
		return q.SP.SynPermActiveInc
	case "sp.synPermInactiveDec":
		return q.SP.SynPermInactiveDec
	case "sp.synPermBelowStimulusInc":
		return q.SP.SynPermBelowStimulusInc
	case "sp.synPermTrimThreshold":
		return q.SP.SynPermTrimThreshold
	case "tm.initialPermanence":
		return q.TM.InitialPermanence
	case "tm.connectedPermanence":
		return q.TM.ConnectedPermanence
	case "tm.permanenceIncrement":
		return q.TM.PermanenceIncrement
	case "tm.permanenceDecrement":
		return q.TM.PermanenceDecrement
	case "tm.predictedSegmentDecrement":
		return q.TM.PredictedSegmentDecrement
	}
	panic("quant: unknown parameter " + name)
}

// Mapping is one parameter at one width.
type Mapping struct {
	Param string  `json:"param"`
	Value float64 `json:"value"`
	// LSB is the value in units of the least significant bit, Value·P.
	LSB float64 `json:"lsb"`
	// Rounded is q(Value) = ⌊Value·P + 1/2⌋.
	Rounded uint16 `json:"rounded"`
	// Int is the integer the model uses: Rounded, or 1 where smallSteps
	// raised it. For a refused width it is Rounded.
	Int uint16 `json:"int"`
	// Represents is the value Int stands for, Int/P.
	Represents float64 `json:"represents"`
	// RelError is (Represents − Value)/Value: −1 for a value lost to 0;
	// 0 when Value is 0.
	RelError float64 `json:"relError"`
	// Warnings name what the rounding did to the parameter: rounding to
	// 0, being raised to 1 LSB, colliding with another parameter.
	Warnings []string `json:"warnings,omitempty"`
}

// Ratio compares the ratio of two parameters before and after rounding.
type Ratio struct {
	Name  string  `json:"name"` // "sp.synPermActiveInc:sp.synPermInactiveDec"
	Float float64 `json:"float"`
	// Int is the ratio of the integers; null when the second is 0.
	Int *float64 `json:"int"`
}

// WidthMap is every permanence parameter of a model at one width under
// one smallSteps policy.
type WidthMap struct {
	Bits   int    `json:"bits"`
	Policy string `json:"smallSteps"`
	PMax   int    `json:"pmax"` // P = 2^bits − 1
	// Refused is the model's error when the policy refuses the width
	// (smallSteps: error and a step that rounds to 0); empty otherwise.
	Refused string `json:"refused,omitempty"`
	// ModelWarnings are the warnings of model.Config.Quantize.
	ModelWarnings []string  `json:"modelWarnings,omitempty"`
	Params        []Mapping `json:"params"`
	Ratios        []Ratio   `json:"ratios"`
}

// MapWidth maps every permanence parameter of cfg to bits-wide integers
// under a smallSteps policy, with the model's own Quantize: Int is what
// the integer model runs with. cfg is not changed.
func MapWidth(cfg *model.Config, bits int, policy string) WidthMap {
	c := *cfg
	c.PermanenceBits = bits
	c.SmallSteps = policy
	pmax := float64(uint32(1)<<bits - 1)
	wm := WidthMap{Bits: bits, Policy: policy, PMax: int(pmax)}
	q, err := c.Quantize()
	if err != nil {
		wm.Refused = err.Error()
	} else {
		wm.ModelWarnings = q.Warnings
	}
	params := Params(cfg)
	for _, p := range params {
		m := Mapping{Param: p.Name, Value: p.Value, LSB: p.Value * pmax, Rounded: model.PermQuantize(p.Value, bits)}
		m.Int = m.Rounded
		if q != nil {
			m.Int = quantizedValue(q, p.Name)
		}
		m.Represents = float64(m.Int) / pmax
		if p.Value != 0 {
			m.RelError = (m.Represents - p.Value) / p.Value
		}
		if p.Value > 0 && m.Rounded == 0 {
			var effect string
			switch {
			case p.Kind == "trim":
				effect = "trimming is disabled"
			case wm.Refused != "" && policy == "error":
				effect = fmt.Sprintf("refused under smallSteps: error (needs %d bits)", p.MinBits)
			case m.Int > 0:
				effect = "raised to 1 LSB"
			default:
				effect = "kept at 0: the rule is disabled"
			}
			m.Warnings = append(m.Warnings, fmt.Sprintf("rounds to 0 (%.3g LSB): %s", m.LSB, effect))
		}
		wm.Params = append(wm.Params, m)
	}
	// Collisions: two parameters of a group with different floats and the
	// same non-zero integer (a zero is already a warning of its own).
	for i := range wm.Params {
		for j := range wm.Params {
			a, b := &wm.Params[i], &wm.Params[j]
			if i == j || params[i].Group != params[j].Group || a.Value == b.Value || a.Int == 0 || a.Int != b.Int {
				continue
			}
			a.Warnings = append(a.Warnings, fmt.Sprintf("collides with %s (%g): both %d", b.Param, b.Value, a.Int))
		}
	}
	for _, r := range [][2]int{{1, 2}, {7, 8}} {
		a, b := wm.Params[r[0]], wm.Params[r[1]]
		if a.Value == 0 || b.Value == 0 {
			continue
		}
		ra := Ratio{Name: a.Param + ":" + b.Param, Float: a.Value / b.Value}
		if b.Int > 0 {
			v := float64(a.Int) / float64(b.Int)
			ra.Int = &v
		}
		wm.Ratios = append(wm.Ratios, ra)
	}
	return wm
}

// Fixed is a parameter whose integer does not depend on the permanence
// width: a Q0.16 fraction, or the number of active columns.
type Fixed struct {
	Param      string  `json:"param"`
	Value      float64 `json:"value"`
	Int        uint32  `json:"int"`
	Represents float64 `json:"represents"`
	RelError   float64 `json:"relError"`
	Rule       string  `json:"rule"`
}

// FixedParams returns the width-independent integers of a configuration.
func FixedParams(cfg *model.Config) []Fixed {
	q16 := func(name string, x float64) Fixed {
		f := Fixed{Param: name, Value: x, Int: model.Q16(x), Rule: "Q0.16: ⌊x·65536 + 1/2⌋"}
		f.Represents = float64(f.Int) / 65536
		if x != 0 {
			f.RelError = (f.Represents - x) / x
		}
		return f
	}
	out := []Fixed{q16("sp.potentialPct", cfg.SP.PotentialPct), q16("sp.minPctOverlapDutyCycles", cfg.SP.MinPctOverlapDutyCycles)}
	s := &cfg.SP
	cols := s.ColumnDimensions[0]
	if s.NumActiveColumnsPerInhArea > 0 {
		out = append(out, Fixed{Param: "sp.numActiveColumnsPerInhArea", Value: float64(s.NumActiveColumnsPerInhArea),
			Int: uint32(s.NumActiveColumnsPerInhArea), Represents: float64(s.NumActiveColumnsPerInhArea), Rule: "k, exact"})
	} else {
		d32 := float32(s.LocalAreaDensity)
		k := int(float64(d32)*float64(cols) + 0.5)
		f := Fixed{Param: "sp.localAreaDensity", Value: s.LocalAreaDensity, Int: uint32(k),
			Represents: float64(k) / float64(cols), Rule: fmt.Sprintf("k = ⌊float32(x)·%d + 1/2⌋ columns", cols)}
		if s.LocalAreaDensity != 0 {
			f.RelError = (f.Represents - s.LocalAreaDensity) / s.LocalAreaDensity
		}
		out = append(out, f)
	}
	for i := range out {
		if math.Abs(out[i].RelError) < 1e-15 {
			out[i].RelError = 0
		}
	}
	return out
}
