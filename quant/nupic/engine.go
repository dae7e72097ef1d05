package nupic

import (
	"errors"
	"fmt"
	"time"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/encoder"
)

// Engine is NuPIC's anomaly model as NAB's numenta detector builds it
// (HTMPredictionModel with the params of getScalarMetricWithTimeOfDay-
// AnomalyParams, tmImplementation "cpp"): per record, the MultiEncoder's
// bits (its encoders sorted by field name, so the timestamp's time-of-day
// bits first, then the value's RDSE bits) → SpatialPooler.compute(learn)
// → the backtracking TM, whose raw anomaly is the fraction of the active
// columns that the last step's non-zero confidence did not predict.
type Engine struct {
	date  *TimeOfDay // nil without a date encoder
	rdse  *encoder.NuPICRDSE
	sp    *SpatialPooler
	tm    *TM
	learn bool
	step  int

	dbuf, vbuf, enc []uint32
}

// NewEngine builds an Engine from a model configuration with NuPIC's RDSE
// (encoder.rdse.kind nupic) and the backtracking TM (tm.algorithm
// backtracking), reading the float parameters as float32 and ignoring the
// hardware ones (permanenceBits, segmentPoolCapacity, ...). A resolution
// to be derived from the data must have been resolved
// (Config.ResolveResolution).
func NewEngine(cfg *model.Config) (*Engine, error) {
	if cfg == nil {
		return nil, errors.New("nupic: nil config")
	}
	if cfg.NeedsRange() {
		return nil, errors.New("nupic: the RDSE resolution is derived from the data (resolutionBuckets): call Config.ResolveResolution first")
	}
	if cfg.Encoder.RDSE.Kind != model.RDSENuPIC {
		return nil, fmt.Errorf("nupic: encoder.rdse.kind %q: the NuPIC float reference needs kind %q", cfg.Encoder.RDSE.Kind, model.RDSENuPIC)
	}
	if !cfg.Backtracking() {
		return nil, fmt.Errorf("nupic: tm.algorithm %q: the NuPIC float reference has the backtracking TM only", cfg.TM.Algorithm)
	}
	rdse, err := encoder.NewNuPICRDSE(cfg.Encoder.RDSE.NuPICParams())
	if err != nil {
		return nil, fmt.Errorf("nupic: %w", err)
	}
	e := &Engine{rdse: rdse, learn: true}
	n := rdse.Size()
	if cfg.Encoder.Date != nil {
		d := cfg.Encoder.Date
		if d.SeasonWidth != 0 || d.DayOfWeekWidth != 0 || d.WeekendWidth != 0 || d.HolidayWidth != 0 || d.CustomWidth != 0 || d.TimeOfDayWidth == 0 {
			return nil, errors.New("nupic: encoder.date: the NuPIC float reference has the time-of-day field only (NAB's numenta detector's)")
		}
		if e.date, err = NewTimeOfDay(d.TimeOfDayWidth, d.TimeOfDayRadius); err != nil {
			return nil, err
		}
		n += e.date.Size()
	}
	s := &cfg.SP
	if len(s.ColumnDimensions) != 1 {
		return nil, fmt.Errorf("nupic: sp.columnDimensions %v: one dimension only", s.ColumnDimensions)
	}
	if len(s.InputDimensions) > 0 && (len(s.InputDimensions) != 1 || s.InputDimensions[0] != n) {
		return nil, fmt.Errorf("nupic: sp.inputDimensions %v differ from the encoders' %d bits", s.InputDimensions, n)
	}
	if s.Seed <= 0 {
		return nil, fmt.Errorf("nupic: sp.seed %d must be positive", s.Seed)
	}
	if e.sp, err = NewSpatialPooler(SPParams{
		NumInputs: n, NumColumns: s.ColumnDimensions[0], PotentialRadius: s.PotentialRadius,
		PotentialPct: float32(s.PotentialPct), GlobalInhibition: s.GlobalInhibition,
		LocalAreaDensity: float32(s.LocalAreaDensity), NumActiveColumnsPerInhArea: s.NumActiveColumnsPerInhArea,
		StimulusThreshold: s.StimulusThreshold, SynPermInactiveDec: float32(s.SynPermInactiveDec),
		SynPermActiveInc: float32(s.SynPermActiveInc), SynPermConnected: float32(s.SynPermConnected),
		MinPctOverlapDutyCycles: float32(s.MinPctOverlapDutyCycles), DutyCyclePeriod: s.DutyCyclePeriod,
		BoostStrength: float32(s.BoostStrength), Seed: uint64(s.Seed), WrapAround: s.WrapAround,
	}); err != nil {
		return nil, err
	}
	t := &cfg.TM
	if t.Seed <= 0 {
		return nil, fmt.Errorf("nupic: tm.seed %d must be positive", t.Seed)
	}
	if e.tm, err = NewTM(TMParams{
		NumColumns: s.ColumnDimensions[0], CellsPerColumn: t.CellsPerColumn,
		ActivationThreshold: t.ActivationThreshold, MinThreshold: t.MinThreshold,
		NewSynapseCount: t.MaxNewSynapseCount, MaxSegmentsPerCell: t.MaxSegmentsPerCell,
		MaxSynapsesPerSeg: t.MaxSynapsesPerSegment,
		InitialPermanence: float32(t.InitialPermanence), ConnectedPermanence: float32(t.ConnectedPermanence),
		PermanenceIncrement: float32(t.PermanenceIncrement), PermanenceDecrement: float32(t.PermanenceDecrement),
		PermanenceMax: 1,
		PamLength:     t.PamLength, MaxInfBacktrack: t.MaxInfBacktrack, MaxLrnBacktrack: t.MaxLrnBacktrack,
		MaxSeqLength: t.MaxSeqLength, SegUpdateValidDuration: t.SegUpdateValidDuration,
		Seed: uint64(t.Seed),
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// SetLearn turns learning on or off for the following steps (on by
// default).
func (e *Engine) SetLearn(learn bool) { e.learn = learn }

// SpatialPooler returns the engine's spatial pooler.
func (e *Engine) SpatialPooler() *SpatialPooler { return e.sp }

// TM returns the engine's backtracking temporal memory.
func (e *Engine) TM() *TM { return e.tm }

// StepAt runs one record through the engine and returns its raw anomaly
// score, in [0, 1]. The timestamp is read only by a date encoder.
func (e *Engine) StepAt(t time.Time, value float64) (float64, error) {
	var err error
	e.enc = e.enc[:0]
	if e.date != nil {
		e.dbuf = e.date.Encode(t, e.dbuf)
		e.enc = append(e.enc, e.dbuf...)
	}
	if e.vbuf, err = e.rdse.Encode(value, e.vbuf); err != nil {
		return 0, fmt.Errorf("nupic: step %d: %w", e.step, err)
	}
	off := uint32(0) // the RDSE's bits follow the date encoder's
	if e.date != nil {
		off = uint32(e.date.Size())
	}
	for _, b := range e.vbuf {
		e.enc = append(e.enc, off+b)
	}
	cols, err := e.sp.Compute(e.enc, e.learn)
	if err != nil {
		return 0, fmt.Errorf("nupic: step %d: %w", e.step, err)
	}
	if err := e.tm.Compute(cols, e.learn); err != nil {
		return 0, fmt.Errorf("nupic: step %d: %w", e.step, err)
	}
	e.step++
	if len(cols) == 0 {
		return 0, nil // NuPIC's computeRawAnomalyScore: no active columns, score 0
	}
	return float64(e.tm.Unpredicted()) / float64(len(cols)), nil
}
