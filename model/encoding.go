package model

import (
	"fmt"
	"time"

	"github.com/htmhw/htmhw/model/encoder"
)

// Encoder is a region's encoder (docs/SPEC.md section 4): the RDSE for the
// value, concatenated with the date encoder for the timestamp when the
// configuration has one. The host runs it, in front of the golden model,
// the simulator or a board.
type Encoder struct {
	rdse       *encoder.RDSE
	nupic      *encoder.NuPICRDSE // instead of rdse, for kind nupic
	date       *encoder.Date
	multi      encoder.Multi
	vbuf, dbuf []uint32
	out        []uint32
}

// NewEncoder returns the encoder of a configuration whose RDSE resolution
// is resolved.
func NewEncoder(cfg *Config) (*Encoder, error) {
	if cfg.NeedsRange() {
		return nil, ErrNeedsRange
	}
	e := &Encoder{}
	var err error
	size := 0
	if cfg.Encoder.RDSE.Kind == RDSENuPIC {
		if e.nupic, err = encoder.NewNuPICRDSE(cfg.Encoder.RDSE.NuPICParams()); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		size = e.nupic.Size()
	} else {
		if e.rdse, err = encoder.NewRDSE(cfg.Encoder.RDSE.Params()); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		size = e.rdse.Size()
	}
	if _, err := e.multi.Add("value", size); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if d := cfg.Encoder.Date; d != nil {
		p, err := d.Params()
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		if e.date, err = encoder.NewDate(p); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		if _, err := e.multi.Add("date", e.date.Size()); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	return e, nil
}

// Size returns the width of the encoder's output.
func (e *Encoder) Size() int { return e.multi.Size() }

// Encode returns the input indices of one record, ascending. The slice is
// reused by the next call. A value or time the encoders refuse (NaN, say)
// is an error.
func (e *Encoder) Encode(t time.Time, v float64) ([]uint32, error) {
	var err error
	// The date first: a stateful value encoder must not change on a step
	// that fails.
	if e.date != nil {
		if e.dbuf, err = e.date.Encode(t, e.dbuf); err != nil {
			return nil, err
		}
	}
	if e.nupic != nil {
		e.vbuf, err = e.nupic.Encode(v, e.vbuf)
	} else {
		e.vbuf, err = e.rdse.Encode(v, e.vbuf)
	}
	if err != nil {
		return nil, err
	}
	parts := [][]uint32{e.vbuf}
	if e.date != nil {
		parts = append(parts, e.dbuf)
	}
	if e.out, err = e.multi.Concat(e.out, parts...); err != nil {
		return nil, err
	}
	return e.out, nil
}

// NuPIC returns the encoder's NuPIC RDSE, whose bucket map is state, or nil
// for an htm.core RDSE (stateless).
func (e *Encoder) NuPIC() *encoder.NuPICRDSE { return e.nupic }
