package series

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/htmhw/htmhw/internal/limit"
	"github.com/htmhw/htmhw/internal/quote"
)

// A Reader reads a series one row at a time.
type Reader struct {
	csv    *csv.Reader
	lim    *limit.Reader
	opt    Options
	header []string
	tcol   int // 0-based index of the time column
	vcol   int // 0-based index of the value column

	last     float64 // last good value, for Hold
	haveLast bool

	prevTime time.Time // timestamp of the previous row, for Monotonic
	prevText string    // its text
	prevLine int       // its line; 0 before the first row

	err      error // sticky error
	nextLine int   // the line after the last record read; 0 before the header
}

// NewReader returns a Reader that reads a series from r. It reads the header
// line at once and reports an error if the input is empty, the header lacks
// the time or value column, or opt is invalid.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	if opt.TimeColumn == "" {
		opt.TimeColumn = "timestamp"
	}
	if opt.ValueColumn == "" {
		opt.ValueColumn = "value"
	}
	if err := checkOptions(&opt); err != nil {
		return nil, err
	}

	max := int64(opt.MaxRecordBytes)
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	// The limit counts the bytes passed to csv's buffer since the last
	// record began, so a record is refused after at most max + the
	// buffer's size bytes of it.
	lim := limit.NewReader(r, max)
	br := bufio.NewReader(lim)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3) // cannot fail after a successful Peek
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked by Next, to report it our way
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true

	sr := &Reader{csv: cr, lim: lim, opt: opt}
	header, err := sr.read()
	if err == io.EOF {
		return nil, &ParseError{File: opt.File, Err: errorf(ErrNoHeader,
			"input is empty: want a header line such as %q", opt.TimeColumn+","+opt.ValueColumn)}
	}
	if err != nil {
		return nil, sr.wrap(err)
	}
	line, _ := cr.FieldPos(0)
	sr.header = make([]string, len(header))
	for i, h := range header {
		sr.header[i] = strings.TrimSpace(h)
	}
	if sr.tcol, err = sr.column(opt.TimeColumn, line); err != nil {
		return nil, err
	}
	if sr.vcol, err = sr.column(opt.ValueColumn, line); err != nil {
		return nil, err
	}
	return sr, nil
}

// read reads a record, starting the count of the next one.
func (r *Reader) read() ([]string, error) {
	rec, err := r.csv.Read()
	r.lim.Mark()
	if err == nil {
		r.nextLine, _ = r.csv.FieldPos(len(rec) - 1)
		r.nextLine++
	}
	return rec, err
}

func checkOptions(opt *Options) error {
	if opt.TimeColumn == opt.ValueColumn {
		return errOption("time and value column are both %q", opt.TimeColumn)
	}
	if !opt.Missing.valid() {
		return errOption("unknown missing-value policy %v", opt.Missing)
	}
	if opt.Min != nil && math.IsNaN(*opt.Min) {
		return errOption("Min is NaN")
	}
	if opt.Max != nil && math.IsNaN(*opt.Max) {
		return errOption("Max is NaN")
	}
	if opt.Min != nil && opt.Max != nil && *opt.Min > *opt.Max {
		return errOption("Min %g is greater than Max %g", *opt.Min, *opt.Max)
	}
	return nil
}

// column returns the index of the header column called name.
func (r *Reader) column(name string, line int) (int, error) {
	at := -1
	for i, h := range r.header {
		if h != name {
			continue
		}
		if at >= 0 {
			return 0, &ParseError{File: r.opt.File, Line: line, Err: errorf(ErrNoColumn,
				"header names column %s twice (columns %d and %d)", quote.Short(name), at+1, i+1)}
		}
		at = i
	}
	if at < 0 {
		var have []string
		for i, h := range r.header {
			if i == maxListed {
				have = append(have, fmt.Sprintf("and %d more", len(r.header)-i))
				break
			}
			have = append(have, quote.Short(h))
		}
		return 0, &ParseError{File: r.opt.File, Line: line, Err: errorf(ErrNoColumn,
			"header has no column %s (it has %s)", quote.Short(name), strings.Join(have, ", "))}
	}
	return at, nil
}

// Header returns the column names of the header line, with surrounding
// spaces removed. The caller must not modify the slice.
func (r *Reader) Header() []string { return r.header }

// Next returns the next row. At the end of the input it returns io.EOF.
// Rows dropped by the Skip policy are passed over. After an error other than
// io.EOF, Next returns the same error on every later call.
func (r *Reader) Next() (Row, error) {
	if r.err != nil {
		return Row{}, r.err
	}
	for {
		row, ok, err := r.next()
		if err != nil {
			r.err = err
			return Row{}, err
		}
		if ok {
			return row, nil
		}
	}
}

// next reads one record. It returns ok == false for a row dropped by Skip.
func (r *Reader) next() (row Row, ok bool, err error) {
	rec, err := r.read()
	if err != nil {
		return Row{}, false, r.wrap(err)
	}
	line, _ := r.csv.FieldPos(0)
	if len(rec) != len(r.header) {
		return Row{}, false, &ParseError{File: r.opt.File, Line: line, Err: errorf(ErrFieldCount,
			"row has %d fields, header has %d", len(rec), len(r.header))}
	}
	row.Line = line

	text := strings.TrimSpace(rec[r.tcol])
	t, ok := parseTime(text)
	if !ok {
		return Row{}, false, r.fieldError(r.tcol, errorf(ErrTime,
			"%s is not a timestamp (want YYYY-MM-DD HH:MM:SS)", describe(text)))
	}
	if r.opt.Monotonic && r.prevLine > 0 && t.Before(r.prevTime) {
		return Row{}, false, r.fieldError(r.tcol, errorf(ErrOrder,
			"%s is earlier than %s on line %d", quote.Short(text), quote.Short(r.prevText), r.prevLine))
	}
	r.prevTime, r.prevText, r.prevLine = t, text, line
	row.Time = t

	text = strings.TrimSpace(rec[r.vcol])
	v, missing, err := parseValue(text)
	if err != nil {
		return Row{}, false, r.fieldError(r.vcol, err)
	}
	if missing {
		switch r.opt.Missing {
		case Skip:
			return Row{}, false, nil
		case Hold:
			if !r.haveLast {
				return Row{}, false, r.fieldError(r.vcol, errorf(ErrMissing,
					"%s is a missing value and there is no earlier value to hold", describe(text)))
			}
			row.Value, row.Missing = r.last, true
			return row, true, nil
		default:
			return Row{}, false, r.fieldError(r.vcol, errorf(ErrMissing,
				"%s is a missing value (policy %v; use skip or hold to accept it)", describe(text), r.opt.Missing))
		}
	}
	if (r.opt.Min != nil && v < *r.opt.Min) || (r.opt.Max != nil && v > *r.opt.Max) {
		return Row{}, false, r.fieldError(r.vcol, errorf(ErrRange,
			"%s is outside the valid range [%s, %s]", quote.Clean(text, quote.Max), bound(r.opt.Min, -1), bound(r.opt.Max, 1)))
	}
	r.last, r.haveLast = v, true
	row.Value = v
	return row, true, nil
}

// fieldError returns a ParseError for column col (0-based) of the current record.
func (r *Reader) fieldError(col int, err error) error {
	line, _ := r.csv.FieldPos(col)
	return &ParseError{File: r.opt.File, Line: line, Column: col + 1, Header: r.header[col], Err: err}
}

// wrap converts an error of the csv reader into a ParseError, leaving
// io.EOF and I/O errors of the underlying reader as they are.
func (r *Reader) wrap(err error) error {
	var ce *csv.ParseError
	if errors.Is(err, limit.ErrTooLong) {
		return &ParseError{File: r.opt.File, Line: max(1, r.nextLine), Err: err}
	}
	if errors.As(err, &ce) {
		return &ParseError{File: r.opt.File, Line: ce.Line, Err: &detail{kind: ce.Err,
			msg: fmt.Sprintf("malformed CSV at byte %d: %v", ce.Column, ce.Err)}}
	}
	if err == io.EOF || r.opt.File == "" {
		return err
	}
	return fmt.Errorf("reading %s: %w", r.opt.File, err)
}

// timeLayouts are the accepted timestamp layouts, most common first. When
// parsing, time.Parse accepts fractional seconds after the seconds even if
// the layout has none.
var timeLayouts = [...]string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
}

// parseTime parses a timestamp in one of timeLayouts and returns it in UTC.
func parseTime(s string) (time.Time, bool) {
	// time.Parse accepts a one-digit hour for "15"; insist on two.
	if len(s) < len("2006-01-02 15:04:05") || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// parseValue parses a decimal number. It returns missing == true for an
// empty field and for the markers of missing or non-finite values.
func parseValue(s string) (v float64, missing bool, err error) {
	if s == "" {
		return 0, true, nil
	}
	if isDecimal(s) {
		v, err := strconv.ParseFloat(s, 64)
		if err == nil {
			return v, false, nil
		}
		if errors.Is(err, strconv.ErrRange) {
			return 0, false, errorf(ErrNotNumber, "%s is out of the float64 range", quote.Short(s))
		}
	} else {
		switch strings.ToLower(s) {
		case "nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "null":
			return 0, true, nil
		}
	}
	return 0, false, errorf(ErrNotNumber, "%s is not a number", quote.Short(s))
}

// isDecimal reports whether s consists only of the characters of a decimal
// floating-point number, ruling out the hexadecimal and underscore forms
// that strconv.ParseFloat also accepts.
func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', c == '.', c == '+', c == '-', c == 'e', c == 'E':
		default:
			return false
		}
	}
	return true
}

// describe quotes a field for a message (a short prefix of it, control
// bytes escaped), naming an empty one as such.
func describe(s string) string {
	if s == "" {
		return "empty field"
	}
	return quote.Short(s)
}

// maxListed is the number of header columns an error lists.
const maxListed = 20

// bound formats an optional range bound, or ±Inf if it is nil.
func bound(b *float64, sign int) string {
	if b == nil {
		return strconv.FormatFloat(math.Inf(sign), 'g', -1, 64)
	}
	return strconv.FormatFloat(*b, 'g', -1, 64)
}
