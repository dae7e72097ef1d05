package encoder

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Holiday is a date for the DateParams.Holidays field: a fixed day of every
// year when Year is 0, or a single day.
type Holiday struct {
	Year  int
	Month time.Month
	Day   int
}

// DateParams configures a Date. The names follow htm.core's
// DateEncoderParameters (season_width is SeasonWidth, and so on). A width of
// 0 leaves a field out; a radius of 0 selects htm.core's default. Radii are
// float32 values in htm.core, and are rounded to float32 here too.
type DateParams struct {
	// SeasonWidth is the number of active bits for the day of the year,
	// 0 (1 January) to 366, periodic.
	SeasonWidth int
	// SeasonRadius is in days; 0 means htm.core's default 91.5.
	SeasonRadius float64

	// DayOfWeekWidth is the number of active bits for the day of the week,
	// Monday 0 to Sunday 6, periodic over [0, 7].
	DayOfWeekWidth int
	// DayOfWeekRadius is in days; 0 means htm.core's default 1.
	DayOfWeekRadius float64

	// WeekendWidth is the number of active bits of each of the two
	// categories weekend and not weekend. htm.core counts as weekend all of
	// Saturday and Sunday and Friday from 19:00 (its test is hour > 18).
	WeekendWidth int

	// CustomWidth is the number of active bits of each of the two categories
	// "day in CustomDays" and not.
	CustomWidth int
	// CustomDays lists the days of the custom field; it must not be empty
	// when CustomWidth is set.
	CustomDays []time.Weekday

	// HolidayWidth is the number of active bits for the holiday value, a
	// periodic scalar over [0, 2] with radius 1: 1 on a holiday, ramping from
	// 0 up to 1 over the day before, and from 1 on to 2 (which wraps to 0)
	// over the day after.
	HolidayWidth int
	// Holidays lists the holidays; nil means htm.core's default, 25
	// December. A yearly holiday is looked up in the year of the encoded
	// time only, as htm.core does, so 1 January does not ramp up on the 31
	// December before it.
	Holidays []Holiday

	// TimeOfDayWidth is the number of active bits for the time of day in
	// hours, periodic over [0, 24].
	TimeOfDayWidth int
	// TimeOfDayRadius is in hours; 0 means htm.core's default 4.
	TimeOfDayRadius float64
}

// Date is htm.core's DateEncoder: each enabled field is a Scalar as htm.core
// builds it, and the fields are concatenated in htm.core's order: season,
// dayOfWeek, weekend, customDays, holiday, timeOfDay (see Fields).
//
// Calendar fields are taken in the time's own location (t.Location()),
// where htm.core uses the process's local time zone: convert with t.In first
// to choose the zone.
type Date struct {
	p      DateParams
	layout Multi
	fields []dateField
	custom [7]bool
}

// dateField is one enabled field of a Date.
type dateField struct {
	kind   int
	enc    *Scalar
	offset uint32
}

// Field kinds, in htm.core's order.
const (
	dateSeason = iota
	dateDayOfWeek
	dateWeekend
	dateCustom
	dateHoliday
	dateTimeOfDay
)

var dateFieldNames = [...]string{"season", "dayOfWeek", "weekend", "customDays", "holiday", "timeOfDay"}

// NewDate builds the field encoders of p and returns the encoder, or an
// error naming the first parameter out of range. At least one width must be
// set.
func NewDate(p DateParams) (*Date, error) {
	defaultRadius := func(name string, r *float64, def float64) error {
		if math.IsNaN(*r) || math.IsInf(*r, 0) || *r < 0 {
			return fmt.Errorf("encoder: date: %s %v must be a finite number, at least 0", name, *r)
		}
		if *r == 0 {
			*r = def
		}
		*r = float64(float32(*r))
		return nil
	}
	if err := defaultRadius("seasonRadius", &p.SeasonRadius, 91.5); err != nil {
		return nil, err
	}
	if err := defaultRadius("dayOfWeekRadius", &p.DayOfWeekRadius, 1); err != nil {
		return nil, err
	}
	if err := defaultRadius("timeOfDayRadius", &p.TimeOfDayRadius, 4); err != nil {
		return nil, err
	}
	if p.HolidayWidth > 0 && p.Holidays == nil {
		p.Holidays = []Holiday{{Month: time.December, Day: 25}}
	}
	for _, h := range p.Holidays {
		if h.Month < time.January || h.Month > time.December || h.Day < 1 || h.Day > 31 {
			return nil, fmt.Errorf("encoder: date: holiday %d-%d-%d is not a date", h.Year, h.Month, h.Day)
		}
	}
	d := &Date{p: p}
	if p.CustomWidth > 0 {
		if len(p.CustomDays) == 0 {
			return nil, errors.New("encoder: date: customWidth set but customDays empty")
		}
		for _, wd := range p.CustomDays {
			if wd < time.Sunday || wd > time.Saturday {
				return nil, fmt.Errorf("encoder: date: customDays entry %d is not a weekday", int(wd))
			}
			d.custom[wd] = true
		}
	}
	specs := [...]struct {
		width int
		sp    ScalarParams
	}{
		dateSeason:    {p.SeasonWidth, ScalarParams{Minimum: 0, Maximum: 366, Periodic: true, Radius: p.SeasonRadius}},
		dateDayOfWeek: {p.DayOfWeekWidth, ScalarParams{Minimum: 0, Maximum: 7, Periodic: true, Radius: p.DayOfWeekRadius}},
		dateWeekend:   {p.WeekendWidth, ScalarParams{Minimum: 0, Maximum: 1, Category: true}},
		dateCustom:    {p.CustomWidth, ScalarParams{Minimum: 0, Maximum: 1, Category: true}},
		dateHoliday:   {p.HolidayWidth, ScalarParams{Minimum: 0, Maximum: 2, Periodic: true, Radius: 1}},
		dateTimeOfDay: {p.TimeOfDayWidth, ScalarParams{Minimum: 0, Maximum: 24, Periodic: true, Radius: p.TimeOfDayRadius}},
	}
	for kind, s := range specs {
		name := dateFieldNames[kind]
		if s.width < 0 {
			return nil, fmt.Errorf("encoder: date: %sWidth %d must be at least 0", name, s.width)
		}
		if s.width == 0 {
			continue
		}
		s.sp.ActiveBits = s.width
		enc, err := NewScalar(s.sp)
		if err != nil {
			return nil, fmt.Errorf("encoder: date: %s field: %w", name, err)
		}
		f, err := d.layout.Add(name, enc.Size())
		if err != nil {
			return nil, fmt.Errorf("encoder: date: %w", err)
		}
		d.fields = append(d.fields, dateField{kind: kind, enc: enc, offset: uint32(f.Offset)})
	}
	if len(d.fields) == 0 {
		return nil, errors.New("encoder: date: no field enabled, set at least one width")
	}
	return d, nil
}

// Size returns the number of bits in the output SDR, the sum of the field
// sizes.
func (d *Date) Size() int { return d.layout.Size() }

// Params returns the parameters with the default radii and holidays filled
// in, each radius rounded to float32.
func (d *Date) Params() DateParams { return d.p }

// Fields returns the layout of the output: the enabled fields in order,
// named season, dayOfWeek, weekend, customDays, holiday and timeOfDay.
func (d *Date) Fields() []Field { return d.layout.Fields() }

// Encode writes the active bits of t, ascending, to dst[:0] and returns the
// result, reusing dst's storage when it has the capacity.
func (d *Date) Encode(t time.Time, dst []uint32) ([]uint32, error) {
	dst = dst[:0]
	for _, f := range d.fields {
		x := d.value(f.kind, t)
		var err error
		dst, err = f.enc.appendBits(dst, x, f.offset)
		if err != nil {
			return dst[:0], fmt.Errorf("encoder: date: %s field of %v: %w", dateFieldNames[f.kind], t, err)
		}
	}
	return dst, nil
}

// value returns the input of field kind for t, computed as htm.core does.
func (d *Date) value(kind int, t time.Time) float64 {
	switch kind {
	case dateSeason:
		return float64(t.YearDay() - 1)
	case dateDayOfWeek:
		return float64((int(t.Weekday()) + 6) % 7)
	case dateWeekend:
		wd := t.Weekday()
		if wd == time.Sunday || wd == time.Saturday || (wd == time.Friday && t.Hour() > 18) {
			return 1
		}
		return 0
	case dateCustom:
		if d.custom[t.Weekday()] {
			return 1
		}
		return 0
	case dateHoliday:
		return d.holiday(t)
	default: // dateTimeOfDay
		// htm.core: tm_hour + tm_min / 60.0f + tm_sec / 3600.0, where the
		// first sum is float32 arithmetic.
		hm := float32(float32(t.Hour()) + float32(float32(t.Minute())/60))
		return float64(hm) + float64(t.Second())/3600
	}
}

// holiday returns htm.core's holiday value of t: 1 on a holiday, 1-d/day
// during the day before one (d the time left until it starts), and 1+d/day
// during the day after one (d the time since it ended).
func (d *Date) holiday(t time.Time) float64 {
	const day = 86400.0
	in := t.Unix()
	for _, h := range d.p.Holidays {
		year := h.Year
		if year == 0 {
			year = t.Year()
		}
		start := time.Date(year, h.Month, h.Day, 0, 0, 0, 0, t.Location()).Unix()
		if in > start {
			diff := float64(in - start)
			if diff < day {
				return 1
			}
			if diff < 2*day {
				return 1 + (diff-day)/day
			}
		} else if diff := float64(start - in); diff < day {
			return 1 - diff/day
		}
	}
	return 0
}
