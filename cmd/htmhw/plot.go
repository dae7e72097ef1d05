package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/internal/chart"
	"github.com/htmhw/htmhw/model/anomaly"
	"github.com/htmhw/htmhw/nab"
)

// plotPoint is one step of a plot.
type plotPoint struct {
	t                          time.Time
	value, anomaly, likelihood float64
}

// plotTitle returns the title of the plot of a model run on a data file.
func plotTitle(modelName, data string) string {
	return fmt.Sprintf("%s on %s", modelName, filepath.Base(data))
}

// plotFlags are the flags that say what a run's plot marks.
type plotFlags struct {
	threshold float64
	nabDir    string
	windows   string
}

// addTo registers the flags on cmd.
func (pf *plotFlags) addTo(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Float64Var(&pf.threshold, "threshold", 0, "with --plot: mark the rows whose NAB score (the log likelihood) is at least this as detections (0: NAB's optimised threshold of the numenta detector, standard profile, from --nab's thresholds.json, else none)")
	f.StringVar(&pf.nabDir, "nab", "", "with --plot: NAB folder (data/, combined_windows.json, thresholds.json): shade the data file's labelled windows")
	f.StringVar(&pf.windows, "windows", "", "with --plot: NAB windows JSON whose entry for the data file is shaded (default: combined_windows.json under --nab)")
}

// windowsFile returns the windows JSON the flags name, or "".
func (pf *plotFlags) windowsFile() string {
	if pf.windows != "" || pf.nabDir == "" {
		return pf.windows
	}
	p := filepath.Join(pf.nabDir, "combined_windows.json")
	if _, err := os.Stat(p); err != nil {
		return filepath.Join(pf.nabDir, "labels", "combined_windows.json")
	}
	return p
}

// nabThreshold returns the numenta detector's standard-profile threshold
// from NAB's thresholds.json under dir, or 0 when there is none.
func nabThreshold(dir string) (float64, error) {
	if dir == "" {
		return 0, nil
	}
	p := filepath.Join(dir, "thresholds.json")
	if _, err := os.Stat(p); err != nil {
		p = filepath.Join(dir, "config", "thresholds.json")
	}
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var t map[string]map[string]struct{ Threshold float64 }
	if err := json.Unmarshal(data, &t); err != nil {
		return 0, fmt.Errorf("%s: %w", p, err)
	}
	return t["numenta"]["standard"].Threshold, nil
}

// windowsFor finds the entry of a windows JSON for a data file: the key
// that is its path under nabDir/data, else the one key that ends with
// /<its name>.
func windowsFor(path, data, nabDir string) (string, [][2]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	var all map[string][][2]string
	if err := json.Unmarshal(raw, &all); err != nil {
		return "", nil, fmt.Errorf("%s: %w", path, err)
	}
	if nabDir != "" {
		if rel, err := filepath.Rel(filepath.Join(nabDir, "data"), data); err == nil {
			if w, ok := all[filepath.ToSlash(rel)]; ok {
				return filepath.ToSlash(rel), w, nil
			}
		}
	}
	var keys []string
	for k := range all {
		if k == filepath.Base(data) || strings.HasSuffix(k, "/"+filepath.Base(data)) {
			keys = append(keys, k)
		}
	}
	switch len(keys) {
	case 1:
		return keys[0], all[keys[0]], nil
	case 0:
		return "", nil, fmt.Errorf("%s: no windows for %s", path, filepath.Base(data))
	}
	return "", nil, fmt.Errorf("%s: %d entries for %s (%s): give --nab with the data file under its data/", path, len(keys), filepath.Base(data), strings.Join(keys, ", "))
}

// timeline returns the plot of a run's points, with the flags' windows
// and threshold.
func (pf *plotFlags) timeline(pts []plotPoint, title, data string) (*chart.Timeline, error) {
	tl := &chart.Timeline{Title: title, ScoreName: "log likelihood (NAB score)", Threshold: pf.threshold}
	for _, q := range pts {
		tl.Times = append(tl.Times, q.t)
		tl.Values = append(tl.Values, q.value)
		tl.Anomaly = append(tl.Anomaly, q.anomaly)
		tl.Likelihood = append(tl.Likelihood, q.likelihood)
		tl.Score = append(tl.Score, anomaly.LogLikelihood(q.likelihood))
	}
	if tl.Threshold == 0 {
		th, err := nabThreshold(pf.nabDir)
		if err != nil {
			return nil, err
		}
		tl.Threshold = th
	}
	wf := pf.windowsFile()
	if wf == "" {
		return tl, nil
	}
	name, wins, err := windowsFor(wf, data, pf.nabDir)
	if err != nil {
		return nil, err
	}
	ts := make([]string, len(pts))
	for i, q := range pts {
		ts[i] = q.t.Format(time.DateTime)
	}
	f, err := nab.NewFile(name, ts, nil, wins)
	if err != nil {
		return nil, fmt.Errorf("the windows of %s in %s: %w", name, wf, err)
	}
	tl.Labelled, tl.Probation = true, f.Probation()
	for _, w := range f.Windows {
		tl.Windows = append(tl.Windows, [2]int{w.First, w.Last})
	}
	tl.Title += fmt.Sprintf(" (NAB %s)", name)
	return tl, nil
}

// checkPlotPath checks that a --plot path, if given, names a format.
func checkPlotPath(path string) error {
	if path == "" {
		return nil
	}
	if _, err := chart.FormatOf(path); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}

// writePlot writes the plot of a run to w, as SVG or PNG by the extension
// of path: the series with its labelled windows and detections above, the
// raw anomaly, likelihood and log likelihood below on the same time axis.
func (pf *plotFlags) writePlot(w io.Writer, path string, pts []plotPoint, title, data string) error {
	format, err := chart.FormatOf(path)
	if err != nil {
		return err
	}
	tl, err := pf.timeline(pts, title, data)
	if err != nil {
		return err
	}
	return tl.Write(w, format)
}
