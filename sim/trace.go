package sim

import (
	"github.com/htmhw/htmhw/model/trace"
)

// Regs returns the step's register trace row (trace.RegsHeader): what the
// accelerator's output registers hold after the STEP, and its cycles. step
// is the step's number (the STEP_LO value before it). The row shares the
// result's slices.
func (r *Result) Regs(step uint64) *trace.Regs {
	return &trace.Regs{Step: step, Cols: r.ActiveColumns, Pred: r.PredictedColumns,
		AnomNum: r.AnomalyNum, AnomDen: r.AnomalyDen, Cycles: r.Total, HasCycle: true}
}

// Anomaly returns the raw anomaly as htm.core computes it:
// float32(num)/float32(den), 0 when den is 0.
func (r *Result) Anomaly() float32 {
	if r.AnomalyDen == 0 {
		return 0
	}
	return float32(r.AnomalyNum) / float32(r.AnomalyDen)
}

// TraceRow returns the trace row (package trace) of the step that produced
// r, which must be the last Step's result; enc is the step's input (the
// encoder output) and step its number.
func (s *Sim) TraceRow(step int, enc []uint32, r *Result) *trace.Row {
	return &trace.Row{
		Step:       step,
		Enc:        enc,
		Cols:       r.ActiveColumns,
		Anomaly:    r.Anomaly(),
		Active:     trace.Summarise(s.ActiveCells()),
		Winner:     trace.Summarise(s.WinnerCells()),
		Predictive: trace.Summarise(s.PredictiveCells()),
		Segments:   s.NumSegments(),
		Synapses:   s.NumSynapses(),
	}
}
