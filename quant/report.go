package quant

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Schema names the layout of the JSON report; it changes when a field
// changes meaning or disappears.
const Schema = "htmhw-quant/1"

// Report is the result of Compare.
type Report struct {
	Schema string `json:"schema"`
	Model  string `json:"model"`
	Data   string `json:"data,omitempty"` // the data file, set by the caller
	// SmallSteps and ModelBits are the model file's own policy and width.
	SmallSteps string `json:"smallSteps"`
	ModelBits  int    `json:"modelBits"`
	// MinBits is the smallest width the model's own policy accepts (0 when
	// none does).
	MinBits    int     `json:"minBits"`
	Rows       int     `json:"rows"`
	Init       string  `json:"init"`
	Widths     []int   `json:"widths"`
	Resolution float64 `json:"resolution"` // the RDSE resolution the runs used
	// Params lists the permanence-scaled parameters; Mappings maps them at
	// each width under the model's policy, and under the policies run in
	// its place (Plan).
	Params   []Param    `json:"params"`
	Mappings []WidthMap `json:"mappings"`
	Fixed    []Fixed    `json:"fixed"`
	// Float is the float reference's own summary; Runs compare each
	// integer model with it.
	Float FloatSummary `json:"float"`
	// Baseline compares the float reference with itself under another TM
	// seed: the disagreement that comes from the TM's random tie-breaks
	// alone, which the integer model's generator (xorshift32, not
	// mt19937) brings in at any width. Its bits and memory fields are 0.
	Baseline Baseline `json:"baseline"`
	Runs     []Run    `json:"runs"`
	// Boost is what boosting costs, with boostStrength above 0 (else
	// absent).
	Boost *BoostReport `json:"boost,omitempty"`
}

// Baseline is the float reference run again with TMSeed.
type Baseline struct {
	TMSeed int64 `json:"tmSeed"`
	Run
}

// FloatSummary describes the float reference's run.
type FloatSummary struct {
	Segments    int     `json:"segments"`
	Synapses    int     `json:"synapses"`
	MeanAnomaly float64 `json:"meanAnomaly"`
}

// Run is one integer model compared with the float reference, step by
// step over the whole stream.
type Run struct {
	Variant
	Steps int `json:"steps"`
	// InputsIdentical says that every step's encoder output was the float
	// reference's (it must be: the encoders are the same).
	InputsIdentical bool `json:"inputsIdentical"`
	// Active columns: the Jaccard similarity |F ∩ I| / |F ∪ I| of the two
	// engines' active columns per step, its mean and minimum (and the
	// first step of the minimum), and the steps where it is 1.
	ActiveJaccardMean    float64 `json:"activeJaccardMean"`
	ActiveJaccardMin     float64 `json:"activeJaccardMin"`
	ActiveJaccardMinStep int     `json:"activeJaccardMinStep"`
	ActiveIdenticalSteps int     `json:"activeIdenticalSteps"`
	// PredictedJaccardMean is the mean Jaccard similarity of the columns
	// each engine predicts for the next step (the columns of its
	// predictive cells after the step); two empty predictions count 1.
	PredictedJaccardMean float64 `json:"predictedJaccardMean"`
	// The raw anomaly: mean absolute difference, Pearson correlation
	// (null when either series is constant), and the integer model's mean.
	AnomalyMAE     float64  `json:"anomalyMAE"`
	AnomalyPearson *float64 `json:"anomalyPearson"`
	MeanAnomaly    float64  `json:"meanAnomaly"`
	// Segments and synapses at the end.
	Segments int `json:"segments"`
	Synapses int `json:"synapses"`
	// The memory image (image.Compile with the default architecture): the
	// bits of the sp.* memories, of the tm.* memories, and of all.
	SPBits    int `json:"spBits"`
	TMBits    int `json:"tmBits"`
	TotalBits int `json:"totalBits"`
	// Warnings are the model's own (smallSteps lsb or zero).
	Warnings []string `json:"warnings,omitempty"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// mapping returns the mapping of a width under a policy, or nil.
func (r *Report) mapping(bits int, policy string) *WidthMap {
	for i := range r.Mappings {
		if m := &r.Mappings[i]; m.Bits == bits && m.Policy == policy {
			return m
		}
	}
	return nil
}

// run returns the run of a width under a policy, or nil.
func (r *Report) run(bits int, policy string) *Run {
	for i := range r.Runs {
		if x := &r.Runs[i]; x.Bits == bits && x.Policy == policy {
			return x
		}
	}
	return nil
}

// pct formats a relative error as a signed percentage.
func pct(x float64) string {
	switch {
	case x == 0:
		return "0%"
	case math.Abs(x) < 0.0005:
		return fmt.Sprintf("%+.2g%%", 100*x)
	}
	return fmt.Sprintf("%+.1f%%", 100*x)
}

// WriteMarkdown writes the report as a Markdown document.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	r.writeIntro(p)
	r.writeAgreement(p)
	r.writeParams(p)
	r.writeWarnings(p)
	r.writeFixed(p)
	r.writeBoost(p)
	r.writeRemedies(p)
	return bw.Flush()
}

// writeIntro writes the title, the engines and the initialisation.
func (r *Report) writeIntro(p func(format string, args ...any)) {
	title := "`" + r.Model + "`"
	if r.Data != "" {
		title += " on `" + r.Data + "`"
	}
	p("# Quantization report: %s\n\n", title)
	p("Model `%s` (its own width: %d bits, `smallSteps: %s`), %d rows, RDSE resolution %g. ",
		r.Model, r.ModelBits, r.SmallSteps, r.Rows, r.Resolution)
	p("The float reference is htm.core v2.2.0 in float32 (package `quant/htmcore`); the integer model is the golden model of docs/SPEC.md at each permanence width B, with P = 2^B − 1 and q(x) = ⌊x·P + ½⌋. Both learn on every row.\n\n")
	if r.Init == "shared" {
		p("Initialisation: **shared**. Every integer model starts from the float reference's initial SP pools and permanences, each mapped by q(x), so that column i means the same in both engines. (Their generators differ — mt19937 against xorshift32 — and each engine's own initial SP would give unrelated columns.) The TMs start empty; their random tie-breaks still differ.\n\n")
	} else {
		p("Initialisation: **own**. Each integer model draws its own SP pools and permanences (docs/SPEC.md 5.2, xorshift32), as `htmhw run` does; the float reference draws htm.core's (mt19937). Column identities therefore do not correspond: the column Jaccard similarities are near chance and only the anomaly columns compare like with like.\n\n")
	}
	if r.MinBits > 0 {
		p("Under its own `smallSteps: %s` the model accepts widths from **%d bits**.\n\n", r.SmallSteps, r.MinBits)
	} else {
		p("Under its own `smallSteps: %s` the model accepts no width from 4 to 16 bits.\n\n", r.SmallSteps)
	}
}

// writeAgreement writes the table of each width's agreement with the float
// reference, with its notes.
func (r *Report) writeAgreement(p func(format string, args ...any)) {
	p("## Agreement with the float reference\n\n")
	p("| bits | smallSteps | active cols J mean | J min (step) | identical steps | predicted cols J mean | anomaly MAE | anomaly r | mean anomaly | segments | synapses | SP bits | TM bits |\n")
	p("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	p("| float | — | 1 | 1 | %d | 1 | 0 | 1 | %.4f | %d | %d | — | — |\n", r.Rows, r.Float.MeanAnomaly, r.Float.Segments, r.Float.Synapses)
	b := &r.Baseline
	p("| float, tm.seed %d ‡ | — | %.4f | %.3f (%d) | %d | %.4f | %.4f | %s | %.4f | %d | %d | — | — |\n",
		b.TMSeed, b.ActiveJaccardMean, b.ActiveJaccardMin, b.ActiveJaccardMinStep, b.ActiveIdenticalSteps,
		b.PredictedJaccardMean, b.AnomalyMAE, fmtCorr(b.AnomalyPearson), b.MeanAnomaly, b.Segments, b.Synapses)
	for _, x := range r.Runs {
		corr := "—"
		if x.AnomalyPearson != nil {
			corr = fmt.Sprintf("%.4f", *x.AnomalyPearson)
		}
		pol := x.Policy
		if x.Policy != r.SmallSteps {
			pol += " †"
		}
		p("| %d | %s | %.4f | %.3f (%d) | %d | %.4f | %.4f | %s | %.4f | %d | %d | %d | %d |\n",
			x.Bits, pol, x.ActiveJaccardMean, x.ActiveJaccardMin, x.ActiveJaccardMinStep, x.ActiveIdenticalSteps,
			x.PredictedJaccardMean, x.AnomalyMAE, corr, x.MeanAnomaly, x.Segments, x.Synapses, x.SPBits, x.TMBits)
	}
	p("\n")
	if r.hasSubstitutes() {
		p("† run in place of the model's `smallSteps: %s`, which refuses that width (or, for lsb/zero models, the other remedy side by side).\n\n", r.SmallSteps)
	}
	p("‡ baseline: the float reference again with another TM seed. The SP is the same; the TM breaks its ties (least-used cell, synapse sampling) with other draws, as the integer model does at any width (xorshift32 against mt19937). A width that agrees about as well as this disagrees no more than two float runs do: what is left is the TMs' random draws, not precision. (It is one sample: a width may land a little above or below it by chance.)\n\n")
	for _, x := range r.Runs {
		if !x.InputsIdentical {
			p("**Warning:** at %d bits (%s) the encoder output differs from the float reference's at some step: the comparison is void.\n\n", x.Bits, x.Policy)
		}
	}
	for _, l := range r.observations() {
		p("- %s\n", l)
	}
	p("\n")
	p("J is the Jaccard similarity |F ∩ I| / |F ∪ I| of the float (F) and integer (I) column sets of a step. Active columns are the SP's output; predicted columns are those holding a predictive cell after the step (the prediction for the next input), two empty predictions counting 1. The anomaly is the raw anomaly score; r is Pearson's correlation over all steps. Segments and synapses are counted at the end. SP bits and TM bits are the sizes of the `sp.*` and `tm.*` memories of the compiled image (`image.Compile`, default architecture): they depend on the configuration, not on what was learnt.\n\n")
}

// writeParams writes the table of the parameters at each width.
func (r *Report) writeParams(p func(format string, args ...any)) {
	p("## Parameters at each width\n\n")
	p("Each cell is the integer the model uses under its own `smallSteps: %s`, ≙ the value it stands for (integer / P), and the relative error. A width the policy refuses shows q(x) and is marked *refused*; **bold** marks a warning (listed below).\n\n", r.SmallSteps)
	p("| parameter | float | min bits |")
	for _, b := range r.Widths {
		p(" %d bits |", b)
	}
	p("\n| --- | ---: | ---: |")
	for range r.Widths {
		p(" ---: |")
	}
	p("\n")
	for i, prm := range r.Params {
		mb := fmt.Sprint(prm.MinBits)
		switch prm.MinBits {
		case 0:
			mb = "—"
		case 17:
			mb = ">16"
		}
		p("| %s | %g | %s |", prm.Name, prm.Value, mb)
		for _, b := range r.Widths {
			m := r.mapping(b, r.SmallSteps)
			x := m.Params[i]
			cell := fmt.Sprintf("%d ≙ %.5g (%s)", x.Int, x.Represents, pct(x.RelError))
			if x.Value == 0 {
				cell = "0"
			}
			if len(x.Warnings) > 0 {
				cell = "**" + cell + "**"
			}
			p(" %s |", cell)
		}
		p("\n")
	}
	p("| *refused?* | | |")
	for _, b := range r.Widths {
		if r.mapping(b, r.SmallSteps).Refused != "" {
			p(" *refused* |")
		} else {
			p(" |")
		}
	}
	p("\n\n")
}

// writeWarnings writes the warnings of each width.
func (r *Report) writeWarnings(p func(format string, args ...any)) {
	p("### Warnings\n\n")
	anyWarn := false
	for _, b := range r.Widths {
		m := r.mapping(b, r.SmallSteps)
		var lines []string
		for _, x := range m.Params {
			for _, wn := range x.Warnings {
				lines = append(lines, fmt.Sprintf("`%s` %g: %s", x.Param, x.Value, wn))
			}
		}
		for _, ra := range m.Ratios {
			if ra.Int == nil {
				lines = append(lines, fmt.Sprintf("ratio `%s` %.4g → undefined (divisor 0)", ra.Name, ra.Float))
			} else if math.Abs(*ra.Int-ra.Float) > 1e-9*ra.Float {
				lines = append(lines, fmt.Sprintf("ratio `%s` %.4g → %.4g", ra.Name, ra.Float, *ra.Int))
			}
		}
		for _, pol := range Policies {
			if pol == r.SmallSteps {
				continue
			}
			if alt := r.mapping(b, pol); alt != nil {
				for _, wn := range alt.ModelWarnings {
					lines = append(lines, fmt.Sprintf("under `smallSteps: %s`: %s", pol, wn))
				}
			}
		}
		if len(lines) == 0 && m.Refused == "" {
			continue
		}
		anyWarn = true
		p("**%d bits**", b)
		if m.Refused != "" {
			p(" — refused: %s", m.Refused)
		}
		p("\n\n")
		for _, l := range lines {
			p("- %s\n", l)
		}
		p("\n")
	}
	if !anyWarn {
		p("None.\n\n")
	}
}

// writeFixed writes the table of the width-independent integers.
func (r *Report) writeFixed(p func(format string, args ...any)) {
	p("### Width-independent integers\n\n")
	p("| parameter | float | integer | stands for | rel. error | rule |\n| --- | ---: | ---: | ---: | ---: | --- |\n")
	for _, f := range r.Fixed {
		p("| %s | %g | %d | %.6g | %s | %s |\n", f.Param, f.Value, f.Int, f.Represents, pct(f.RelError), f.Rule)
	}
	p("\n")
}

// writeRemedies writes the remedies for steps that round to 0, with the
// lsb and zero runs side by side.
func (r *Report) writeRemedies(p func(format string, args ...any)) {
	p("## Remedies\n\n")
	p("A learning step that rounds to 0 silently switches its rule off, so by default (`smallSteps: error`) the model refuses it. docs/SPEC.md section 2 allows three remedies:\n\n")
	p("1. **A wider permanence** (`permanenceBits`). Every parameter keeps its value to within half an LSB and the ratios between steps survive; the cost is memory: every SP pool slot and TM synapse slot grows by one bit per extra bit of width (the SP bits and TM bits columns above).")
	if r.MinBits > 0 {
		if x := r.run(r.MinBits, r.SmallSteps); x != nil {
			p(" The narrowest width this model accepts as it is, %d bits, takes %d SP bits and %d TM bits.", r.MinBits, x.SPBits, x.TMBits)
		}
	}
	p("\n2. **`smallSteps: lsb`** raises each vanished step to 1 LSB, with a warning. The rule stays on but runs faster than asked (1/P instead of x), and steps that were in a ratio (NuPIC's synPermActiveInc : synPermInactiveDec = 6 : 1) may become equal.\n")
	p("3. **`smallSteps: zero`** keeps the step at 0, with a warning: the rule is off (with synPermInactiveDec 0 the SP never weakens a synapse: its permanences only grow). Thresholds and initial values are raised to 1 LSB even so.\n\n")
	var side []string
	for _, b := range r.Widths {
		l, z := r.run(b, "lsb"), r.run(b, "zero")
		if l == nil || z == nil {
			continue
		}
		side = append(side, fmt.Sprintf("| %d | %.4f / %.4f | %.4f / %.4f | %.4f / %.4f | %s / %s | %d / %d |",
			b, l.ActiveJaccardMean, z.ActiveJaccardMean, l.PredictedJaccardMean, z.PredictedJaccardMean,
			l.AnomalyMAE, z.AnomalyMAE, fmtCorr(l.AnomalyPearson), fmtCorr(z.AnomalyPearson), l.Synapses, z.Synapses))
	}
	if len(side) > 0 {
		p("Side by side where both ran (lsb / zero):\n\n")
		p("| bits | active cols J mean | predicted cols J mean | anomaly MAE | anomaly r | synapses |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, l := range side {
			p("%s\n", l)
		}
		p("\n")
	}
}

func fmtCorr(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.4f", *p)
}

// hasSubstitutes reports whether a run used another policy than the
// model's.
func (r *Report) hasSubstitutes() bool {
	for _, x := range r.Runs {
		if x.Policy != r.SmallSteps {
			return true
		}
	}
	return false
}

// Summary returns one line per run, for a terminal.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%5s %-10s %8s %8s %8s %8s\n", "bits", "smallSteps", "activeJ", "predJ", "anomMAE", "anomR")
	for _, x := range r.Runs {
		fmt.Fprintf(&b, "%5d %-10s %8.4f %8.4f %8.4f %8s\n", x.Bits, x.Policy, x.ActiveJaccardMean, x.PredictedJaccardMean, x.AnomalyMAE, fmtCorr(x.AnomalyPearson))
	}
	return b.String()
}

// floorSlack is how far below the baseline a measure may be and still
// count as at the floor.
const floorSlack = 0.03

// observations returns sentences on what the agreement table shows.
func (r *Report) observations() []string {
	var out []string
	b := &r.Baseline
	var floor []string
	for _, x := range r.Runs {
		if x.AnomalyPearson == nil || b.AnomalyPearson == nil {
			continue
		}
		if x.PredictedJaccardMean >= b.PredictedJaccardMean-floorSlack && *x.AnomalyPearson >= *b.AnomalyPearson-floorSlack {
			floor = append(floor, fmt.Sprintf("%d bits (%s)", x.Bits, x.Policy))
		}
	}
	if b.AnomalyPearson != nil {
		if len(floor) > 0 {
			out = append(out, fmt.Sprintf("At the TM tie-break floor (predicted-columns J and anomaly r each at least the baseline's %.4f and %.4f less %.2g): %s. What is left there comes from the TMs' random draws, not from the permanence width.",
				b.PredictedJaccardMean, *b.AnomalyPearson, floorSlack, strings.Join(floor, ", ")))
		} else {
			out = append(out, fmt.Sprintf("No width reaches the TM tie-break floor (predicted-columns J %.4f, anomaly r %.4f within %.2g).", b.PredictedJaccardMean, *b.AnomalyPearson, floorSlack))
		}
	}
	for _, x := range r.Runs {
		if r.Float.MeanAnomaly > 0 && x.MeanAnomaly < r.Float.MeanAnomaly/4 {
			out = append(out, fmt.Sprintf("%d bits (%s): mean anomaly %.4f against the float reference's %.4f, with %d segments against %d: the integer model has nearly stopped seeing anomalies, so its small anomaly MAE is not agreement.",
				x.Bits, x.Policy, x.MeanAnomaly, r.Float.MeanAnomaly, x.Segments, r.Float.Segments))
		}
		if r.Float.MeanAnomaly > 0 && x.MeanAnomaly > 2*r.Float.MeanAnomaly {
			out = append(out, fmt.Sprintf("%d bits (%s): mean anomaly %.4f, %.1f× the float reference's %.4f: the integer model finds far more of the stream unpredicted.",
				x.Bits, x.Policy, x.MeanAnomaly, x.MeanAnomaly/r.Float.MeanAnomaly, r.Float.MeanAnomaly))
		}
	}
	return out
}
