package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/nab"
)

type nabAgreeOptions struct {
	nabOptions
	raw, rawDetector, markdown string
	engines                    []string
}

func newNABAgreeCmd() *cobra.Command {
	o := &nabAgreeOptions{}
	cmd := &cobra.Command{
		Use:   "agree",
		Short: "Compare the engines' per-step raw anomaly with a detector's published raw scores",
		Long: `Agree runs each engine of --engine over the NAB corpus, as htmhw nab does, and
compares every step's raw anomaly with the raw_score column of another
detector's results (NAB's results/<detector>/<category>/<detector>_<file>.csv,
optionally gzip-compressed, as ../shared/data/nab/results-raw/numenta holds
NuPIC's). Per file and engine it prints the rows, the rows whose score written
as NuPIC writes it (a float32 printed with 12 significant digits) is the
published field ("exact"), the rows within 1e-6, and the Pearson correlation
of the two columns; then each engine's NAB scores (thresholds optimised per
profile). --markdown FILE writes the same as a Markdown table.

The engines: int (the golden model), float (htm.core's semantics) and nupic
(quant/nupic: NuPIC 0.5.6 / nupic.core 0.4.10, NAB's numenta detector).`,
		Example: "  htmhw nab agree --nab ../shared/data/nab --raw ../shared/data/nab/results-raw/numenta \\\n" +
			"      --model nab-numenta --engine nupic,int -j 2 --markdown agree.md",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "nab-numenta", "model file or preset name")
	f.StringSliceVar(&o.engines, "engine", []string{"nupic", "int"}, "engines, comma-separated: int, float, nupic")
	f.IntVar(&o.bits, "bits", 0, "permanence width in bits of the int engine, overriding the model's (0: the model's)")
	f.StringVar(&o.nabDir, "nab", filepath.Join("..", "shared", "data", "nab"), "NAB folder with data/ and combined_windows.json")
	f.StringVar(&o.windows, "windows", "", "windows JSON (default: combined_windows.json in --nab, or labels/ under it)")
	f.StringVar(&o.raw, "raw", filepath.Join("..", "shared", "data", "nab", "results-raw", "numenta"), "the published results' folder: <category>/<detector>_<file>.csv[.gz]")
	f.StringVar(&o.rawDetector, "raw-detector", "", "the published detector's name, the files' prefix (default: the base name of --raw)")
	f.StringVar(&o.markdown, "markdown", "", "also write the table as Markdown to this file")
	f.IntVarP(&o.jobs, "jobs", "j", 0, "files run in parallel (0: one per CPU)")
	return cmd
}

// rawPath returns the published results file of a corpus file, gzipped
// or not.
func (o *nabAgreeOptions) rawPath(name string) (string, error) {
	det := o.rawDetector
	if det == "" {
		det = filepath.Base(o.raw)
	}
	dir, base := path.Split(name)
	p := filepath.Join(o.raw, filepath.FromSlash(dir), det+"_"+base)
	for _, c := range []string{p, p + ".gz"} {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no published results for %s: neither %s nor %s.gz", name, p, p)
}

type agreeRow struct {
	file string
	a    []nab.Agreement // per engine
}

func (o *nabAgreeOptions) run(cmd *cobra.Command) error {
	if len(o.engines) == 0 {
		return fmt.Errorf("--engine: no engine")
	}
	for _, e := range o.engines {
		if !slices.Contains([]string{string(nab.Int), string(nab.Float), string(nab.NuPIC)}, e) {
			return fmt.Errorf("--engine %q: want int, float or nupic", e)
		}
	}
	o.engine = string(nab.Int) // config's check; every engine reads the same model
	cfg, err := o.config()
	if err != nil {
		return err
	}
	corpus, err := nab.LoadCorpus(filepath.Join(o.nabDir, "data"), o.windowsPath())
	if err != nil {
		return err
	}
	refs := make(map[string][]string, len(corpus.Files))
	for _, f := range corpus.Files {
		p, err := o.rawPath(f.Name)
		if err != nil {
			return err
		}
		if refs[f.Name], err = nab.ReadRawScoresFile(p); err != nil {
			return err
		}
		if len(refs[f.Name]) != f.Len() {
			return fmt.Errorf("%s: %d published rows, the corpus file has %d", p, len(refs[f.Name]), f.Len())
		}
	}
	rows := make([]agreeRow, len(corpus.Files))
	for i, f := range corpus.Files {
		rows[i] = agreeRow{file: f.Name, a: make([]nab.Agreement, len(o.engines))}
	}
	scores := make([][]float64, len(o.engines))
	for k, e := range o.engines {
		prog := newProgress(cmd.ErrOrStderr(), corpus.Rows())
		var done atomic.Int64
		traces, err := nab.DetectTraces(cmd.Context(), nab.Engine(e), cfg, corpus, o.jobs, func(f *nab.File) {
			prog.update(int(done.Add(int64(f.Len()))))
		})
		prog.finish()
		if err != nil {
			return fmt.Errorf("engine %s: %w", e, err)
		}
		res := make(nab.Results, len(traces))
		for i, f := range corpus.Files {
			tr := traces[f.Name]
			res[f.Name] = tr.Scores
			if rows[i].a[k], err = nab.Agree(refs[f.Name], tr.Raw); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		ts, err := nab.OptimizeAll(corpus, res, nab.Profiles())
		if err != nil {
			return err
		}
		for i, p := range nab.Profiles() {
			scores[k] = append(scores[k], corpus.Normalize(p, ts[i].Raw))
		}
	}
	var b strings.Builder
	o.writeTable(&b, rows, scores)
	if _, err := io.WriteString(cmd.OutOrStdout(), b.String()); err != nil {
		return err
	}
	if o.markdown != "" {
		return os.WriteFile(o.markdown, []byte(b.String()), 0o644)
	}
	return nil
}

// writeTable writes the per-file table and the scores as Markdown.
func (o *nabAgreeOptions) writeTable(w io.Writer, rows []agreeRow, scores [][]float64) {
	det := o.rawDetector
	if det == "" {
		det = filepath.Base(o.raw)
	}
	fmt.Fprintf(w, "Per-step raw anomaly against %s's published raw_score (model %s)\n\n", det, o.model)
	fmt.Fprint(w, "| file | rows |")
	for _, e := range o.engines {
		fmt.Fprintf(w, " %s exact | %s ≤1e-6 | %s corr |", e, e, e)
	}
	fmt.Fprint(w, "\n| --- | ---: |")
	for range o.engines {
		fmt.Fprint(w, " ---: | ---: | ---: |")
	}
	fmt.Fprintln(w)
	tot := make([]nab.Agreement, len(o.engines))
	nrows, exactFiles := 0, make([]int, len(o.engines))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %d |", r.file, r.a[0].Rows)
		nrows += r.a[0].Rows
		for k, a := range r.a {
			fmt.Fprintf(w, " %d | %d | %s |", a.Exact, a.Close, corr(a.Corr))
			tot[k].Exact += a.Exact
			tot[k].Close += a.Close
			if a.Exact == a.Rows {
				exactFiles[k]++
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **all %d files** | **%d** |", len(rows), nrows)
	for _, a := range tot {
		fmt.Fprintf(w, " **%d** (%.2f %%) | **%d** | |", a.Exact, 100*float64(a.Exact)/float64(nrows), a.Close)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	for k, e := range o.engines {
		fmt.Fprintf(w, "- %s: %d of %d files equal on every row\n", e, exactFiles[k], len(rows))
	}
	fmt.Fprintln(w, "\nNAB scores of the engines' results (thresholds optimised per profile):")
	fmt.Fprintln(w, "\n| engine | standard | reward_low_FP_rate | reward_low_FN_rate |\n| --- | ---: | ---: | ---: |")
	for k, e := range o.engines {
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f |\n", e, scores[k][0], scores[k][1], scores[k][2])
	}
}

func corr(c float64) string {
	if math.IsNaN(c) {
		return "–"
	}
	return fmt.Sprintf("%.4f", c)
}
