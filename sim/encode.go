package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/encoder"
	"github.com/htmhw/htmhw/series"
)

// Encoder is the host side of the accelerator (docs/SPEC.md section 4): the
// region's RDSE for the value, concatenated with its date encoder for the
// timestamp, built from a model configuration as model.NewRegion builds
// them.
type Encoder struct {
	rdse  *encoder.RDSE
	date  *encoder.Date
	multi encoder.Multi
	vbuf  []uint32
	dbuf  []uint32
	out   []uint32
}

// NewEncoder returns the encoder of a configuration whose RDSE resolution
// is resolved (an image's configuration always is).
func NewEncoder(cfg *model.Config) (*Encoder, error) {
	if cfg.NeedsRange() {
		return nil, model.ErrNeedsRange
	}
	r := cfg.Encoder.RDSE
	e := &Encoder{}
	var err error
	if e.rdse, err = encoder.NewRDSE(encoder.RDSEParams{Size: r.Size, ActiveBits: r.ActiveBits, Sparsity: r.Sparsity,
		Radius: r.Radius, Resolution: r.Resolution, Category: r.Category, Seed: r.Seed}); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if _, err := e.multi.Add("value", e.rdse.Size()); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if d := cfg.Encoder.Date; d != nil {
		p, err := dateParams(d)
		if err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		if e.date, err = encoder.NewDate(p); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		if _, err := e.multi.Add("date", e.date.Size()); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	return e, nil
}

// Size returns the width of the encoder's output, N.
func (e *Encoder) Size() int { return e.multi.Size() }

// Encode returns the input indices of one record (ascending). The slice is
// reused by the next call.
func (e *Encoder) Encode(t time.Time, v float64) ([]uint32, error) {
	var err error
	if e.vbuf, err = e.rdse.Encode(v, e.vbuf); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	parts := [][]uint32{e.vbuf}
	if e.date != nil {
		if e.dbuf, err = e.date.Encode(t, e.dbuf); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
		parts = append(parts, e.dbuf)
	}
	if e.out, err = e.multi.Concat(e.out, parts...); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	return e.out, nil
}

// dateParams is model's DateConfig → encoder.DateParams conversion (the
// model package keeps it unexported).
func dateParams(d *model.DateConfig) (encoder.DateParams, error) {
	p := encoder.DateParams{
		SeasonWidth: d.SeasonWidth, SeasonRadius: d.SeasonRadius,
		DayOfWeekWidth: d.DayOfWeekWidth, DayOfWeekRadius: d.DayOfWeekRadius,
		WeekendWidth: d.WeekendWidth, HolidayWidth: d.HolidayWidth,
		TimeOfDayWidth: d.TimeOfDayWidth, TimeOfDayRadius: d.TimeOfDayRadius,
		CustomWidth: d.CustomWidth,
	}
	for _, hd := range d.HolidayDates {
		switch len(hd) {
		case 2:
			p.Holidays = append(p.Holidays, encoder.Holiday{Month: time.Month(hd[0]), Day: hd[1]})
		case 3:
			p.Holidays = append(p.Holidays, encoder.Holiday{Year: hd[0], Month: time.Month(hd[1]), Day: hd[2]})
		default:
			return p, fmt.Errorf("holiday_dates entry %v: want [month, day] or [year, month, day]", hd)
		}
	}
	days := map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
		"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}
	for _, s := range d.CustomDays {
		wd, ok := days[strings.ToLower(s)[:min(3, len(s))]]
		if !ok {
			return p, fmt.Errorf("custom_days entry %q is not a day of the week", s)
		}
		p.CustomDays = append(p.CustomDays, wd)
	}
	return p, nil
}

// Run loads an image (New), encodes every row with the image's encoder and
// steps the simulator through them, calling fn (if not nil) after each
// step with the step's index in rows and its result. It returns the
// simulator in its final state.
func Run(im *image.Image, rows []series.Row, learn bool, fn func(step int, r *Result)) (*Sim, error) {
	s, err := New(im)
	if err != nil {
		return nil, err
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	enc, err := NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	if enc.Size() != s.p.N {
		return nil, fmt.Errorf("sim: the encoder gives %d bits, the image has N = %d", enc.Size(), s.p.N)
	}
	for i, row := range rows {
		in, err := enc.Encode(row.Time, row.Value)
		if err != nil {
			return s, fmt.Errorf("sim: row %d (line %d): %w", i, row.Line, err)
		}
		r, err := s.Step(in, learn)
		if err != nil {
			return s, fmt.Errorf("sim: row %d (line %d): %w", i, row.Line, err)
		}
		if fn != nil {
			fn(i, r)
		}
	}
	return s, nil
}
