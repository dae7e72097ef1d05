package series

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/htmhw/htmhw/internal/limit"
	"github.com/htmhw/htmhw/internal/quote"
)

// Kinds of parse failure. A *ParseError wraps exactly one of these (or, for
// malformed CSV quoting, one of the errors of encoding/csv), so callers can
// test for them with errors.Is.
var (
	// ErrNoHeader means the input is empty: there is no header line.
	ErrNoHeader = errors.New("no header")
	// ErrNoColumn means the header lacks the time or value column, or names it twice.
	ErrNoColumn = errors.New("no such column")
	// ErrFieldCount means a row has a different number of fields than the header.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrTime means a timestamp could not be parsed.
	ErrTime = errors.New("invalid timestamp")
	// ErrOrder means a timestamp is earlier than the one before it
	// (reported only when Options.Monotonic is set).
	ErrOrder = errors.New("timestamps out of order")
	// ErrNotNumber means a value is neither a decimal number nor a missing-value marker.
	ErrNotNumber = errors.New("not a number")
	// ErrMissing means a value is missing or not finite and the Policy does not
	// allow it: Fail, or Hold before the first good value.
	ErrMissing = errors.New("missing value")
	// ErrRange means a value lies outside [Options.Min, Options.Max].
	ErrRange = errors.New("value out of range")
	// ErrTooLong means a line is longer than Options.MaxRecordBytes.
	ErrTooLong = limit.ErrTooLong
)

// A ParseError reports a problem with the input, located by file, line and
// column. Its message reads like
//
//	speed.csv:17: column 2 "value": "abc" is not a number
//
// Err wraps one of the Err* kinds of this package.
type ParseError struct {
	File   string // name of the file, from Options.File; may be empty
	Line   int    // 1-based line number; 0 if the input has no lines
	Column int    // 1-based column (field) number; 0 if the error concerns the whole line
	Header string // name of that column in the header line; empty if Column is 0
	Err    error  // what is wrong
}

// Error returns the error as "file:line: column N "name": problem",
// leaving out the parts that are unknown.
func (e *ParseError) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File + ":" + strconv.Itoa(e.Line) + ": ")
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		b.WriteString("line " + strconv.Itoa(e.Line) + ": ")
	}
	if e.Column > 0 {
		fmt.Fprintf(&b, "column %d %s: ", e.Column, quote.Short(e.Header))
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("parse error")
	}
	return b.String()
}

// Unwrap returns e.Err.
func (e *ParseError) Unwrap() error { return e.Err }

// detail is an error with a specific message that still matches its kind
// under errors.Is.
type detail struct {
	kind error
	msg  string
}

func (d *detail) Error() string { return d.msg }
func (d *detail) Unwrap() error { return d.kind }

// errorf returns an error of the given kind with a formatted message.
func errorf(kind error, format string, args ...any) error {
	return &detail{kind: kind, msg: fmt.Sprintf(format, args...)}
}
