package series_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"flag"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/series"
)

const nabDir = "../testdata/nab"

func date(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		panic(err)
	}
	return t
}

// nonBlankLines counts the lines of a file that are not empty.
func nonBlankLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	n := 0
	for line := range strings.Lines(string(data)) {
		if strings.TrimRight(line, "\r\n") != "" {
			n++
		}
	}
	return n
}

func TestReadFileTestdata(t *testing.T) {
	tests := []struct {
		file        string
		first, last series.Row
		min, max    float64
	}{
		{
			file:  "art_daily_jumpsup.csv",
			first: series.Row{Line: 2, Time: date("2014-04-01 00:00:00"), Value: 19.761251902999998},
			last:  series.Row{Line: 4033, Time: date("2014-04-14 23:55:00"), Value: 21.8631471547},
			min:   18.001009818, max: 164.947480513,
		},
		{
			file:  "speed_7578.csv",
			first: series.Row{Line: 2, Time: date("2015-09-08 11:39:00"), Value: 73},
			last:  series.Row{Line: 1128, Time: date("2015-09-17 14:05:00"), Value: 27},
			min:   1, max: 90,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(nabDir, tt.file)
			rows, err := series.ReadFile(path, series.Options{Monotonic: true})
			require.NoError(t, err)
			require.Len(t, rows, nonBlankLines(t, path)-1, "one row per line after the header")
			assert.Equal(t, tt.first, rows[0])
			assert.Equal(t, tt.last, rows[len(rows)-1])
			for i, r := range rows {
				require.Equal(t, i+2, r.Line, "row %d", i)
				require.False(t, r.Missing, "row %d", i)
			}
			lo, hi := series.Range(rows)
			assert.Equal(t, tt.min, lo)
			assert.Equal(t, tt.max, hi)
		})
	}
}

func TestReadFormats(t *testing.T) {
	t0 := date("2015-09-08 11:39:00")
	tests := []struct {
		name  string
		input string
		opt   series.Options
		want  []series.Row
	}{
		{
			name:  "plain",
			input: "timestamp,value\n2015-09-08 11:39:00,73\n2015-09-08 11:44:00,62.5\n",
			want: []series.Row{
				{Line: 2, Time: t0, Value: 73},
				{Line: 3, Time: t0.Add(5 * time.Minute), Value: 62.5},
			},
		},
		{
			name:  "no final newline",
			input: "timestamp,value\n2015-09-08 11:39:00,73",
			want:  []series.Row{{Line: 2, Time: t0, Value: 73}},
		},
		{
			name:  "byte order mark",
			input: "\uFEFFtimestamp,value\n2015-09-08 11:39:00,73\n",
			want:  []series.Row{{Line: 2, Time: t0, Value: 73}},
		},
		{
			name:  "CRLF",
			input: "timestamp,value\r\n2015-09-08 11:39:00,73\r\n2015-09-08 11:44:00,1\r\n",
			want: []series.Row{
				{Line: 2, Time: t0, Value: 73},
				{Line: 3, Time: t0.Add(5 * time.Minute), Value: 1},
			},
		},
		{
			name:  "trailing and inner blank lines",
			input: "timestamp,value\n2015-09-08 11:39:00,73\n\n2015-09-08 11:44:00,1\n\n\r\n\n",
			want: []series.Row{
				{Line: 2, Time: t0, Value: 73},
				{Line: 4, Time: t0.Add(5 * time.Minute), Value: 1},
			},
		},
		{
			name:  "header only",
			input: "timestamp,value\n",
			want:  nil,
		},
		{
			name: "timestamp layouts",
			input: "timestamp,value\n" +
				"2015-09-08 11:39:00.250000,1\n" +
				"2015-09-08T11:39:00,2\n" +
				"2015-09-08T11:39:00.5,3\n" +
				"2015-09-08T11:39:00Z,4\n" +
				"2015-09-08T13:39:00+02:00,5\n" +
				"2015-09-08T06:39:00.125-05:00,6\n" +
				"2015-09-08 11:39:00Z,7\n",
			want: []series.Row{
				{Line: 2, Time: t0.Add(250 * time.Millisecond), Value: 1},
				{Line: 3, Time: t0, Value: 2},
				{Line: 4, Time: t0.Add(500 * time.Millisecond), Value: 3},
				{Line: 5, Time: t0, Value: 4},
				{Line: 6, Time: t0, Value: 5},
				{Line: 7, Time: t0.Add(125 * time.Millisecond), Value: 6},
				{Line: 8, Time: t0, Value: 7},
			},
		},
		{
			name:  "number forms",
			input: "timestamp,value\n2015-09-08 11:39:00,-1.5e-3\n2015-09-08 11:39:00,+.5\n2015-09-08 11:39:00,7.\n2015-09-08 11:39:00,1E3\n",
			want: []series.Row{
				{Line: 2, Time: t0, Value: -0.0015},
				{Line: 3, Time: t0, Value: 0.5},
				{Line: 4, Time: t0, Value: 7},
				{Line: 5, Time: t0, Value: 1000},
			},
		},
		{
			name:  "spaces and quotes around fields",
			input: " timestamp , \"value\"\n 2015-09-08 11:39:00 ,\" 73 \"\n",
			want:  []series.Row{{Line: 2, Time: t0, Value: 73}},
		},
		{
			name:  "extra columns in any order",
			input: "label,value,timestamp\na,73,2015-09-08 11:39:00\nb,62,2015-09-08 11:44:00\n",
			want: []series.Row{
				{Line: 2, Time: t0, Value: 73},
				{Line: 3, Time: t0.Add(5 * time.Minute), Value: 62},
			},
		},
		{
			name:  "named columns",
			input: "time,cpu,mem\n2015-09-08 11:39:00,10,20\n",
			opt:   series.Options{TimeColumn: "time", ValueColumn: "mem"},
			want:  []series.Row{{Line: 2, Time: t0, Value: 20}},
		},
		{
			name:  "range bounds are inclusive",
			input: "timestamp,value\n2015-09-08 11:39:00,0\n2015-09-08 11:44:00,100\n",
			opt:   series.Options{Min: new(0.0), Max: new(100.0)},
			want: []series.Row{
				{Line: 2, Time: t0, Value: 0},
				{Line: 3, Time: t0.Add(5 * time.Minute), Value: 100},
			},
		},
		{
			name:  "equal timestamps are monotonic",
			input: "timestamp,value\n2015-09-08 11:39:00,1\n2015-09-08 11:39:00,2\n",
			opt:   series.Options{Monotonic: true},
			want: []series.Row{
				{Line: 2, Time: t0, Value: 1},
				{Line: 3, Time: t0, Value: 2},
			},
		},
		{
			name:  "decreasing timestamps without Monotonic",
			input: "timestamp,value\n2015-09-08 11:44:00,1\n2015-09-08 11:39:00,2\n",
			want: []series.Row{
				{Line: 2, Time: t0.Add(5 * time.Minute), Value: 1},
				{Line: 3, Time: t0, Value: 2},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := series.Read(strings.NewReader(tt.input), tt.opt)
			require.NoError(t, err)
			require.Equal(t, tt.want, rows)
			for _, r := range rows {
				assert.Equal(t, time.UTC, r.Time.Location(), "line %d", r.Line)
			}
		})
	}
}

func TestMissingValues(t *testing.T) {
	t0 := date("2015-09-08 11:39:00")
	markers := []string{"", "nan", "NaN", "NAN", "inf", "Inf", "+inf", "-inf", "-Infinity", "null", "NULL", " nan "}
	for _, m := range markers {
		input := "timestamp,value\n" +
			"2015-09-08 11:39:00,1\n" +
			"2015-09-08 11:40:00," + m + "\n" +
			"2015-09-08 11:41:00,3\n"
		tests := []struct {
			policy series.Policy
			want   []series.Row
			err    string
		}{
			{policy: series.Fail, err: `line 3: column 2 "value": `},
			{policy: series.Skip, want: []series.Row{
				{Line: 2, Time: t0, Value: 1},
				{Line: 4, Time: t0.Add(2 * time.Minute), Value: 3},
			}},
			{policy: series.Hold, want: []series.Row{
				{Line: 2, Time: t0, Value: 1},
				{Line: 3, Time: t0.Add(time.Minute), Value: 1, Missing: true},
				{Line: 4, Time: t0.Add(2 * time.Minute), Value: 3},
			}},
		}
		for _, tt := range tests {
			t.Run(tt.policy.String()+"/"+m, func(t *testing.T) {
				rows, err := series.Read(strings.NewReader(input), series.Options{Missing: tt.policy})
				if tt.err != "" {
					require.ErrorIs(t, err, series.ErrMissing)
					assert.Contains(t, err.Error(), tt.err)
					assert.Nil(t, rows)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tt.want, rows)
			})
		}
	}
}

func TestReadErrors(t *testing.T) {
	const header = "timestamp,value\n"
	tests := []struct {
		name   string
		input  string
		opt    series.Options
		kind   error
		msg    string
		line   int
		column int
	}{
		{
			name:  "empty",
			input: "",
			kind:  series.ErrNoHeader,
			msg:   `input is empty: want a header line such as "timestamp,value"`,
		},
		{
			name:  "blank lines and BOM only",
			input: "\uFEFF\n\r\n\n",
			opt:   series.Options{File: "x.csv"},
			kind:  series.ErrNoHeader,
			msg:   `x.csv: input is empty: want a header line such as "timestamp,value"`,
		},
		{
			name:  "header without value column",
			input: "timestamp,val\n2015-09-08 11:39:00,1\n",
			kind:  series.ErrNoColumn,
			msg:   `line 1: header has no column "value" (it has "timestamp", "val")`,
			line:  1,
		},
		{
			name:  "data without header",
			input: "2015-09-08 11:39:00,1\n",
			kind:  series.ErrNoColumn,
			msg:   `line 1: header has no column "timestamp" (it has "2015-09-08 11:39:00", "1")`,
			line:  1,
		},
		{
			name:  "named time column missing",
			input: "\ntimestamp,value\n",
			opt:   series.Options{TimeColumn: "time", File: "a.csv"},
			kind:  series.ErrNoColumn,
			msg:   `a.csv:2: header has no column "time" (it has "timestamp", "value")`,
			line:  2,
		},
		{
			name:  "duplicate column",
			input: "timestamp,value,value\n",
			kind:  series.ErrNoColumn,
			msg:   `line 1: header names column "value" twice (columns 2 and 3)`,
			line:  1,
		},
		{
			name:  "too many fields",
			input: header + "2015-09-08 11:39:00,1\n2015-09-08 11:44:00,2,3\n",
			opt:   series.Options{File: "speed.csv"},
			kind:  series.ErrFieldCount,
			msg:   `speed.csv:3: row has 3 fields, header has 2`,
			line:  3,
		},
		{
			name:  "too few fields",
			input: header + "2015-09-08 11:39:00\n",
			kind:  series.ErrFieldCount,
			msg:   `line 2: row has 1 fields, header has 2`,
			line:  2,
		},
		{
			name:   "bad timestamp",
			input:  header + "2015/09/08 11:39:00,1\n",
			kind:   series.ErrTime,
			msg:    `line 2: column 1 "timestamp": "2015/09/08 11:39:00" is not a timestamp (want YYYY-MM-DD HH:MM:SS)`,
			line:   2,
			column: 1,
		},
		{
			name:   "empty timestamp",
			input:  header + ",1\n",
			kind:   series.ErrTime,
			msg:    `line 2: column 1 "timestamp": empty field is not a timestamp (want YYYY-MM-DD HH:MM:SS)`,
			line:   2,
			column: 1,
		},
		{
			name:   "impossible date",
			input:  header + "2015-02-30 11:39:00,1\n",
			kind:   series.ErrTime,
			line:   2,
			column: 1,
		},
		{
			name:   "one-digit hour",
			input:  header + "2015-09-08 1:39:00,1\n",
			kind:   series.ErrTime,
			line:   2,
			column: 1,
		},
		{
			name:   "one-digit hour with fraction",
			input:  header + "2015-09-08 1:39:00.5,1\n",
			kind:   series.ErrTime,
			line:   2,
			column: 1,
		},
		{
			name:   "date only",
			input:  header + "2015-09-08,1\n",
			kind:   series.ErrTime,
			line:   2,
			column: 1,
		},
		{
			name:   "not a number",
			input:  header + "2015-09-08 11:39:00,1\n2015-09-08 11:44:00,abc\n",
			opt:    series.Options{File: "speed.csv"},
			kind:   series.ErrNotNumber,
			msg:    `speed.csv:3: column 2 "value": "abc" is not a number`,
			line:   3,
			column: 2,
		},
		{
			name:   "hexadecimal",
			input:  header + "2015-09-08 11:39:00,0x1p4\n",
			kind:   series.ErrNotNumber,
			msg:    `line 2: column 2 "value": "0x1p4" is not a number`,
			line:   2,
			column: 2,
		},
		{
			name:   "underscores",
			input:  header + "2015-09-08 11:39:00,1_000\n",
			kind:   series.ErrNotNumber,
			line:   2,
			column: 2,
		},
		{
			name:   "semicolon separator",
			input:  "timestamp;value\n",
			kind:   series.ErrNoColumn,
			line:   1,
			column: 0,
		},
		{
			name:   "overflow",
			input:  header + "2015-09-08 11:39:00,1e400\n",
			kind:   series.ErrNotNumber,
			msg:    `line 2: column 2 "value": "1e400" is out of the float64 range`,
			line:   2,
			column: 2,
		},
		{
			name:   "missing value under Fail",
			input:  header + "2015-09-08 11:39:00,NaN\n",
			kind:   series.ErrMissing,
			msg:    `line 2: column 2 "value": "NaN" is a missing value (policy fail; use skip or hold to accept it)`,
			line:   2,
			column: 2,
		},
		{
			name:   "Hold before first value",
			input:  header + "2015-09-08 11:39:00,\n2015-09-08 11:44:00,1\n",
			opt:    series.Options{Missing: series.Hold},
			kind:   series.ErrMissing,
			msg:    `line 2: column 2 "value": empty field is a missing value and there is no earlier value to hold`,
			line:   2,
			column: 2,
		},
		{
			name:   "below Min",
			input:  header + "2015-09-08 11:39:00,-0.5\n",
			opt:    series.Options{Min: new(0.0), File: "speed.csv"},
			kind:   series.ErrRange,
			msg:    `speed.csv:2: column 2 "value": -0.5 is outside the valid range [0, +Inf]`,
			line:   2,
			column: 2,
		},
		{
			name:   "above Max",
			input:  "value,timestamp\n150,2015-09-08 11:39:00\n",
			opt:    series.Options{Min: new(0.0), Max: new(100.0)},
			kind:   series.ErrRange,
			msg:    `line 2: column 1 "value": 150 is outside the valid range [0, 100]`,
			line:   2,
			column: 1,
		},
		{
			name:   "decreasing timestamps",
			input:  header + "2015-09-08 11:44:00,1\n2015-09-08 11:39:00,2\n",
			opt:    series.Options{Monotonic: true},
			kind:   series.ErrOrder,
			msg:    `line 3: column 1 "timestamp": "2015-09-08 11:39:00" is earlier than "2015-09-08 11:44:00" on line 2`,
			line:   3,
			column: 1,
		},
		{
			name:   "decreasing timestamps across a skipped row",
			input:  header + "2015-09-08 11:44:00,1\n2015-09-08 11:49:00,nan\n2015-09-08 11:45:00,2\n",
			opt:    series.Options{Monotonic: true, Missing: series.Skip},
			kind:   series.ErrOrder,
			line:   4,
			column: 1,
		},
		{
			name:  "bare quote",
			input: header + "2015-09-08 11:39:00,1\"2\n",
			kind:  csv.ErrBareQuote,
			msg:   `line 2: malformed CSV at byte 22: bare " in non-quoted-field`,
			line:  2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := series.Read(strings.NewReader(tt.input), tt.opt)
			require.Error(t, err)
			assert.Nil(t, rows)
			require.ErrorIs(t, err, tt.kind)
			if tt.msg != "" {
				assert.Equal(t, tt.msg, err.Error())
			}
			var pe *series.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.opt.File, pe.File)
			assert.Equal(t, tt.line, pe.Line)
			assert.Equal(t, tt.column, pe.Column)
		})
	}
}

func TestParseErrorHeader(t *testing.T) {
	_, err := series.Read(strings.NewReader("when,temp\n2015-09-08 11:39:00,x\n"),
		series.Options{TimeColumn: "when", ValueColumn: "temp"})
	var pe *series.ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 2, pe.Column)
	assert.Equal(t, "temp", pe.Header)
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  series.Options
		msg  string
	}{
		{"same columns", series.Options{ValueColumn: "timestamp"}, `time and value column are both "timestamp"`},
		{"unknown policy", series.Options{Missing: series.Policy(9)}, `unknown missing-value policy Policy(9)`},
		{"NaN Min", series.Options{Min: new(math.NaN())}, `Min is NaN`},
		{"NaN Max", series.Options{Max: new(math.NaN())}, `Max is NaN`},
		{"Min above Max", series.Options{Min: new(2.0), Max: new(1.0)}, `Min 2 is greater than Max 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := series.NewReader(strings.NewReader("timestamp,value\n"), tt.opt)
			require.Error(t, err)
			assert.Nil(t, r)
			assert.Equal(t, "series: invalid options: "+tt.msg, err.Error())
		})
	}
}

func TestReader(t *testing.T) {
	input := "value,timestamp,note\n1,2015-09-08 11:39:00,a\n2,2015-09-08 11:44:00,b\nx,2015-09-08 11:49:00,c\n"
	r, err := series.NewReader(strings.NewReader(input), series.Options{})
	require.NoError(t, err)
	assert.Equal(t, []string{"value", "timestamp", "note"}, r.Header())

	row, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, series.Row{Line: 2, Time: date("2015-09-08 11:39:00"), Value: 1}, row)
	row, err = r.Next()
	require.NoError(t, err)
	assert.Equal(t, series.Row{Line: 3, Time: date("2015-09-08 11:44:00"), Value: 2}, row)

	_, err = r.Next()
	require.ErrorIs(t, err, series.ErrNotNumber)
	_, again := r.Next()
	assert.Same(t, err, again, "errors are sticky")
}

func TestReaderEOF(t *testing.T) {
	r, err := series.NewReader(strings.NewReader("timestamp,value\n2015-09-08 11:39:00,1\n"), series.Options{})
	require.NoError(t, err)
	_, err = r.Next()
	require.NoError(t, err)
	for range 2 {
		_, err = r.Next()
		assert.Equal(t, io.EOF, err)
	}
}

func TestReaderIOError(t *testing.T) {
	failure := errors.New("disk on fire")
	input := io.MultiReader(strings.NewReader("timestamp,value\n2015-09-08 11:39:00,1\n"), iotest.ErrReader(failure))

	rows, err := series.Read(input, series.Options{File: "speed.csv"})
	require.ErrorIs(t, err, failure)
	assert.Nil(t, rows)
	assert.Equal(t, "reading speed.csv: disk on fire", err.Error())
}

func TestReadFileErrors(t *testing.T) {
	_, err := series.ReadFile(filepath.Join(t.TempDir(), "absent.csv"), series.Options{})
	require.ErrorIs(t, err, fs.ErrNotExist)

	path := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(path, []byte("timestamp,value\n2015-09-08 11:39:00,abc\n"), 0o666))
	_, err = series.ReadFile(path, series.Options{})
	require.ErrorIs(t, err, series.ErrNotNumber)
	assert.Equal(t, path+`:2: column 2 "value": "abc" is not a number`, err.Error())

	_, err = series.ReadFile(path, series.Options{File: "nice.csv"})
	assert.Equal(t, `nice.csv:2: column 2 "value": "abc" is not a number`, err.Error())
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		err  series.ParseError
		want string
	}{
		{series.ParseError{File: "f.csv", Line: 3, Column: 2, Header: "v", Err: series.ErrRange}, `f.csv:3: column 2 "v": value out of range`},
		{series.ParseError{File: "f.csv", Err: series.ErrNoHeader}, `f.csv: no header`},
		{series.ParseError{Line: 3, Err: series.ErrFieldCount}, `line 3: wrong number of fields`},
		{series.ParseError{Err: series.ErrNoHeader}, `no header`},
		{series.ParseError{Line: 3}, `line 3: parse error`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error())
	}
}

func TestPolicy(t *testing.T) {
	tests := []struct {
		text   string
		policy series.Policy
	}{
		{"fail", series.Fail},
		{"skip", series.Skip},
		{"hold", series.Hold},
		{"HOLD", series.Hold},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			p, err := series.ParsePolicy(tt.text)
			require.NoError(t, err)
			assert.Equal(t, tt.policy, p)
			assert.Equal(t, strings.ToLower(tt.text), p.String())
		})
	}

	_, err := series.ParsePolicy("drop")
	assert.EqualError(t, err, `series: unknown missing-value policy "drop" (want fail, skip or hold)`)
	assert.Equal(t, "Policy(-1)", series.Policy(-1).String())
	_, err = series.Policy(3).MarshalText()
	assert.Error(t, err)
}

func TestPolicyFlag(t *testing.T) {
	var p series.Policy
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.TextVar(&p, "missing", series.Fail, "missing-value policy")

	require.NoError(t, fs.Parse([]string{"-missing", "skip"}))
	assert.Equal(t, series.Skip, p)
	assert.Error(t, fs.Parse([]string{"-missing", "sometimes"}))
	assert.Equal(t, series.Skip, p, "a bad flag leaves the value alone")
}

func TestRange(t *testing.T) {
	tests := []struct {
		name     string
		rows     []series.Row
		min, max float64
	}{
		{"one", []series.Row{{Value: 3}}, 3, 3},
		{"several", []series.Row{{Value: 3}, {Value: -2}, {Value: 7}, {Value: 0}}, -2, 7},
		{"missing ignored", []series.Row{{Value: 100, Missing: true}, {Value: 3}, {Value: -50, Missing: true}, {Value: 4}}, 3, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := series.Range(tt.rows)
			assert.Equal(t, tt.min, lo)
			assert.Equal(t, tt.max, hi)
		})
	}

	for _, rows := range [][]series.Row{nil, {{Value: 1, Missing: true}}} {
		lo, hi := series.Range(rows)
		assert.True(t, math.IsNaN(lo) && math.IsNaN(hi), "no values: got %v, %v", lo, hi)
	}
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(nabDir, "speed_7578.csv"))
	require.NoError(b, err)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		rows, err := series.Read(bytes.NewReader(data), series.Options{})
		if err != nil || len(rows) != 1127 {
			b.Fatalf("got %d rows, %v", len(rows), err)
		}
	}
}

// repeat is a reader of n copies of a byte, so that a test can read a huge
// field without holding it.
type repeat struct {
	b byte
	n int64
}

func (r *repeat) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), r.n)
	for i := range p[:k] {
		p[i] = r.b
	}
	r.n -= k
	return int(k), nil
}

// A huge line costs about the limit, not its size, and the error quotes
// none of it; bad fields are quoted short, with control bytes escaped.
func TestHugeAndHostileFields(t *testing.T) {
	head := "timestamp,value\n2020-01-01 00:00:00,1\n"
	tests := []struct {
		name string
		in   io.Reader
		opt  series.Options
		want string
		kind error
	}{
		{"200 MB value", io.MultiReader(strings.NewReader(head+"2020-01-01 00:00:01,"), &repeat{'7', 200 << 20}),
			series.Options{File: "f.csv"}, "f.csv:3: a record (line) longer than 1048576 bytes", series.ErrTooLong},
		{"200 MB quoted field over many lines", io.MultiReader(strings.NewReader(head+"2020-01-01 00:00:01,\""), &repeat{'\n', 200 << 20}),
			series.Options{File: "f.csv"}, "f.csv:3: a record (line) longer than 1048576 bytes", series.ErrTooLong},
		{"huge header", &repeat{'h', 200 << 20}, series.Options{}, "line 1: a record (line) longer than 1048576 bytes", series.ErrTooLong},
		{"own limit", io.MultiReader(strings.NewReader(head+"2020-01-01 00:00:01,"), &repeat{'7', 5000}),
			series.Options{MaxRecordBytes: 100}, "line 3: a record (line) longer than 100 bytes", series.ErrTooLong},
		{"long bad value", io.MultiReader(strings.NewReader(head+"2020-01-01 00:00:01,"), &repeat{'x', 100000}),
			series.Options{}, `line 3: column 2 "value": "` + strings.Repeat("x", 64) + `…" (100000 bytes) is not a number`, series.ErrNotNumber},
		{"escape sequence", strings.NewReader(head + "2020-01-01 00:00:01,\x1b[2J\x07\n"),
			series.Options{}, `line 3: column 2 "value": "\x1b[2J\a" is not a number`, series.ErrNotNumber},
		{"escape in a header", strings.NewReader("timestamp,\x1b]0;pwned\x07\n"),
			series.Options{}, `line 1: header has no column "value" (it has "timestamp", "\x1b]0;pwned\a")`, series.ErrNoColumn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := series.Read(tc.in, tc.opt)
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Equal(t, tc.want, err.Error())
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(16<<20), "bytes allocated")
		})
	}
}
