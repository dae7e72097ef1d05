// Package report writes a static HTML report of a detector's run over a
// NAB corpus: its scores beside NAB's published detectors, a table of the
// files ordered by how much each costs the score, and per file a plot of
// the series with its labelled windows and the detections at the standard
// profile's threshold (true positives, false positives, missed windows).
// The page is plain HTML and CSS: no script, nothing fetched from the
// network; the plots are PNG files beside it.
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/htmhw/htmhw/internal/chart"
	"github.com/htmhw/htmhw/nab"
)

// Row is one detector's line of the score table.
type Row struct {
	Detector               string
	Standard, LowFP, LowFN float64
	Ours                   bool
}

// FileRow is one file's line of the file table.
type FileRow struct {
	Name        string
	Anchor, PNG string
	Rows        int
	Windows     int
	TP, FP      int // detections at the threshold, after the probation
	Missed      int // windows with no detection
	Raw         float64
	Cost        float64 // the perfect file score (every window detected at its first row) less Raw
}

// Report is what the page shows.
type Report struct {
	Title     string
	Detector  string
	Summary   string
	Threshold float64 // the standard profile's optimised threshold
	Scores    []Row
	Files     []FileRow
	Published string // where the published scores come from, or ""
}

// Options say what to write.
type Options struct {
	Title    string
	Detector string // this run's name in the table
	Summary  string // one line about the run
	// Published is NAB's final_results.json, or "" (no published scores).
	Published string
	Jobs      int // plots drawn at once (0: one per CPU)
	// Traces, when given, add each file's raw anomaly and likelihood to
	// its plot.
	Traces map[string]*nab.Trace
}

// Write scores res on c, writes DIR/index.html and a plot per file in
// DIR/files/, and returns the report.
func Write(dir string, c *nab.Corpus, res nab.Results, o Options) (*Report, error) {
	scores, err := nab.OptimizeAll(c, res, nab.Profiles())
	if err != nil {
		return nil, err
	}
	r := &Report{Title: o.Title, Detector: o.Detector, Summary: o.Summary, Threshold: scores[0].Threshold}
	ours := Row{Detector: o.Detector + " (this run)", Ours: true}
	for i, p := range nab.Profiles() {
		v := c.Normalize(p, scores[i].Raw)
		switch p.Name {
		case nab.Standard.Name:
			ours.Standard = v
		case nab.RewardLowFP.Name:
			ours.LowFP = v
		case nab.RewardLowFN.Name:
			ours.LowFN = v
		}
	}
	r.Scores = append(r.Scores, ours)
	if o.Published != "" {
		rows, err := published(o.Published)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err == nil {
			r.Scores = append(r.Scores, rows...)
			r.Published = o.Published
		}
	}
	sort.SliceStable(r.Scores, func(i, j int) bool { return r.Scores[i].Standard > r.Scores[j].Standard })

	std, err := nab.Score(c, res, nab.Standard, r.Threshold)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		return nil, err
	}
	r.Files = make([]FileRow, len(c.Files))
	tls := make([]*chart.Timeline, len(c.Files))
	for i, f := range c.Files {
		tl, err := timeline(f, res[f.Name], r.Threshold)
		if err != nil {
			return nil, err
		}
		if tr := o.Traces[f.Name]; tr != nil && len(tr.Raw) == f.Len() && len(tr.Likelihood) == f.Len() {
			tl.Anomaly, tl.Likelihood = tr.Raw, tr.Likelihood
		}
		m := tl.Marks()
		fr := FileRow{Name: f.Name, Anchor: fmt.Sprintf("f%d", i), PNG: fmt.Sprintf("files/%d.png", i),
			Rows: f.Len(), Windows: len(f.Windows), TP: len(m.TP), FP: len(m.FP), Missed: len(m.Missed),
			Raw: std.Files[i].Raw}
		fr.Cost = nab.Standard.TP*float64(len(f.Windows)) - fr.Raw
		r.Files[i], tls[i] = fr, tl
	}
	if err := drawAll(dir, r.Files, tls, o.Jobs); err != nil {
		return nil, err
	}
	sort.SliceStable(r.Files, func(i, j int) bool { return r.Files[i].Cost > r.Files[j].Cost })
	if err := writePage(filepath.Join(dir, "index.html"), r); err != nil {
		return nil, err
	}
	return r, nil
}

// timeline returns the plot of one file.
func timeline(f *nab.File, scores []float64, threshold float64) (*chart.Timeline, error) {
	tl := &chart.Timeline{Title: f.Name, Score: scores, ScoreName: "NAB score (log likelihood)", Threshold: threshold,
		Labelled: true, Probation: f.Probation()}
	for i := range f.Timestamps {
		v, err := strconv.ParseFloat(strings.TrimSpace(f.Values[i]), 64)
		if err != nil {
			return nil, fmt.Errorf("report: %s row %d: value %q: %w", f.Name, i, f.Values[i], err)
		}
		ts := f.Timestamps[i]
		if len(ts) > len(time.DateTime) {
			ts = ts[:len(time.DateTime)]
		}
		t, err := time.Parse(time.DateTime, strings.Replace(ts, "T", " ", 1))
		if err != nil {
			return nil, fmt.Errorf("report: %s row %d: timestamp %q: %w", f.Name, i, f.Timestamps[i], err)
		}
		tl.Values = append(tl.Values, v)
		tl.Times = append(tl.Times, t)
	}
	for _, w := range f.Windows {
		tl.Windows = append(tl.Windows, [2]int{w.First, w.Last})
	}
	return tl, nil
}

// drawAll writes the files' plots, jobs at a time.
func drawAll(dir string, files []FileRow, tls []*chart.Timeline, jobs int) error {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	next := make(chan int)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := drawOne(filepath.Join(dir, filepath.FromSlash(files[i].PNG)), tls[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

func drawOne(path string, tl *chart.Timeline) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := tl.Write(f, "png"); err != nil {
		f.Close()
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return f.Close()
}

// published reads NAB's final_results.json.
func published(path string) ([]Row, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var table map[string]map[string]float64
	if err := json.Unmarshal(data, &table); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	var rows []Row
	for name, s := range table {
		rows = append(rows, Row{Detector: name, Standard: s["standard"], LowFP: s["reward_low_FP_rate"], LowFN: s["reward_low_FN_rate"]})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Detector < rows[j].Detector })
	return rows, nil
}

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"f2": func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) },
	"f3": func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child, td.name { text-align: left; }
tr.ours { font-weight: bold; background: #fff4d6; }
section { margin: 2em 0; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.note { color: #555; font-size: 90%; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Summary}}</p>
<h2>Scores</h2>
<table id="scores">
<thead><tr><th>detector</th><th>standard</th><th>reward low FP</th><th>reward low FN</th></tr></thead>
<tbody>
{{range .Scores}}<tr{{if .Ours}} class="ours"{{end}}><td>{{.Detector}}</td><td>{{f2 .Standard}}</td><td>{{f2 .LowFP}}</td><td>{{f2 .LowFN}}</td></tr>
{{end}}</tbody>
</table>
<p class="note">Thresholds optimised per profile on the whole corpus, as NAB does for every detector.{{if .Published}} Published scores: NAB's results/final_results.json ({{.Published}}).{{end}}</p>
<h2>Files</h2>
<p>At the standard profile's threshold {{f3 .Threshold}}, ordered by how much each file costs the score: its perfect score (every window detected at its first row) less its raw score. TP and FP count detections after the probationary period, in a window and outside every window; missed counts windows with no detection.</p>
<table id="files">
<thead><tr><th>file</th><th>rows</th><th>windows</th><th>TP</th><th>FP</th><th>missed</th><th>raw score</th><th>cost</th></tr></thead>
<tbody>
{{range .Files}}<tr><td class="name"><a href="#{{.Anchor}}">{{.Name}}</a></td><td>{{.Rows}}</td><td>{{.Windows}}</td><td>{{.TP}}</td><td>{{.FP}}</td><td>{{.Missed}}</td><td>{{f3 .Raw}}</td><td>{{f3 .Cost}}</td></tr>
{{end}}</tbody>
</table>
{{range .Files}}<section id="{{.Anchor}}">
<h3>{{.Name}}</h3>
<p class="note">{{.Rows}} rows, {{.Windows}} windows: {{.TP}} true positive detections, {{.FP}} false positive, {{.Missed}} missed windows; raw score {{f3 .Raw}}, cost {{f3 .Cost}}.</p>
<img src="{{.PNG}}" width="864" height="480" alt="{{.Name}}: the series with its labelled windows and detections, and the detector's score">
</section>
{{end}}</body>
</html>
`))

func writePage(path string, r *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := page.Execute(f, r); err != nil {
		f.Close()
		return fmt.Errorf("report: %s: %w", path, err)
	}
	return f.Close()
}
