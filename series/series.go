// Package series reads time series stored as CSV files in the format of the
// Numenta Anomaly Benchmark (NAB): a header line naming the columns, then one
// row per time step holding a timestamp and a value.
//
//	timestamp,value
//	2015-09-08 11:39:00,73
//	2015-09-08 11:44:00,62
//
// Timestamps may be written as "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS",
// each optionally with fractional seconds, or in RFC 3339 with a zone offset.
// Times without a zone are taken as UTC, and all times are returned in UTC.
// Values are decimal floating-point numbers. An empty value, "nan", "inf",
// "-inf", "infinity" or "null" (in any letter case) marks a missing value,
// which is handled according to a [Policy].
//
// Further columns are allowed; [Options] select the time and value columns
// by name. A byte order mark at the start, CRLF line endings, spaces around
// fields and blank lines are tolerated. Every other problem is reported as a
// [*ParseError] naming the file, line and column.
//
// [Read] and [ReadFile] return the whole series; a [Reader] streams it one
// [Row] at a time.
package series

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// A Row is one time step of a series.
type Row struct {
	Line    int       // 1-based line of the row in the input; the header is line 1
	Time    time.Time // timestamp, in UTC
	Value   float64   // the value; under Hold, the held value if Missing
	Missing bool      // the value was missing and Value repeats the last good one (Hold only)
}

// A Policy says what to do with a row whose value is missing or not finite:
// an empty field, "nan", "inf", "-inf", "infinity" or "null", in any letter
// case.
type Policy int

const (
	// Fail rejects the row with an error wrapping ErrMissing. It is the default.
	Fail Policy = iota
	// Skip drops the row.
	Skip
	// Hold keeps the row, marked Missing, with the last good value. A missing
	// value before the first good one is an error wrapping ErrMissing.
	Hold
)

var policyNames = [...]string{Fail: "fail", Skip: "skip", Hold: "hold"}

// String returns the name of p: "fail", "skip" or "hold".
func (p Policy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy returns the Policy named s, which is one of "fail", "skip" or
// "hold" in any letter case.
func ParsePolicy(s string) (Policy, error) {
	for p, name := range policyNames {
		if strings.EqualFold(s, name) {
			return Policy(p), nil
		}
	}
	return Fail, fmt.Errorf("series: unknown missing-value policy %q (want fail, skip or hold)", s)
}

// MarshalText implements encoding.TextMarshaler, so that a Policy can be used
// with flag.TextVar.
func (p Policy) MarshalText() ([]byte, error) {
	if !p.valid() {
		return nil, fmt.Errorf("series: invalid missing-value policy %d", int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using ParsePolicy.
func (p *Policy) UnmarshalText(text []byte) error {
	q, err := ParsePolicy(string(text))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

func (p Policy) valid() bool { return p >= Fail && p <= Hold }

// Options control how a series is read. The zero value reads the columns
// "timestamp" and "value", rejects missing values and checks neither range
// nor order.
type Options struct {
	// File is the file name shown in errors. ReadFile sets it to the path
	// it was given if it is empty.
	File string
	// TimeColumn is the header name of the timestamp column; "" means "timestamp".
	TimeColumn string
	// ValueColumn is the header name of the value column; "" means "value".
	ValueColumn string
	// Missing says what to do with missing and non-finite values.
	Missing Policy
	// Min and Max, if not nil, bound the valid values (inclusive). A value
	// outside them is an error wrapping ErrRange.
	Min, Max *float64
	// Monotonic makes a timestamp earlier than the one before it an error
	// wrapping ErrOrder. Equal timestamps are allowed.
	Monotonic bool
	// MaxRecordBytes bounds a line (a record, quoted newlines included);
	// 0 means DefaultMaxRecordBytes. A longer one is an error wrapping
	// ErrTooLong, found after reading at most about that many bytes of it.
	MaxRecordBytes int
}

// DefaultMaxRecordBytes is the longest line a Reader accepts by default:
// far more than any time series row, far less than a memory problem.
const DefaultMaxRecordBytes = 1 << 20

// Read reads a whole series from r. It returns every row in input order,
// except rows dropped by the Skip policy; a file with only a header yields no
// rows and no error. On error it returns no rows.
func Read(r io.Reader, opt Options) ([]Row, error) {
	sr, err := NewReader(r, opt)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for {
		row, err := sr.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}

// ReadFile reads the series in the named file, like Read. Errors name the
// file by opt.File, or by path if opt.File is empty.
func ReadFile(path string, opt Options) ([]Row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opt.File == "" {
		opt.File = path
	}
	return Read(f, opt)
}

// Range returns the smallest and largest value of the rows that are not
// Missing. If there are none, it returns NaN, NaN.
func Range(rows []Row) (min, max float64) {
	min, max = math.Inf(1), math.Inf(-1)
	found := false
	for _, r := range rows {
		if r.Missing {
			continue
		}
		found = true
		min = math.Min(min, r.Value)
		max = math.Max(max, r.Value)
	}
	if !found {
		return math.NaN(), math.NaN()
	}
	return min, max
}

// errOption reports invalid Options.
func errOption(format string, args ...any) error {
	return errors.New("series: invalid options: " + fmt.Sprintf(format, args...))
}
