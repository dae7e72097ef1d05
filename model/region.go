package model

import (
	"errors"
	"fmt"
	"time"

	"github.com/htmhw/htmhw/model/anomaly"
	"github.com/htmhw/htmhw/model/btm"
	"github.com/htmhw/htmhw/model/sp"
	"github.com/htmhw/htmhw/model/tm"
	"github.com/htmhw/htmhw/model/trace"
)

// Input is one record of a stream: a timestamp and a value.
type Input struct {
	Time  time.Time
	Value float64
}

// Output is what a region computes for one input. Its slices are reused by
// the next Compute.
type Output struct {
	Encoding         []uint32      // encoder output (RDSE bits, then date bits)
	ActiveColumns    []uint32      // spatial pooler output
	PredictedColumns []uint32      // columns predicted for this input by the last step
	Anomaly          anomaly.Score // raw anomaly: unpredicted active columns / active columns
	// Likelihood is the anomaly likelihood (host-side float64), or 0.5 when
	// the model has no likelihood section.
	Likelihood float64
}

// Region is an HTM region: encoders → spatial pooler → temporal memory →
// anomaly. Its state evolves only through Compute; Save and LoadRegion
// carry it across processes.
type Region struct {
	cfg   Config
	q     *Quantized
	enc   *Encoder
	sp    *sp.SpatialPooler
	tm    *tm.TemporalMemory
	btm   *btm.TM // instead of tm, for tm.algorithm backtracking
	lik   *anomaly.Likelihood
	steps uint64

	predBuf  []uint32
	predCols []uint32 // the backtracking TM's predicted columns
	out      Output
}

// ErrNeedsRange is returned by NewRegion for a configuration whose RDSE
// resolution is still to be derived from the data (Config.ResolveResolution).
var ErrNeedsRange = errors.New("model: the RDSE resolution comes from the data's range: call ResolveResolution first")

// NewRegion returns a fresh region for the configuration: pools and
// permanences drawn from the generator, no segments.
func NewRegion(cfg *Config) (*Region, error) {
	if cfg.NeedsRange() {
		return nil, ErrNeedsRange
	}
	q, err := cfg.Quantize()
	if err != nil {
		return nil, err
	}
	r := &Region{cfg: *cfg, q: q}
	if r.enc, err = NewEncoder(cfg); err != nil {
		return nil, err
	}
	if r.sp, err = sp.New(q.SP); err != nil {
		return nil, err
	}
	if cfg.Backtracking() {
		if r.btm, err = btm.New(BacktrackingParams(cfg, q)); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	} else if r.tm, err = tm.New(q.TM); err != nil {
		return nil, err
	}
	if r.lik, err = cfg.Likelihood.New(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return r, nil
}

// Compute encodes one input and runs it through the region; with learn the
// SP and TM learn from it. An input the encoders refuse (a NaN value, say)
// is an error and changes nothing.
func (r *Region) Compute(in Input, learn bool) (*Output, error) {
	o := &r.out
	var err error
	if o.Encoding, err = r.enc.Encode(in.Time, in.Value); err != nil {
		return nil, fmt.Errorf("model: step %d: %w", r.steps, err)
	}
	if o.ActiveColumns, err = r.sp.Compute(o.Encoding, learn); err != nil {
		return nil, fmt.Errorf("model: step %d: %w", r.steps, err)
	}
	if r.btm != nil {
		// The columns predicted for this input are the last step's.
		r.predCols = r.btm.PredictedColumns(r.predCols)
		if err = r.btm.Compute(o.ActiveColumns, learn); err != nil {
			return nil, fmt.Errorf("model: step %d: %w", r.steps, err)
		}
		o.PredictedColumns = r.predCols
		o.Anomaly = anomaly.Score{Num: r.btm.Unpredicted(), Den: uint32(len(o.ActiveColumns))}
	} else {
		if err = r.tm.Compute(o.ActiveColumns, learn); err != nil {
			return nil, fmt.Errorf("model: step %d: %w", r.steps, err)
		}
		o.PredictedColumns = r.tm.PredictedColumns()
		o.Anomaly = anomaly.Score{Num: r.tm.Unpredicted(), Den: uint32(len(o.ActiveColumns))}
	}
	o.Likelihood = 0.5
	if r.lik != nil {
		o.Likelihood = r.lik.UpdateWithValue(in.Value, o.Anomaly.Float64())
	}
	r.steps++
	return o, nil
}

// Steps returns the number of inputs computed.
func (r *Region) Steps() uint64 { return r.steps }

// Config returns the region's configuration, with any data-derived
// resolution resolved.
func (r *Region) Config() Config { return r.cfg }

// Quantized returns the region's integer parameters.
func (r *Region) Quantized() *Quantized { return r.q }

// SP returns the region's spatial pooler.
func (r *Region) SP() *sp.SpatialPooler { return r.sp }

// TM returns the region's temporal memory, or nil when it is the
// backtracking one (BTM).
func (r *Region) TM() *tm.TemporalMemory { return r.tm }

// BTM returns the region's backtracking temporal memory, or nil when it is
// the plain one (TM).
func (r *Region) BTM() *btm.TM { return r.btm }

// NumSegments returns the number of segments of the region's TM.
func (r *Region) NumSegments() int {
	if r.btm != nil {
		return r.btm.NumSegments()
	}
	return r.tm.NumSegments()
}

// NumSynapses returns the number of synapses of the region's TM.
func (r *Region) NumSynapses() int {
	if r.btm != nil {
		return r.btm.NumSynapses()
	}
	return r.tm.NumSynapses()
}

// TraceRow returns the trace row (package trace) of the step that produced
// o, which must be the last Compute's output.
func (r *Region) TraceRow(o *Output) *trace.Row {
	if b := r.btm; b != nil {
		// Active cells are the inference state's, winners the learning
		// state's, predictive cells the inference state's predicted ones.
		var act, win []uint32
		act, win, r.predBuf = b.ActiveCells(nil), b.LearnCells(nil), b.PredictiveCells(r.predBuf)
		return &trace.Row{
			Step: int(r.steps) - 1, Enc: o.Encoding, Cols: o.ActiveColumns, Anomaly: o.Anomaly.Float32(),
			Active: trace.Summarise(act), Winner: trace.Summarise(win), Predictive: trace.Summarise(r.predBuf),
			Segments: b.NumSegments(), Synapses: b.NumSynapses(),
		}
	}
	t := r.tm
	r.predBuf = t.PredictiveCells(r.predBuf)
	return &trace.Row{
		Step:       int(r.steps) - 1,
		Enc:        o.Encoding,
		Cols:       o.ActiveColumns,
		Anomaly:    o.Anomaly.Float32(),
		Active:     trace.Summarise(t.ActiveCells()),
		Winner:     trace.Summarise(t.WinnerCells()),
		Predictive: trace.Summarise(r.predBuf),
		Segments:   t.NumSegments(),
		Synapses:   t.NumSynapses(),
	}
}

// SetSteps sets the number of inputs the region has computed, for a region
// whose SP and TM state were restored from elsewhere (a memory image).
func (r *Region) SetSteps(n uint64) { r.steps = n }
