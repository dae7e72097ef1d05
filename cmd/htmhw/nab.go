package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/nab"
)

// nabOptions are the flags of nab.
type nabOptions struct {
	model, nabDir, windows, out, detector, smallSteps string
	report                                            string
	bits, jobs                                        int
	engine                                            string
	widths                                            []int              // --bits, one or several
	last                                              map[string]float64 // the last run's profile scores
}

// newNABCmd returns the nab command.
func newNABCmd() *cobra.Command {
	o := &nabOptions{}
	cmd := &cobra.Command{
		Use:   "nab",
		Short: "Score a model on the Numenta Anomaly Benchmark",
		Long: `Nab runs htmhw's NAB detector (package nab: the region of a model, NuPIC's
anomaly likelihood with NAB's per-file settings, log likelihood as the score,
spatial anomalies scored 1) over all 58 series of the NAB corpus, files in
parallel, writes NAB-format result CSVs to --out/<detector>/<category>/, scores
them exactly as NAB does (thresholds optimised per profile, as NAB does for
every detector), and prints the three profile scores next to NAB's published
table. --report DIR also writes a static HTML report there (package
nab/report): the scores beside NAB's published detectors, the files ordered by
how much each costs the score, and per file a plot of the series with its
windows and the detections at the standard profile's threshold.

--nab is NAB's root folder: data/<category>/<file>.csv and
combined_windows.json (or labels/combined_windows.json), as in
../shared/data/nab.`,
		Example: "  htmhw nab --nab ../shared/data/nab --out nab-results -j 2",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.runWidths(cmd) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "nab", "model file or preset name")
	f.StringVar(&o.engine, "engine", "int", "engine: int (the golden model), float (the htm.core-exact float reference) or nupic (NuPIC's numenta detector in float, quant/nupic)")
	f.IntSliceVar(&o.widths, "bits", nil, "permanence widths in bits, overriding the model's (0 or none: the model's); several, comma-separated, run one after another and end with a table")
	f.StringVar(&o.smallSteps, "small-steps", "", "override the model's smallSteps policy: error, lsb or zero")
	f.StringVar(&o.nabDir, "nab", filepath.Join("..", "shared", "data", "nab"), "NAB folder with data/ and combined_windows.json")
	f.StringVar(&o.windows, "windows", "", "windows JSON (default: combined_windows.json in --nab, or labels/ under it)")
	f.StringVarP(&o.out, "out", "o", "nab-results", "results folder")
	f.StringVar(&o.detector, "detector", "htmhw", "detector name in the results layout")
	f.IntVarP(&o.jobs, "jobs", "j", 0, "files run in parallel (0: one per CPU)")
	f.StringVar(&o.report, "report", "", "also write a static HTML report (index.html, a plot per file) to this folder")
	cmd.AddCommand(newNABAgreeCmd())
	return cmd
}

func (o *nabOptions) config() (*model.Config, error) {
	if o.engine != string(nab.Int) && o.engine != string(nab.Float) && o.engine != string(nab.NuPIC) {
		return nil, fmt.Errorf("--engine %q: want int, float or nupic", o.engine)
	}
	cfg, err := model.Load(o.model)
	if err != nil {
		return nil, err
	}
	if o.bits != 0 {
		cfg.PermanenceBits = o.bits
	}
	if o.smallSteps != "" {
		cfg.SmallSteps = o.smallSteps
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func (o *nabOptions) windowsPath() string {
	if o.windows != "" {
		return o.windows
	}
	p := filepath.Join(o.nabDir, "combined_windows.json")
	if _, err := os.Stat(p); err != nil {
		return filepath.Join(o.nabDir, "labels", "combined_windows.json")
	}
	return p
}

func (o *nabOptions) run(cmd *cobra.Command) error {
	cfg, err := o.config()
	if err != nil {
		return err
	}
	q, _ := cfg.Quantize()
	corpus, err := nab.LoadCorpus(filepath.Join(o.nabDir, "data"), o.windowsPath())
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	prog := newProgress(stderr, corpus.Rows())
	var rows atomic.Int64
	start := time.Now()
	traces, err := nab.DetectTraces(cmd.Context(), nab.Engine(o.engine), cfg, corpus, o.jobs, func(f *nab.File) {
		prog.update(int(rows.Add(int64(f.Len()))))
	})
	prog.finish()
	if err != nil {
		return err
	}
	res := make(nab.Results, len(traces))
	for name, tr := range traces {
		res[name] = tr.Scores
	}
	elapsed := time.Since(start)
	if err := nab.WriteResults(o.out, o.detector, corpus, res); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	precision := fmt.Sprintf("%d-bit permanences", cfg.PermanenceBits)
	if o.engine == string(nab.Float) {
		precision = "float32 (htm.core semantics)"
	} else if o.engine == string(nab.NuPIC) {
		precision = "float32 (NuPIC 0.5.6 / nupic.core 0.4.10 semantics)"
	}
	fmt.Fprintf(w, "%s: %d files, %d rows in %.1f s (%.0f rows/s), %s engine, %s; results in %s\n",
		cfg.Name, len(corpus.Files), corpus.Rows(), elapsed.Seconds(), float64(corpus.Rows())/elapsed.Seconds(),
		o.engine, precision, filepath.Join(o.out, o.detector))
	for _, warn := range q.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	scores, err := nab.OptimizeAll(corpus, res, nab.Profiles())
	if err != nil {
		return err
	}
	ours := map[string]float64{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nprofile\tthreshold\traw\tscore")
	for i, p := range nab.Profiles() {
		s := scores[i]
		ours[p.Name] = corpus.Normalize(p, s.Raw)
		o.last = ours
		fmt.Fprintf(tw, "%s\t%.6f\t%.4f\t%.2f\n", p.Name, s.Threshold, s.Raw, ours[p.Name])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := o.printPublished(w, ours); err != nil {
		return err
	}
	return o.writeReport(w, cfg.Name, corpus, res, traces, elapsed)
}

// printPublished prints NAB's published table (final_results.json, when
// the NAB folder has it) with this run's scores in it.
func (o *nabOptions) printPublished(w io.Writer, ours map[string]float64) error {
	data, err := os.ReadFile(filepath.Join(o.nabDir, "final_results.json"))
	if err != nil {
		return nil // not every NAB folder has it
	}
	var table map[string]map[string]float64
	if err := json.Unmarshal(data, &table); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(o.nabDir, "final_results.json"), err)
	}
	table[o.detector+" (this run)"] = ours
	names := make([]string, 0, len(table))
	for n := range table {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return table[names[i]]["standard"] > table[names[j]]["standard"] })
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "\nNAB's published scores (final_results.json) with this run:")
	fmt.Fprintln(tw, "detector\tstandard\treward_low_FP_rate\treward_low_FN_rate\t")
	for _, n := range names {
		s := table[n]
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%.2f\t\n", n, s["standard"], s["reward_low_FP_rate"], s["reward_low_FN_rate"])
	}
	return tw.Flush()
}
