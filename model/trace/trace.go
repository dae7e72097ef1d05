// Package trace reads and writes per-step traces of an HTM region in the
// format of htm.core's reference traces (testdata/htmcore/README.md):
//
//	step,enc,cols,anomaly,n_active,h_active,n_winner,h_winner,n_pred,h_pred,segments,synapses
//
// so that any two engines (the golden model, the float reference, the
// cycle-level simulator, the RTL, htm.core itself) can be compared row by
// row, or with diff.
package trace

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/htmhw/htmhw/internal/limit"
	"github.com/htmhw/htmhw/internal/quote"
)

// MaxLineBytes bounds a trace line: twice the longest enc and cols
// columns (65535 indices of up to 6 characters each) and then some.
const MaxLineBytes = 4 << 20

// Header is the first line of a trace.
const Header = "step,enc,cols,anomaly,n_active,h_active,n_winner,h_winner,n_pred,h_pred,segments,synapses"

var columns = strings.Split(Header, ",")

// The trace hash is 64-bit FNV-1a with one difference: its start value is
// 1469598103934665603, not FNV's offset basis 14695981039346656037. The
// htm.core reference traces were made that way (their README names the
// standard basis, but every hash in them, the empty one included, comes
// from the shorter number, as TestHashMatchesHTMCore shows), and a trace
// hash is only useful if it matches them.
const (
	fnvOffset = 1469598103934665603
	fnvPrime  = 1099511628211
)

// Hash returns the trace hash of the cell indices (which must be
// ascending): FNV-1a over each index as 4 bytes little-endian, from the
// start value 1469598103934665603. The hash of no cells is that value.
func Hash(cells []uint32) uint64 {
	h := uint64(fnvOffset)
	for _, c := range cells {
		for k := 0; k < 4; k++ {
			h ^= uint64(byte(c >> (8 * k)))
			h *= fnvPrime
		}
	}
	return h
}

// Cells summarises a set of cells as a trace does: count and hash.
type Cells struct {
	N    int
	Hash uint64
}

// Summarise returns the count and hash of cells.
func Summarise(cells []uint32) Cells { return Cells{len(cells), Hash(cells)} }

// Row is one step of a trace.
type Row struct {
	Step       int
	Enc        []uint32 // encoder output
	Cols       []uint32 // active columns
	Anomaly    float32  // raw anomaly score
	Active     Cells    // active cells after the step
	Winner     Cells    // winner cells of the step
	Predictive Cells    // cells predicted for the next step
	Segments   int
	Synapses   int
}

// Fields returns the row's text fields, in Header's order. The anomaly is
// printed with 9 significant digits, as htm.core's traces print it.
func (r *Row) Fields() []string {
	return []string{
		strconv.Itoa(r.Step),
		joinUints(r.Enc),
		joinUints(r.Cols),
		strconv.FormatFloat(float64(r.Anomaly), 'g', 9, 32),
		strconv.Itoa(r.Active.N), strconv.FormatUint(r.Active.Hash, 10),
		strconv.Itoa(r.Winner.N), strconv.FormatUint(r.Winner.Hash, 10),
		strconv.Itoa(r.Predictive.N), strconv.FormatUint(r.Predictive.Hash, 10),
		strconv.Itoa(r.Segments),
		strconv.Itoa(r.Synapses),
	}
}

func joinUints(v []uint32) string {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(uint64(x), 10))
	}
	return b.String()
}

// Writer writes a trace.
type Writer struct {
	w      *bufio.Writer
	header bool
	line   []byte // reused by every row
}

// NewWriter returns a Writer that writes the header before the first row.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriter(w)} }

// Write writes one row.
func (w *Writer) Write(r *Row) error {
	if !w.header {
		w.header = true
		if _, err := w.w.WriteString(Header + "\n"); err != nil {
			return err
		}
	}
	w.line = r.appendLine(w.line[:0])
	_, err := w.w.Write(w.line)
	return err
}

// appendLine appends the row's line, its Fields joined by commas and a
// newline, to dst, building no strings (a trace writer's per-row cost is
// otherwise a good part of a small model's step).
func (r *Row) appendLine(dst []byte) []byte {
	dst = strconv.AppendInt(dst, int64(r.Step), 10)
	for _, v := range [][]uint32{r.Enc, r.Cols} {
		dst = append(dst, ',')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = strconv.AppendUint(dst, uint64(x), 10)
		}
	}
	dst = append(dst, ',')
	dst = strconv.AppendFloat(dst, float64(r.Anomaly), 'g', 9, 32)
	for _, c := range []Cells{r.Active, r.Winner, r.Predictive} {
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(c.N), 10)
		dst = append(dst, ',')
		dst = strconv.AppendUint(dst, c.Hash, 10)
	}
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Segments), 10)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, int64(r.Synapses), 10)
	return append(dst, '\n')
}

// Flush writes any buffered data.
func (w *Writer) Flush() error { return w.w.Flush() }

// Read reads a whole trace: a header equal to Header, then rows of its
// twelve fields with consecutive steps (a trace may start at any step, as a
// resumed run's does). Rows are returned as text, which is what
// comparisons need.
//
// A line longer than MaxLineBytes is an error, found after reading about
// that many bytes of it.
func Read(r io.Reader) ([][]string, error) {
	lim := limit.NewReader(r, MaxLineBytes)
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = len(columns)
	cr.ReuseRecord = false
	head, err := cr.Read()
	lim.Mark()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("trace: empty input, want a header")
	}
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	if strings.Join(head, ",") != Header {
		return nil, fmt.Errorf("trace: header %s, want %q", quote.Short(strings.Join(head, ",")), Header)
	}
	var rows [][]string
	for {
		rec, err := cr.Read()
		lim.Mark()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if errors.Is(err, limit.ErrTooLong) {
			return nil, fmt.Errorf("trace: line %d: %w", len(rows)+2, err)
		}
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		step, err := strconv.Atoi(rec[0])
		if err == nil && len(rows) > 0 {
			prev, _ := strconv.Atoi(rows[len(rows)-1][0])
			if step != prev+1 {
				err = fmt.Errorf("want %d", prev+1)
			}
		}
		if err != nil || step < 0 {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("trace: line %d: step %s: not the next step", line, quote.Short(rec[0]))
		}
		rows = append(rows, rec)
	}
}

// Divergence is the first difference between two traces.
type Divergence struct {
	Step   int    // first differing step
	Column string // first differing column of that step, or "rows" when one trace is shorter
	A, B   string // the two values
}

func (d *Divergence) Error() string {
	if d.Column == "rows" {
		return fmt.Sprintf("trace: lengths differ: %s vs %s rows", d.A, d.B)
	}
	return fmt.Sprintf("trace: step %d: column %s differs: %q vs %q", d.Step, d.Column, d.A, d.B)
}

// Compare returns the first divergence of b from a, or nil when the traces
// are identical. Only the columns named in cols are compared (all when
// cols is empty).
func Compare(a, b [][]string, cols ...string) *Divergence {
	idx := make([]int, 0, len(columns))
	for i, c := range columns {
		if len(cols) == 0 || contains(cols, c) {
			idx = append(idx, i)
		}
	}
	for s := 0; s < min(len(a), len(b)); s++ {
		for _, i := range idx {
			if a[s][i] != b[s][i] {
				return &Divergence{Step: s, Column: columns[i], A: a[s][i], B: b[s][i]}
			}
		}
	}
	if len(a) != len(b) {
		return &Divergence{Step: min(len(a), len(b)), Column: "rows", A: strconv.Itoa(len(a)), B: strconv.Itoa(len(b))}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
