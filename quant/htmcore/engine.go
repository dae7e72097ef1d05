package htmcore

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/encoder"
	"github.com/htmhw/htmhw/model/trace"
)

// Engine runs an RDSE (optionally concatenated with a DateEncoder), a
// SpatialPooler and a TemporalMemory as the reference traces of
// testdata/htmcore were made: per value, encode → SpatialPooler.Compute(learn)
// → TemporalMemory.Compute(learn) → ActivateDendrites(learn), so that the
// predictive cells of the next step exist.
//
// With a date encoder the input is the RDSE's bits followed by the date
// encoder's, offset by the RDSE's size, as NAB's htm.core detector
// concatenates them (SDR.concatenate([valueBits, dateBits])) and as the
// integer model does (docs/SPEC.md section 4).
type Engine struct {
	rdse  *encoder.RDSE
	date  *encoder.Date // nil without a date encoder
	multi encoder.Multi // the layout of the concatenation, with date only
	sp    *SpatialPooler
	tm    *TemporalMemory
	learn bool
	step  int
	enc   []uint32
	vbuf  []uint32 // the RDSE's bits, with date only
	dbuf  []uint32 // the date encoder's bits
}

// NewEngine builds an Engine from a model configuration, reading its
// htm.core parameters (encoder.rdse, sp, tm) and ignoring the hardware
// ones (permanenceBits, segmentPoolCapacity, ...). A resolution to be
// derived from the data (resolutionBuckets) must have been resolved with
// Config.ResolveResolution. A date encoder (encoder.date) is refused: its
// input is a timestamp, which Step does not take; use NewEngineWithDate and
// StepAt.
func NewEngine(cfg *model.Config) (*Engine, error) {
	if cfg != nil && cfg.Encoder.Date != nil {
		return nil, errors.New("htmcore: the model has a date encoder, whose input is a timestamp: use NewEngineWithDate and StepAt")
	}
	return NewEngineWithDate(cfg)
}

// NewEngineWithDate builds an Engine as NewEngine does, and accepts a date
// encoder too: the input is then the RDSE's bits followed by the date
// encoder's, and the engine is stepped with StepAt.
func NewEngineWithDate(cfg *model.Config) (*Engine, error) {
	if cfg == nil {
		return nil, errors.New("htmcore: nil config")
	}
	if cfg.NeedsRange() {
		return nil, errors.New("htmcore: the RDSE resolution is derived from the data (resolutionBuckets): call Config.ResolveResolution first")
	}
	if cfg.Backtracking() {
		return nil, errors.New("htmcore: tm.algorithm backtracking: the float reference has htm.core's TemporalMemory only")
	}
	if k := cfg.Encoder.RDSE.Kind; k != "" && k != model.RDSEHTMCore {
		return nil, fmt.Errorf("htmcore: encoder.rdse.kind %q: the float reference has htm.core's RDSE only", k)
	}
	spp, err := SPParamsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	tmp, err := TMParamsFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	rdse, err := encoder.NewRDSE(cfg.Encoder.RDSE.Params())
	if err != nil {
		return nil, fmt.Errorf("htmcore: %w", err)
	}
	e := &Engine{rdse: rdse, learn: true}
	size := rdse.Size()
	if cfg.Encoder.Date != nil {
		p, err := cfg.Encoder.Date.Params()
		if err != nil {
			return nil, fmt.Errorf("htmcore: encoder.date: %w", err)
		}
		if e.date, err = encoder.NewDate(p); err != nil {
			return nil, fmt.Errorf("htmcore: %w", err)
		}
		if _, err := e.multi.Add("value", rdse.Size()); err != nil {
			return nil, fmt.Errorf("htmcore: %w", err)
		}
		if _, err := e.multi.Add("date", e.date.Size()); err != nil {
			return nil, fmt.Errorf("htmcore: %w", err)
		}
		size = e.multi.Size()
	}
	if spp.InputDimensions == nil {
		spp.InputDimensions = []uint32{uint32(size)}
	} else if len(spp.InputDimensions) != 1 || int(spp.InputDimensions[0]) != size {
		return nil, fmt.Errorf("htmcore: sp.inputDimensions %v differ from the encoder's size %d", spp.InputDimensions, size)
	}
	sp, err := NewSpatialPooler(spp)
	if err != nil {
		return nil, err
	}
	tm, err := NewTemporalMemory(tmp)
	if err != nil {
		return nil, err
	}
	e.sp, e.tm = sp, tm
	return e, nil
}

// NewEngineFrom assembles an Engine from its parts.
func NewEngineFrom(rdse *encoder.RDSE, sp *SpatialPooler, tm *TemporalMemory) (*Engine, error) {
	if rdse.Size() != sp.NumInputs() {
		return nil, fmt.Errorf("htmcore: the RDSE's %d bits differ from the SpatialPooler's %d inputs", rdse.Size(), sp.NumInputs())
	}
	if sp.NumColumns() != tm.NumberOfColumns() {
		return nil, fmt.Errorf("htmcore: the SpatialPooler's %d columns differ from the TemporalMemory's %d", sp.NumColumns(), tm.NumberOfColumns())
	}
	return &Engine{rdse: rdse, sp: sp, tm: tm, learn: true}, nil
}

// SetLearn turns learning on or off for the following steps (on by
// default).
func (e *Engine) SetLearn(learn bool) { e.learn = learn }

// SpatialPooler returns the engine's SpatialPooler.
func (e *Engine) SpatialPooler() *SpatialPooler { return e.sp }

// TemporalMemory returns the engine's TemporalMemory.
func (e *Engine) TemporalMemory() *TemporalMemory { return e.tm }

// HasDate reports whether the engine has a date encoder, whose steps need
// a timestamp (StepAt).
func (e *Engine) HasDate() bool { return e.date != nil }

// Step runs one value through the engine and returns its trace row. An
// engine with a date encoder needs the value's timestamp: use StepAt.
func (e *Engine) Step(value float64) (*trace.Row, error) {
	if e.date != nil {
		return nil, fmt.Errorf("htmcore: step %d: the model has a date encoder: the step needs a timestamp (StepAt)", e.step)
	}
	return e.StepAt(time.Time{}, value)
}

// StepAt runs one record, a timestamp and a value, through the engine and
// returns its trace row. The timestamp is read only by a date encoder, in
// its own location (NAB's timestamps are UTC).
func (e *Engine) StepAt(t time.Time, value float64) (*trace.Row, error) {
	var enc []uint32
	var err error
	if e.date == nil {
		enc, err = e.rdse.Encode(value, e.enc)
	} else {
		if e.vbuf, err = e.rdse.Encode(value, e.vbuf); err == nil {
			if e.dbuf, err = e.date.Encode(t, e.dbuf); err == nil {
				enc, err = e.multi.Concat(e.enc, e.vbuf, e.dbuf)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("htmcore: step %d: %w", e.step, err)
	}
	e.enc = enc
	cols := e.sp.Compute(enc, e.learn)
	e.tm.Compute(cols, e.learn)
	e.tm.ActivateDendrites(e.learn)
	row := &trace.Row{
		Step:       e.step,
		Enc:        slices.Clone(enc),
		Cols:       cols,
		Anomaly:    e.tm.Anomaly(),
		Active:     trace.Summarise(sorted(e.tm.activeCells)),
		Winner:     trace.Summarise(sorted(e.tm.winnerCells)),
		Predictive: trace.Summarise(e.tm.PredictiveCells()),
		Segments:   e.tm.NumSegments(),
		Synapses:   e.tm.NumSynapses(),
	}
	e.step++
	return row, nil
}

func sorted(s []uint32) []uint32 {
	if slices.IsSorted(s) {
		return s
	}
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// SPParamsFromConfig returns the SpatialPooler arguments of a model
// configuration (InputDimensions nil when the configuration leaves it to
// the encoder).
func SPParamsFromConfig(cfg *model.Config) (SPParams, error) {
	s := cfg.SP
	in, err := dims("sp.inputDimensions", s.InputDimensions)
	if err != nil {
		return SPParams{}, err
	}
	cols, err := dims("sp.columnDimensions", s.ColumnDimensions)
	if err != nil {
		return SPParams{}, err
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"sp.potentialRadius", s.PotentialRadius}, {"sp.numActiveColumnsPerInhArea", s.NumActiveColumnsPerInhArea},
		{"sp.stimulusThreshold", s.StimulusThreshold}, {"sp.dutyCyclePeriod", s.DutyCyclePeriod},
		{"sp.spVerbosity", s.SpVerbosity}, {"sp.updatePeriod", s.UpdatePeriod},
	} {
		if f.v < 0 || f.v > math.MaxUint32 {
			return SPParams{}, fmt.Errorf("htmcore: %s %d out of range", f.name, f.v)
		}
	}
	if s.Seed < math.MinInt32 || s.Seed > math.MaxUint32 {
		return SPParams{}, fmt.Errorf("htmcore: sp.seed %d out of range", s.Seed)
	}
	return SPParams{
		InputDimensions:            in,
		ColumnDimensions:           cols,
		PotentialRadius:            uint32(s.PotentialRadius),
		PotentialPct:               float32(s.PotentialPct),
		GlobalInhibition:           s.GlobalInhibition,
		LocalAreaDensity:           float32(s.LocalAreaDensity),
		NumActiveColumnsPerInhArea: uint32(s.NumActiveColumnsPerInhArea),
		StimulusThreshold:          uint32(s.StimulusThreshold),
		SynPermInactiveDec:         float32(s.SynPermInactiveDec),
		SynPermActiveInc:           float32(s.SynPermActiveInc),
		SynPermConnected:           float32(s.SynPermConnected),
		MinPctOverlapDutyCycles:    float32(s.MinPctOverlapDutyCycles),
		DutyCyclePeriod:            uint32(s.DutyCyclePeriod),
		BoostStrength:              float32(s.BoostStrength),
		Seed:                       int32(uint32(s.Seed)),
		SpVerbosity:                uint32(s.SpVerbosity),
		WrapAround:                 s.WrapAround,
		UpdatePeriod:               uint32(s.UpdatePeriod),
	}, nil
}

// TMParamsFromConfig returns the TemporalMemory arguments of a model
// configuration (the SP's column dimensions when the TM leaves them out).
func TMParamsFromConfig(cfg *model.Config) (TMParams, error) {
	t := cfg.TM
	cd := t.ColumnDimensions
	if len(cd) == 0 {
		cd = cfg.SP.ColumnDimensions
	}
	cols, err := dims("tm.columnDimensions", cd)
	if err != nil {
		return TMParams{}, err
	}
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{
		{"tm.cellsPerColumn", t.CellsPerColumn, math.MaxUint32},
		{"tm.activationThreshold", t.ActivationThreshold, math.MaxUint16},
		{"tm.minThreshold", t.MinThreshold, math.MaxUint16},
		{"tm.maxNewSynapseCount", t.MaxNewSynapseCount, math.MaxUint16},
		{"tm.maxSegmentsPerCell", t.MaxSegmentsPerCell, math.MaxUint16},
		{"tm.maxSynapsesPerSegment", t.MaxSynapsesPerSegment, math.MaxUint16},
		{"tm.externalPredictiveInputs", t.ExternalPredictiveInputs, math.MaxUint32},
	} {
		if f.v < 0 || f.v > f.max {
			return TMParams{}, fmt.Errorf("htmcore: %s %d out of range [0, %d]", f.name, f.v, f.max)
		}
	}
	if t.Seed < math.MinInt32 || t.Seed > math.MaxUint32 {
		return TMParams{}, fmt.Errorf("htmcore: tm.seed %d out of range", t.Seed)
	}
	mode := AnomalyRaw
	switch t.AnomalyMode {
	case "", "raw":
	case "disabled":
		mode = AnomalyDisabled
	default:
		return TMParams{}, fmt.Errorf("htmcore: tm.anomalyMode %q is not supported (raw or disabled)", t.AnomalyMode)
	}
	return TMParams{
		ColumnDimensions:          cols,
		CellsPerColumn:            uint32(t.CellsPerColumn),
		ActivationThreshold:       uint16(t.ActivationThreshold),
		InitialPermanence:         float32(t.InitialPermanence),
		ConnectedPermanence:       float32(t.ConnectedPermanence),
		MinThreshold:              uint16(t.MinThreshold),
		MaxNewSynapseCount:        uint16(t.MaxNewSynapseCount),
		PermanenceIncrement:       float32(t.PermanenceIncrement),
		PermanenceDecrement:       float32(t.PermanenceDecrement),
		PredictedSegmentDecrement: float32(t.PredictedSegmentDecrement),
		Seed:                      int32(uint32(t.Seed)),
		MaxSegmentsPerCell:        uint16(t.MaxSegmentsPerCell),
		MaxSynapsesPerSegment:     uint16(t.MaxSynapsesPerSegment),
		CheckInputs:               t.CheckInputs,
		ExternalPredictiveInputs:  uint32(t.ExternalPredictiveInputs),
		AnomalyMode:               mode,
	}, nil
}

func dims(name string, d []int) ([]uint32, error) {
	if len(d) == 0 {
		return nil, nil
	}
	out := make([]uint32, len(d))
	for i, v := range d {
		if v < 1 || v > math.MaxUint32 {
			return nil, fmt.Errorf("htmcore: %s %v: dimensions must be 1 to 2^32-1", name, d)
		}
		out[i] = uint32(v)
	}
	return out, nil
}
