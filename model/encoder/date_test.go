package encoder

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/sdr"
)

type dateCase struct {
	t    time.Time
	want []uint32
}

func at(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
}

func checkDateCases(t *testing.T, d *Date, cases []dateCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.t.Format(time.DateTime), func(t *testing.T) {
			got, err := d.Encode(c.t, nil)
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
			assert.NoError(t, sdr.Validate(got, d.Size()))
		})
	}
}

// The cases of htm.core's DateEncoderTest.cpp (its times are local; these
// are UTC, which changes nothing here).
func TestDateHTMCoreCases(t *testing.T) {
	holidays := []Holiday{{2020, time.January, 1}, {0, time.July, 4}, {2019, time.April, 21}}
	custom := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	tests := []struct {
		name     string
		p        DateParams
		wantSize int
		cases    []dateCase
	}{
		{
			name:     "season",
			p:        DateParams{SeasonWidth: 5},
			wantSize: 20,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{0, 1, 2, 3, 4}},
				{at(2019, 12, 11, 14, 45), []uint32{0, 1, 2, 3, 19}},
				{at(2010, 11, 4, 14, 55), []uint32{0, 1, 17, 18, 19}},
				{at(2019, 7, 4, 0, 0), []uint32{10, 11, 12, 13, 14}},
				{at(2019, 4, 21, 0, 0), []uint32{6, 7, 8, 9, 10}},
				{at(2017, 4, 17, 0, 0), []uint32{6, 7, 8, 9, 10}},
				{at(2017, 4, 17, 22, 59), []uint32{6, 7, 8, 9, 10}},
				{at(1988, 5, 29, 20, 0), []uint32{8, 9, 10, 11, 12}},
				{at(1988, 5, 27, 20, 0), []uint32{8, 9, 10, 11, 12}},
			},
		},
		{
			name:     "dayOfWeek",
			p:        DateParams{DayOfWeekWidth: 2},
			wantSize: 14,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{4, 5}},
				{at(2019, 12, 11, 14, 45), []uint32{4, 5}},
				{at(2010, 11, 4, 14, 55), []uint32{6, 7}},
				{at(2019, 7, 4, 0, 0), []uint32{6, 7}},
				{at(2019, 4, 21, 0, 0), []uint32{12, 13}},
				{at(2017, 4, 17, 0, 0), []uint32{0, 1}},
				{at(2017, 4, 17, 22, 59), []uint32{0, 1}},
				{at(1988, 5, 29, 20, 0), []uint32{12, 13}},
				{at(1988, 5, 27, 20, 0), []uint32{8, 9}},
			},
		},
		{
			name:     "weekend",
			p:        DateParams{WeekendWidth: 2},
			wantSize: 4,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{0, 1}},
				{at(2019, 4, 21, 0, 0), []uint32{2, 3}},
				{at(2017, 4, 17, 22, 59), []uint32{0, 1}},
				{at(1988, 5, 29, 20, 0), []uint32{2, 3}},
				{at(1988, 5, 27, 11, 0), []uint32{0, 1}},
				{at(1988, 5, 27, 20, 0), []uint32{2, 3}},
				// The weekend starts at Friday 19:00, not 18:00.
				{at(1988, 5, 27, 18, 59), []uint32{0, 1}},
				{at(1988, 5, 27, 19, 0), []uint32{2, 3}},
				{at(1988, 5, 28, 0, 0), []uint32{2, 3}},
			},
		},
		{
			name:     "holiday",
			p:        DateParams{HolidayWidth: 4, Holidays: holidays},
			wantSize: 8,
			cases: []dateCase{
				{at(2019, 12, 31, 0, 0), []uint32{0, 1, 2, 3}},
				{at(2019, 12, 31, 12, 0), []uint32{2, 3, 4, 5}},
				{at(2020, 1, 1, 0, 0), []uint32{4, 5, 6, 7}},
				{at(2020, 1, 1, 12, 0), []uint32{4, 5, 6, 7}},
				{at(2020, 1, 1, 23, 59), []uint32{4, 5, 6, 7}},
				{at(2020, 1, 2, 12, 0), []uint32{0, 1, 6, 7}},
				{at(2020, 1, 3, 0, 0), []uint32{0, 1, 2, 3}},
				{at(2019, 12, 11, 14, 45), []uint32{0, 1, 2, 3}},
				{at(2010, 11, 4, 14, 55), []uint32{0, 1, 2, 3}},
				{at(2019, 7, 4, 0, 0), []uint32{4, 5, 6, 7}},
				{at(2019, 4, 21, 0, 0), []uint32{4, 5, 6, 7}},
				{at(2017, 4, 17, 0, 0), []uint32{0, 1, 2, 3}},
			},
		},
		{
			name:     "timeOfDay",
			p:        DateParams{TimeOfDayWidth: 4, TimeOfDayRadius: 4},
			wantSize: 24,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{0, 1, 2, 3}},
				{at(2019, 12, 11, 14, 45), []uint32{15, 16, 17, 18}},
				{at(2010, 11, 4, 14, 55), []uint32{15, 16, 17, 18}},
				{at(2019, 4, 21, 12, 0), []uint32{12, 13, 14, 15}},
				{at(2017, 4, 17, 1, 0), []uint32{1, 2, 3, 4}},
				{at(2017, 4, 17, 22, 59), []uint32{0, 1, 2, 23}},
				{at(1988, 5, 29, 20, 0), []uint32{20, 21, 22, 23}},
				{at(1988, 5, 27, 11, 0), []uint32{11, 12, 13, 14}},
			},
		},
		{
			name:     "customDays",
			p:        DateParams{CustomWidth: 2, CustomDays: custom},
			wantSize: 4,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{2, 3}},
				{at(2010, 11, 4, 14, 55), []uint32{0, 1}},
				{at(2019, 4, 21, 0, 0), []uint32{0, 1}},
				{at(2017, 4, 17, 22, 59), []uint32{2, 3}},
				{at(1988, 5, 27, 11, 0), []uint32{2, 3}},
			},
		},
		{
			name: "combined",
			p: DateParams{SeasonWidth: 5, DayOfWeekWidth: 2, WeekendWidth: 2, CustomWidth: 2, CustomDays: custom,
				HolidayWidth: 2, Holidays: holidays, TimeOfDayWidth: 4, TimeOfDayRadius: 4},
			wantSize: 70,
			cases: []dateCase{
				{at(2020, 1, 1, 0, 0), []uint32{0, 1, 2, 3, 4, 24, 25, 34, 35, 40, 41, 44, 45, 46, 47, 48, 49}},
				{at(2019, 12, 11, 14, 45), []uint32{0, 1, 2, 3, 19, 24, 25, 34, 35, 40, 41, 42, 43, 61, 62, 63, 64}},
				{at(2010, 11, 4, 14, 55), []uint32{0, 1, 17, 18, 19, 26, 27, 34, 35, 38, 39, 42, 43, 61, 62, 63, 64}},
				{at(2019, 7, 4, 0, 0), []uint32{10, 11, 12, 13, 14, 26, 27, 34, 35, 38, 39, 44, 45, 46, 47, 48, 49}},
				{at(2019, 4, 21, 0, 0), []uint32{6, 7, 8, 9, 10, 32, 33, 36, 37, 38, 39, 44, 45, 46, 47, 48, 49}},
				{at(2017, 4, 17, 0, 0), []uint32{6, 7, 8, 9, 10, 20, 21, 34, 35, 40, 41, 42, 43, 46, 47, 48, 49}},
				{at(2017, 4, 17, 22, 59), []uint32{6, 7, 8, 9, 10, 20, 21, 34, 35, 40, 41, 42, 43, 46, 47, 48, 69}},
				{at(1988, 5, 29, 20, 0), []uint32{8, 9, 10, 11, 12, 32, 33, 36, 37, 38, 39, 42, 43, 66, 67, 68, 69}},
				{at(1988, 5, 27, 11, 0), []uint32{8, 9, 10, 11, 12, 28, 29, 34, 35, 40, 41, 42, 43, 57, 58, 59, 60}},
				{at(1988, 5, 27, 20, 0), []uint32{8, 9, 10, 11, 12, 28, 29, 36, 37, 40, 41, 42, 43, 66, 67, 68, 69}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDate(tt.p)
			require.NoError(t, err)
			require.Equal(t, tt.wantSize, d.Size())
			checkDateCases(t, d, tt.cases)
		})
	}
}

// TestDateNABTimeOfDay checks the NuPIC NAB detector's date encoding,
// timeOfDay width 21 and radius 9.49 hours, against values worked out by
// hand. The radius is float32(9.49) = 9.48999977..., so the resolution is
// 0.45190475... hours and ceil(24/0.45190475) = 54 bits; the block starts at
// round(hours/0.45190475) and wraps modulo 54.
func TestDateNABTimeOfDay(t *testing.T) {
	d, err := NewDate(DateParams{TimeOfDayWidth: 21, TimeOfDayRadius: 9.49})
	require.NoError(t, err)
	require.Equal(t, 54, d.Size())
	assert.Equal(t, []Field{{Name: "timeOfDay", Offset: 0, Size: 54}}, d.Fields())
	assert.Equal(t, float64(float32(9.49)), d.Params().TimeOfDayRadius)
	cat := func(parts ...[]uint32) []uint32 {
		var out []uint32
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	checkDateCases(t, d, []dateCase{
		// 0 h: start 0.
		{at(2014, 4, 1, 0, 0), span(0, 21)},
		// 0.21667 h / 0.45190 = 0.479: start 0.
		{at(2014, 4, 1, 0, 13), span(0, 21)},
		// 0.23333 h / 0.45190 = 0.516: start 1.
		{at(2014, 4, 1, 0, 14), span(1, 21)},
		// 6 h / 0.45190 = 13.277: start 13.
		{at(2014, 4, 1, 6, 0), span(13, 21)},
		// 12 h / 0.45190 = 26.554: start 27.
		{at(2014, 4, 1, 12, 0), span(27, 21)},
		// 18 h / 0.45190 = 39.831: start 40, bits 40..60 wrap to 40..53, 0..6.
		{at(2014, 4, 1, 18, 0), cat(span(0, 7), span(40, 14))},
		// 23.98333 h / 0.45190 = 53.072: start 53, bits 53, then 0..19.
		{at(2014, 4, 1, 23, 59), cat(span(0, 20), []uint32{53})},
	})
}

// TestDateFieldValues checks the per-field inputs, including htm.core's
// float32 hour+minute sum and its Monday-first day of week.
func TestDateFieldValues(t *testing.T) {
	d, err := NewDate(DateParams{SeasonWidth: 3, DayOfWeekWidth: 3, TimeOfDayWidth: 3, HolidayWidth: 3})
	require.NoError(t, err)
	tm := time.Date(2021, time.December, 26, 23, 59, 30, 999, time.UTC) // a Sunday
	tests := []struct {
		kind int
		want float64
	}{
		{dateSeason, 359},
		{dateDayOfWeek, 6},
		{dateTimeOfDay, float64(float32(23)+float32(59)/60) + 30.0/3600},
		// Default holiday 25 December; 26 December 23:59:30 is 47h59m30s
		// after its start.
		{dateHoliday, 1 + (47*3600+59*60+30-86400)/86400.0},
	}
	for _, tt := range tests {
		t.Run(dateFieldNames[tt.kind], func(t *testing.T) {
			assert.Equal(t, tt.want, d.value(tt.kind, tm))
		})
	}
	assert.NotEqual(t, 23+59/60.0+30.0/3600, d.value(dateTimeOfDay, tm), "the hour+minute sum must be float32")
	assert.Equal(t, []Holiday{{Month: time.December, Day: 25}}, d.Params().Holidays)
	assert.Equal(t, 91.5, d.Params().SeasonRadius)
	assert.Equal(t, 1.0, d.Params().DayOfWeekRadius)
	assert.Equal(t, 4.0, d.Params().TimeOfDayRadius)
}

// TestDateUsesTimeLocation checks that fields come from t's own location.
func TestDateUsesTimeLocation(t *testing.T) {
	d, err := NewDate(DateParams{TimeOfDayWidth: 4, TimeOfDayRadius: 4})
	require.NoError(t, err)
	utc := at(2020, 6, 1, 0, 0)
	plus3 := utc.In(time.FixedZone("UTC+3", 3*3600))
	a, err := d.Encode(utc, nil)
	require.NoError(t, err)
	b, err := d.Encode(plus3, nil)
	require.NoError(t, err)
	assert.Equal(t, span(0, 4), a)
	assert.Equal(t, span(3, 4), b)
}

func TestDateFields(t *testing.T) {
	d, err := NewDate(DateParams{SeasonWidth: 5, WeekendWidth: 2, TimeOfDayWidth: 4})
	require.NoError(t, err)
	assert.Equal(t, []Field{
		{Name: "season", Offset: 0, Size: 20},
		{Name: "weekend", Offset: 20, Size: 4},
		{Name: "timeOfDay", Offset: 24, Size: 24},
	}, d.Fields())
	assert.Equal(t, 48, d.Size())
}

func TestNewDateErrors(t *testing.T) {
	tests := []struct {
		name string
		p    DateParams
		want string
	}{
		{"nothing enabled", DateParams{SeasonRadius: 10}, "encoder: date: no field enabled, set at least one width"},
		{"negative width", DateParams{SeasonWidth: -1}, "encoder: date: seasonWidth -1 must be at least 0"},
		{"NaN radius", DateParams{TimeOfDayWidth: 3, TimeOfDayRadius: math.NaN()}, "encoder: date: timeOfDayRadius NaN must be a finite number, at least 0"},
		{"custom without days", DateParams{CustomWidth: 2}, "encoder: date: customWidth set but customDays empty"},
		{"bad weekday", DateParams{CustomWidth: 2, CustomDays: []time.Weekday{7}}, "encoder: date: customDays entry 7 is not a weekday"},
		{"bad holiday", DateParams{HolidayWidth: 2, Holidays: []Holiday{{Month: 13, Day: 1}}}, "encoder: date: holiday 0-13-1 is not a date"},
		{"radius too wide", DateParams{DayOfWeekWidth: 3, DayOfWeekRadius: 7}, "encoder: date: dayOfWeek field: encoder: scalar: activeBits 3 must be below the derived size 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDate(tt.p)
			assert.Nil(t, d)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestDateEncodeReusesDst(t *testing.T) {
	d, err := NewDate(DateParams{SeasonWidth: 5, DayOfWeekWidth: 2})
	require.NoError(t, err)
	buf := make([]uint32, 1, 16)
	got, err := d.Encode(at(2020, 1, 1, 0, 0), buf)
	require.NoError(t, err)
	assert.Same(t, &buf[0], &got[0])
	assert.Equal(t, []uint32{0, 1, 2, 3, 4, 24, 25}, got)
	require.Len(t, d.Fields(), 2)
	assert.Equal(t, "[{season 0 20} {dayOfWeek 20 14}]", fmt.Sprint(d.Fields()))
}
