package nab

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadRawScores reads the raw_score column of a NAB results CSV (as NAB's
// numenta detectors write it: timestamp,value,anomaly_score,raw_score),
// gzip-compressed when the data starts with gzip's magic bytes. It returns
// the fields as written, one per row.
func ReadRawScores(r io.Reader) ([]string, error) {
	br := newPeekReader(r)
	var in io.Reader = br
	if magic, _ := br.peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("nab: raw scores: %w", err)
		}
		defer z.Close()
		in = z
	}
	cr := csv.NewReader(in)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("nab: raw scores: header: %w", err)
	}
	col := -1
	for i, h := range head {
		if strings.TrimSpace(h) == "raw_score" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("nab: raw scores: no raw_score column in header %q", strings.Join(head, ","))
	}
	var out []string
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("nab: raw scores: %w", err)
		}
		if col >= len(rec) {
			return nil, fmt.Errorf("nab: raw scores: line %d: %d fields, no raw_score", line, len(rec))
		}
		if _, err := strconv.ParseFloat(rec[col], 64); err != nil {
			return nil, fmt.Errorf("nab: raw scores: line %d: %w", line, err)
		}
		out = append(out, strings.Clone(rec[col]))
	}
}

// ReadRawScoresFile is ReadRawScores on a file.
func ReadRawScoresFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ReadRawScores(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

type peekReader struct {
	r   io.Reader
	buf []byte
}

func newPeekReader(r io.Reader) *peekReader { return &peekReader{r: r} }

func (p *peekReader) peek(n int) ([]byte, error) {
	for len(p.buf) < n {
		b := make([]byte, n-len(p.buf))
		k, err := p.r.Read(b)
		p.buf = append(p.buf, b[:k]...)
		if err != nil {
			return p.buf, err
		}
	}
	return p.buf[:n], nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.buf) > 0 {
		n := copy(b, p.buf)
		p.buf = p.buf[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// Agreement compares a detector's raw anomaly scores with a reference's,
// row by row.
type Agreement struct {
	Rows  int     // rows compared
	Exact int     // rows whose score, as NuPIC writes it, is the reference's field
	Close int     // rows within CloseTolerance of the reference
	Corr  float64 // Pearson correlation of the two columns (NaN when one is constant)
}

// CloseTolerance is Agreement.Close's tolerance.
const CloseTolerance = 1e-6

// Equal reports whether a raw score, written as NuPIC writes it (a
// float32, printed by Python 2's str with 12 significant digits), is the
// field ref.
func Equal(ref string, got float64) bool {
	r, err := strconv.ParseFloat(ref, 64)
	if err != nil {
		return false
	}
	g, _ := strconv.ParseFloat(strconv.FormatFloat(float64(float32(got)), 'g', 12, 64), 64)
	return r == g
}

// Agree compares got with the reference fields ref, which must be as many.
func Agree(ref []string, got []float64) (Agreement, error) {
	if len(ref) != len(got) {
		return Agreement{}, fmt.Errorf("nab: %d reference rows, %d computed", len(ref), len(got))
	}
	a := Agreement{Rows: len(ref)}
	var sx, sy, sxx, syy, sxy float64
	for i, f := range ref {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return Agreement{}, fmt.Errorf("nab: reference row %d: %w", i, err)
		}
		g := got[i]
		if Equal(f, g) {
			a.Exact++
		}
		if math.Abs(r-g) <= CloseTolerance {
			a.Close++
		}
		sx, sy, sxx, syy, sxy = sx+r, sy+g, sxx+r*r, syy+g*g, sxy+r*g
	}
	n := float64(len(ref))
	cov := sxy - sx*sy/n
	vx, vy := sxx-sx*sx/n, syy-sy*sy/n
	a.Corr = math.NaN()
	if vx > 0 && vy > 0 {
		a.Corr = cov / math.Sqrt(vx*vy)
	}
	return a, nil
}
