package nab

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/htmhw/htmhw/internal/limit"
	"github.com/htmhw/htmhw/internal/quote"
)

// A Window is one ground-truth anomaly window of a data file. It covers the
// rows First … Last, both inclusive (0-based row indices, header not
// counted).
type Window struct {
	Start, End  string // the edge timestamps as written in the windows file
	First, Last int    // row indices of the edges
}

// Width returns the number of rows in the window, Last − First + 1.
func (w Window) Width() int { return w.Last - w.First + 1 }

// A File is one data file of a corpus with its ground-truth windows. Build
// it with [NewFile] (or [LoadCorpus]); the fields must not be modified.
type File struct {
	// Name is the path relative to the data directory, with '/' separators,
	// e.g. "realKnownCause/nyc_taxi.csv": the key of the windows file and of
	// [Results].
	Name string
	// Timestamps and Values are the data file's columns, one entry per row,
	// as written there (without surrounding spaces). Values is nil for a
	// file built without values.
	Timestamps []string
	Values     []string
	// Windows are the file's ground-truth windows in row order.
	Windows []Window

	probation int       // number of probationary rows, P(N)
	window    []int32   // per row: index into Windows, or -1 outside every window
	shape     []float64 // per row: unweighted sweep score (scaled sigmoid), see sweepScore
}

// Len returns the number of rows of the file.
func (f *File) Len() int { return len(f.Timestamps) }

// Probation returns the number of probationary rows at the start of the
// file: min(floor(0.15·N), 750) for N rows. Rows before it never count.
func (f *File) Probation() int { return f.probation }

// InWindow returns the index into f.Windows of the window holding row i, or
// −1 if row i lies outside every window. (NAB's results files carry this
// as the column "label", 1 inside a window.)
func (f *File) InWindow(i int) int { return int(f.window[i]) }

// Counted reports whether window k counts in scores: whether at least one
// of its rows lies after the probationary period. A window that does not
// count is neither rewarded nor penalised (but the perfect score still
// includes it).
func (f *File) Counted(k int) bool { return f.Windows[k].Last >= f.probation }

// SweepScores returns the weight NAB gives a detection at each row of the
// file under profile p (the column "S(t)_<profile>" NAB adds to results
// files): positive inside windows, from tpWeight at a window's first row
// down towards 0 at its last; negative outside, −fpWeight before the first
// window and far from the previous one. Probationary rows get a value too,
// though it never counts.
func (f *File) SweepScores(p Profile) []float64 {
	s := make([]float64, f.Len())
	for i := range s {
		s[i] = f.sweepScore(p, i)
	}
	return s
}

// sweepScore returns the weighted score of row i, as NAB's
// Sweeper.calcSweepScore does: unweighted·tpWeight/maxTP inside a window,
// unweighted·fpWeight outside.
func (f *File) sweepScore(p Profile, i int) float64 {
	// The conversions keep callers' sums from being fused into FMAs.
	if f.window[i] >= 0 {
		return float64(f.shape[i]*p.TP) / maxTP
	}
	return float64(f.shape[i] * p.FP)
}

// probationLength returns NAB's probationary period for n rows,
// min(floor(0.15·n), 0.15·5000), computed in floating point as NAB does.
func probationLength(n int) int {
	const percent = 0.15
	return int(math.Min(math.Floor(percent*float64(n)), percent*5000))
}

// NewFile returns a corpus file called name (a '/'-separated relative
// path) with the given timestamps (one per row, in file order, formatted
// "YYYY-MM-DD HH:MM:SS" with optional fractional seconds and optionally a
// 'T' instead of the space), values (nil, or one per row; only written out
// by [WriteResults]) and windows ([start, end] timestamp pairs, inclusive).
//
// Each window edge is located at the first row whose timestamp equals it
// (as an instant: "2014-01-01 00:00:00.000000" matches "2014-01-01
// 00:00:00"), as NAB does. NewFile reports an error wrapping ErrWindow if an
// edge is not one of the timestamps, a window ends before it starts, or the
// windows are not in order and disjoint (NAB requires this too, and
// misbehaves otherwise), and ErrFormat for an unreadable timestamp or a file
// without rows.
func NewFile(name string, timestamps, values []string, windows [][2]string) (*File, error) {
	n := len(timestamps)
	if n == 0 {
		return nil, fileErr(name, 0, ErrFormat, "the file has no rows")
	}
	if values != nil && len(values) != n {
		return nil, fmt.Errorf("nab: NewFile %s: %d values for %d timestamps", name, len(values), n)
	}
	first := make(map[timeKey]int, n)
	for i, ts := range timestamps {
		k, ok := parseTime(ts)
		if !ok {
			// Row i is on line i+2 of a file with a header line.
			return nil, fileErr(name, i+2, ErrFormat, fmt.Sprintf("%s is not a timestamp (want YYYY-MM-DD HH:MM:SS)", quote.Short(ts)))
		}
		if _, dup := first[k]; !dup {
			first[k] = i
		}
	}
	f := &File{
		Name:       name,
		Timestamps: timestamps,
		Values:     values,
		Windows:    make([]Window, len(windows)),
		probation:  probationLength(n),
		window:     make([]int32, n),
		shape:      make([]float64, n),
	}
	locate := func(k int, edge string) (int, error) {
		key, ok := parseTime(edge)
		if !ok {
			return 0, fileErr(name, 0, ErrWindow, fmt.Sprintf("window %d: %s is not a timestamp", k+1, quote.Short(edge)))
		}
		i, ok := first[key]
		if !ok {
			return 0, fileErr(name, 0, ErrWindow, fmt.Sprintf("window %d: edge %s is not a timestamp of the data file", k+1, quote.Short(edge)))
		}
		return i, nil
	}
	for k, w := range windows {
		lo, err := locate(k, w[0])
		if err != nil {
			return nil, err
		}
		hi, err := locate(k, w[1])
		if err != nil {
			return nil, err
		}
		if hi < lo {
			return nil, fileErr(name, 0, ErrWindow, fmt.Sprintf("window %d [%s, %s]: ends (row %d) before it starts (row %d)", k+1, w[0], w[1], hi, lo))
		}
		if k > 0 && lo <= f.Windows[k-1].Last {
			return nil, fileErr(name, 0, ErrWindow, fmt.Sprintf("window %d [%s, %s] starts (row %d) before window %d ends (row %d): windows must be in order and must not overlap",
				k+1, w[0], w[1], lo, k, f.Windows[k-1].Last))
		}
		f.Windows[k] = Window{Start: w[0], End: w[1], First: lo, Last: hi}
	}
	f.computeShape()
	return f, nil
}

// computeShape fills f.window and f.shape, following NAB's
// Sweeper.calcSweepScore row by row.
func (f *File) computeShape() {
	next := 0        // the next window to enter
	cur := -1        // the window we are in, or -1
	prevLast := -1   // last row of the most recent window left, -1 if none yet
	prevWidth := 0.0 // its width
	for i := range f.shape {
		if next < len(f.Windows) && i == f.Windows[next].First {
			cur = next
			next++
		}
		if cur >= 0 {
			w := f.Windows[cur]
			// positionInWindow = -(rightIndex - i + 1) / width
			y := -float64(w.Last-i+1) / float64(w.Width())
			f.shape[i] = scaledSigmoid(y)
			f.window[i] = int32(cur)
			if i == w.Last {
				prevLast, prevWidth, cur = i, float64(w.Width()), -1
			}
			continue
		}
		f.window[i] = -1
		if prevLast < 0 {
			f.shape[i] = -1.0
		} else {
			// positionPastWindow = |prevRight - i| / (prevWidth - 1): w-1, not w.
			// For a one-row window this is +Inf, i.e. -1 (NAB divides by zero).
			f.shape[i] = scaledSigmoid(float64(i-prevLast) / (prevWidth - 1))
		}
	}
}

// A Corpus is the ground truth a detector is scored against: the data files
// and their windows. Build it with [LoadCorpus] or [NewCorpus]; it must not
// be modified afterwards, and may then be used by several goroutines.
type Corpus struct {
	// Files are the corpus's files, sorted by name when loaded by
	// LoadCorpus. Scores are summed over files in this order.
	Files  []*File
	byName map[string]*File
}

// NewCorpus returns a corpus of the given files, in that order. It reports
// an error if two files have the same name.
func NewCorpus(files ...*File) (*Corpus, error) {
	c := &Corpus{Files: files, byName: make(map[string]*File, len(files))}
	for _, f := range files {
		if _, dup := c.byName[f.Name]; dup {
			return nil, fmt.Errorf("nab: corpus has two files called %q", f.Name)
		}
		c.byName[f.Name] = f
	}
	return c, nil
}

// File returns the file called name, or nil.
func (c *Corpus) File(name string) *File { return c.byName[name] }

// Rows returns the total number of rows of all files.
func (c *Corpus) Rows() int {
	n := 0
	for _, f := range c.Files {
		n += f.Len()
	}
	return n
}

// NumWindows returns the total number of windows of all files, counted or
// not: the number of true positives of a perfect detector.
func (c *Corpus) NumWindows() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Windows)
	}
	return n
}

// CountedWindows returns the number of windows that count in scores (see
// [File.Counted]).
func (c *Corpus) CountedWindows() int {
	n := 0
	for _, f := range c.Files {
		for k := range f.Windows {
			if f.Counted(k) {
				n++
			}
		}
	}
	return n
}

// LoadCorpus loads a NAB corpus: every file with the suffix ".csv" under
// dataDir (NAB's data/ directory; named by its path relative to dataDir)
// and the windows file windowsPath (NAB's labels/combined_windows.json, a
// JSON object mapping each such relative path to a list of [start, end]
// timestamp pairs). A data file needs a header line with a column
// "timestamp" (and normally "value"); CRLF line endings, a missing final
// newline and a UTF-8 byte-order mark are accepted.
//
// Every data file must have an entry in the windows file (possibly an
// empty list) and every entry a data file; see [NewFile] for the checks of
// the windows themselves.
func LoadCorpus(dataDir, windowsPath string) (*Corpus, error) {
	windows, err := readWindows(windowsPath)
	if err != nil {
		return nil, err
	}
	var names []string
	err = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(path, ".csv") {
			rel, err := filepath.Rel(dataDir, path)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("nab: reading data directory: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("nab: no .csv files under %s", dataDir)
	}
	slices.Sort(names)

	var errs []error
	files := make([]*File, 0, len(names))
	for _, name := range names {
		w, ok := windows[name]
		if !ok {
			errs = append(errs, fileErr(name, 0, ErrMissingFile, "the windows file "+windowsPath+" has no entry for this data file"))
			continue
		}
		delete(windows, name)
		f, err := loadDataFile(filepath.Join(dataDir, filepath.FromSlash(name)), name, w)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, f)
	}
	extra := make([]string, 0, len(windows))
	for name := range windows {
		extra = append(extra, name)
	}
	slices.Sort(extra)
	for _, name := range extra {
		errs = append(errs, fileErr(name, 0, ErrExtraFile, "the windows file "+windowsPath+" names it but there is no such data file under "+dataDir))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return NewCorpus(files...)
}

// readWindows reads a windows file: a JSON object from relative paths to
// lists of [start, end] pairs.
func readWindows(path string) (map[string][][2]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nab: %w", err)
	}
	var raw map[string][][]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fileErr(path, 0, ErrFormat, "want a JSON object mapping data files to lists of [start, end] timestamp pairs: "+err.Error())
	}
	out := make(map[string][][2]string, len(raw))
	for name, list := range raw {
		ws := make([][2]string, len(list))
		for k, w := range list {
			if len(w) != 2 {
				return nil, fileErr(path, 0, ErrFormat, fmt.Sprintf("%s: window %d has %d timestamps, want 2 (start, end)", name, k+1, len(w)))
			}
			ws[k] = [2]string{w[0], w[1]}
		}
		out[name] = ws
	}
	return out, nil
}

// loadDataFile reads the data file at path, called name, and builds its File.
func loadDataFile(path, name string, windows [][2]string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nab: %w", err)
	}
	ts, vals, err := readData(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	return NewFile(name, ts, vals, windows)
}

// readData reads a NAB data CSV: the "timestamp" column and, if present,
// the "value" column (else vals is nil).
func readData(r io.Reader, name string) (ts, vals []string, err error) {
	cr, header, err := newCSV(r, name)
	if err != nil {
		return nil, nil, err
	}
	tcol, vcol := -1, -1
	for i, h := range header {
		switch h {
		case "timestamp":
			tcol = i
		case "value":
			vcol = i
		}
	}
	if tcol < 0 {
		return nil, nil, fileErr(name, 1, ErrFormat, fmt.Sprintf("header %s has no column \"timestamp\"", quote.Short(strings.Join(header, ","))))
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvErr(name, err)
		}
		ts = append(ts, strings.TrimSpace(rec[tcol]))
		if vcol >= 0 {
			vals = append(vals, strings.TrimSpace(rec[vcol]))
		}
	}
	return ts, vals, nil
}

// MaxLineBytes bounds a line of the CSV files this package reads; a
// longer one is an error, found after reading about that many bytes of it.
const MaxLineBytes = 1 << 20

// csvReader is a csv.Reader whose records are bounded by MaxLineBytes.
type csvReader struct {
	*csv.Reader
	lim *limit.Reader
}

// Read reads a record and starts the count of the next.
func (c *csvReader) Read() ([]string, error) {
	rec, err := c.Reader.Read()
	c.lim.Mark()
	return rec, err
}

// newCSV returns a CSV reader for r positioned after the header line, and
// the header's column names with surrounding spaces removed.
func newCSV(r io.Reader, name string) (*csvReader, []string, error) {
	lim := limit.NewReader(r, MaxLineBytes)
	br := bufio.NewReader(lim)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3) // cannot fail after a successful Peek
	}
	cr := &csvReader{Reader: csv.NewReader(br), lim: lim}
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fileErr(name, 0, ErrFormat, "the file is empty: want a header line")
	}
	if err != nil {
		return nil, nil, csvErr(name, err)
	}
	header = slices.Clone(header)
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	return cr, header, nil
}

// csvErr turns an error of encoding/csv into a *FileError.
func csvErr(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FileError{File: name, Line: pe.Line, Err: &kindError{kind: ErrFormat, msg: pe.Err.Error()}}
	}
	return &FileError{File: name, Err: err}
}

// parseTime parses "YYYY-MM-DD HH:MM:SS" with an optional fraction of a
// second (any number of digits; 'T' may replace the space) and returns a
// key that is equal for equal instants.
func parseTime(s string) (timeKey, bool) {
	const base = len("2006-01-02 15:04:05")
	if len(s) < base || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return timeKey{}, false
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, minute, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour < 0 || hour > 23 || minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return timeKey{}, false
	}
	nanos := int64(0)
	if len(s) > base {
		frac := s[base:]
		if frac[0] != '.' || len(frac) < 2 {
			return timeKey{}, false
		}
		scale := int64(1e8)
		for _, c := range []byte(frac[1:]) {
			if c < '0' || c > '9' {
				return timeKey{}, false
			}
			nanos += int64(c-'0') * scale // digits beyond nanoseconds add 0
			scale /= 10
		}
	}
	key := int64(year)
	key = key*12 + int64(month-1)
	key = key*31 + int64(day-1)
	key = key*24 + int64(hour)
	key = key*60 + int64(minute)
	key = key*60 + int64(sec)
	return timeKey{key, nanos}, true
}

// A timeKey identifies an instant: seconds since year 0 in a calendar of
// 31-day months (unique, not arithmetic) and nanoseconds.
type timeKey struct{ sec, nsec int64 }

// daysIn returns the number of days of a month of the proleptic Gregorian
// calendar.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
