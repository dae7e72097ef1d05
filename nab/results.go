package nab

import (
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/htmhw/htmhw/internal/quote"
)

// Results is a detector's output on a corpus: for each data file (by its
// relative path, e.g. "realKnownCause/nyc_taxi.csv") the anomaly score of
// every row, in file order. Scores lie in [0, 1]; a row is a detection at
// threshold θ if its score is ≥ θ.
type Results map[string][]float64

// Constant returns the results of a detector that gives every row of c the
// anomaly score v. Constant(c, 0.5) is NAB's null detector.
func Constant(c *Corpus, v float64) Results {
	r := make(Results, len(c.Files))
	for _, f := range c.Files {
		s := make([]float64, f.Len())
		for i := range s {
			s[i] = v
		}
		r[f.Name] = s
	}
	return r
}

// Check reports whether r is a complete results set for c: one entry per
// file of c and no other, each with one score per row of its data file, every
// score a number in [0, 1]. The error names every offending file; it wraps
// ErrMissingFile, ErrExtraFile, ErrRowCount or ErrScore. (NAB itself would
// silently score a partial results set, leaving the missing files' windows
// unpenalised.)
func (r Results) Check(c *Corpus) error {
	var errs []error
	for _, f := range c.Files {
		s, ok := r[f.Name]
		if !ok {
			errs = append(errs, fileErr(f.Name, 0, ErrMissingFile, "the results have no anomaly scores for this data file"))
			continue
		}
		if len(s) != f.Len() {
			errs = append(errs, fileErr(f.Name, 0, ErrRowCount, fmt.Sprintf("the results have %d anomaly scores, the data file has %d rows", len(s), f.Len())))
			continue
		}
		for i, v := range s {
			if !(v >= 0 && v <= 1) {
				errs = append(errs, fileErr(f.Name, i+2, ErrScore, fmt.Sprintf("row %d: anomaly score %v is not in [0, 1]", i, v)))
				break
			}
		}
	}
	var extra []string
	for name := range r {
		if c.File(name) == nil {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, name := range extra {
		errs = append(errs, fileErr(name, 0, ErrExtraFile, "the results have anomaly scores for a file that is not in the corpus"))
	}
	return errors.Join(errs...)
}

// ResultsPath returns where NAB keeps detector's results for the data file
// name under the results directory dir:
// dir/<detector>/<category>/<detector>_<file>.csv.
func ResultsPath(dir, detector, name string) string {
	d, base := path.Split(name)
	return filepath.Join(dir, detector, filepath.FromSlash(d), detector+"_"+base)
}

// ReadResults reads detector's results from the results directory dir in
// NAB's layout: every file dir/<detector>/<category>/<detector>_<name>.csv
// (or the same gzip-compressed, with the suffix ".csv.gz") holds the
// results for the data file <category>/<name>.csv. Files directly in
// dir/<detector> (NAB's <detector>_<profile>_scores.csv) and files not
// named <detector>_*.csv[.gz] are ignored. Each file is read with
// [ReadScores]. ReadResults does not compare the results with a corpus;
// [Score], [Sweep] and [Optimize] do, through [Results.Check].
func ReadResults(dir, detector string) (Results, error) {
	root := filepath.Join(dir, detector)
	if st, err := os.Stat(root); err != nil {
		return nil, fmt.Errorf("nab: results of detector %q: %w", detector, err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("nab: results of detector %q: %s is not a directory", detector, root)
	}
	type job struct{ name, path string }
	var jobs []job
	seen := map[string]string{}
	prefix := detector + "_"
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		dirPart, base := path.Split(rel)
		if dirPart == "" || !strings.HasPrefix(base, prefix) {
			return nil
		}
		base = strings.TrimPrefix(base, prefix)
		switch {
		case strings.HasSuffix(base, ".csv"):
		case strings.HasSuffix(base, ".csv.gz"):
			base = strings.TrimSuffix(base, ".gz")
		default:
			return nil
		}
		name := dirPart + base
		if other, dup := seen[name]; dup {
			return fileErr(name, 0, ErrFormat, fmt.Sprintf("two results files for this data file: %s and %s", other, p))
		}
		seen[name] = p
		jobs = append(jobs, job{name, p})
		return nil
	})
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, fmt.Errorf("nab: reading results of detector %q: %w", detector, err)
	}

	scores := make([][]float64, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			scores[i], errs[i] = ReadResultsFile(j.path)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r := make(Results, len(jobs))
	for i, j := range jobs {
		r[j.name] = scores[i]
	}
	return r, nil
}

// ReadResultsFile reads one results file with [ReadScores]; a name ending
// in ".gz" is decompressed first. Errors name the file by path.
func ReadResultsFile(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("nab: %w", err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, &FileError{File: path, Err: &kindError{kind: ErrFormat, msg: "gzip: " + err.Error()}}
		}
		defer zr.Close()
		r = zr
	}
	s, err := ReadScores(r)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) && fe.File == "" {
			fe.File = path
		} else {
			err = &FileError{File: path, Err: err}
		}
		return nil, err
	}
	return s, nil
}

// ReadScores reads the anomaly scores from a results CSV: a header line
// naming a column "anomaly_score" (NAB's files have
// timestamp,value,anomaly_score and possibly more columns, which are
// ignored), then one row per data row. Each score must be a decimal number
// in [0, 1] (surrounding spaces are ignored; NaN, infinities and empty
// fields are refused). CRLF line endings, a missing final newline and a
// UTF-8 byte-order mark are accepted. Errors are *FileError values with the
// line number and no file name.
func ReadScores(r io.Reader) ([]float64, error) {
	cr, header, err := newCSV(r, "")
	if err != nil {
		return nil, err
	}
	col := -1
	for i, h := range header {
		if h == "anomaly_score" {
			if col >= 0 {
				return nil, fileErr("", 1, ErrFormat, "header names column \"anomaly_score\" twice")
			}
			col = i
		}
	}
	if col < 0 {
		return nil, fileErr("", 1, ErrFormat, fmt.Sprintf("header %s has no column \"anomaly_score\"", quote.Short(strings.Join(header, ","))))
	}
	scores := []float64{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return scores, nil
		}
		if err != nil {
			return nil, csvErr("", err)
		}
		line, _ := cr.FieldPos(col)
		text := strings.TrimSpace(rec[col])
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || !isDecimal(text) {
			return nil, fileErr("", line, ErrScore, fmt.Sprintf("%s is not a number", quote.Short(text)))
		}
		if v < 0 || v > 1 {
			return nil, fileErr("", line, ErrScore, fmt.Sprintf("%s is not in [0, 1]", quote.Clean(text, quote.Max)))
		}
		scores = append(scores, v)
	}
}

// isDecimal reports whether s is a plain decimal number (optional sign,
// digits with an optional point, optional exponent), the form NAB's CSV
// reader parses; it excludes Go-only forms such as hexadecimal floats,
// underscores, "Inf" and "NaN".
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// WriteResults writes r, which must pass r.Check(c), as detector's results
// under the results directory dir in NAB's layout (see [ResultsPath]): one
// file per data file with the header timestamp,value,anomaly_score, the
// timestamps and values copied from the data file and the scores in the
// shortest form that reads back exactly. Directories are created as needed;
// existing files are replaced.
func WriteResults(dir, detector string, c *Corpus, r Results) error {
	if err := r.Check(c); err != nil {
		return err
	}
	for _, f := range c.Files {
		if err := writeResultsFile(ResultsPath(dir, detector, f.Name), f, r[f.Name]); err != nil {
			return err
		}
	}
	return nil
}

func writeResultsFile(p string, f *File, scores []float64) (err error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("nab: %w", err)
	}
	out, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("nab: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("nab: %w", cerr)
		}
	}()
	if err := WriteScores(out, f, scores); err != nil {
		return fmt.Errorf("nab: writing %s: %w", p, err)
	}
	return nil
}

// WriteScores writes one results file for the data file f: the header
// timestamp,value,anomaly_score and one row per data row. len(scores) must
// be f.Len().
func WriteScores(w io.Writer, f *File, scores []float64) error {
	if len(scores) != f.Len() {
		return fileErr(f.Name, 0, ErrRowCount, fmt.Sprintf("%d anomaly scores for %d rows", len(scores), f.Len()))
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"timestamp", "value", "anomaly_score"}); err != nil {
		return err
	}
	rec := make([]string, 3)
	for i, v := range scores {
		rec[0] = f.Timestamps[i]
		rec[1] = ""
		if f.Values != nil {
			rec[1] = f.Values[i]
		}
		rec[2] = strconv.FormatFloat(v, 'g', -1, 64)
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
