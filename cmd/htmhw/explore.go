package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/explore"
	"github.com/htmhw/htmhw/internal/chart"
	"github.com/htmhw/htmhw/nab"
)

// exploreOptions are the flags of explore.
type exploreOptions struct {
	grid, nabDir, windows, out, cache string
	jobs                              int
	printGrid                         bool
}

// newExploreCmd returns the explore command.
func newExploreCmd() *cobra.Command {
	o := &exploreOptions{}
	cmd := &cobra.Command{
		Use:   "explore [--grid grid.yaml] --nab DIR --out DIR",
		Short: "Score a grid of model variants on NAB against their hardware cost",
		Long: `Explore runs htmhw's NAB detector over every variant of a grid of models
(package explore): each variant a base preset with its columns, cells per
column, segment pool, synapses per segment, or permanence width changed.
For each it reports the NAB scores (standard, reward_low_FP_rate,
reward_low_FN_rate), the memory image's bits, the parts that hold the image on
chip (the part table of htmhw image inspect), the simulator's mean cycles per
step over the grid's fixed series, and the steps per second at the clocks the
grid gives. It writes explore.csv, explore.json and the plot of NAB standard
score against image bits with the Pareto front (explore.svg, explore.png) to
--out, and prints the table and the best variant per part.

The grid is declared before the run (--grid, or the default grid: htmhw
explore --print-grid); nothing is tuned on the corpus. Choosing the best of many
variants on one corpus flatters the winner, so each variant is also scored on
a split of the files: its threshold optimised on half A (the files in name
order, alternately in A and B) and its score reported on
half B at that threshold.

Results are cached per variant under --cache (default --out/cache), keyed by
the variant's model and, for the cost, its architecture and the series: a rerun
or a larger grid only computes what is new.`,
		Example: `  htmhw explore --nab ../shared/data/nab --out explore-results -j 2
  htmhw explore --print-grid > grid.yaml
  htmhw explore --grid grid.yaml --nab ../shared/data/nab --out explore-results`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.grid, "grid", "", "grid file (YAML; default: the built-in grid)")
	f.StringVar(&o.nabDir, "nab", filepath.Join("..", "shared", "data", "nab"), "NAB folder with data/ and combined_windows.json")
	f.StringVar(&o.windows, "windows", "", "windows JSON (default: combined_windows.json in --nab, or labels/ under it)")
	f.StringVarP(&o.out, "out", "o", "explore-results", "folder for explore.csv, explore.json, explore.svg and explore.png")
	f.StringVar(&o.cache, "cache", "", "cache folder (default: --out/cache)")
	f.IntVarP(&o.jobs, "jobs", "j", 0, "files run in parallel (0: one per CPU)")
	f.BoolVar(&o.printGrid, "print-grid", false, "print the default grid and exit")
	return cmd
}

func (o *exploreOptions) run(cmd *cobra.Command) error {
	w := cmd.OutOrStdout()
	if o.printGrid {
		_, err := w.Write(explore.DefaultGridYAML)
		return err
	}
	g, err := explore.LoadGrid(o.grid)
	if err != nil {
		return err
	}
	windows := (&nabOptions{nabDir: o.nabDir, windows: o.windows}).windowsPath()
	dataDir := filepath.Join(o.nabDir, "data")
	corpus, err := nab.LoadCorpus(dataDir, windows)
	if err != nil {
		return err
	}
	cache := o.cache
	if cache == "" {
		cache = filepath.Join(o.out, "cache")
	}
	var (
		prog    *progress // nil off a terminal
		started bool
	)
	e := &explore.Explorer{Grid: g, Corpus: corpus, CacheDir: cache, Jobs: o.jobs,
		Progress: func(done, total int) {
			if !started {
				prog, started = newProgress(cmd.ErrOrStderr(), total), true
			}
			prog.update(done)
		}}
	if err := e.LoadSeries(dataDir); err != nil {
		return err
	}
	start := time.Now()
	rs, err := e.Run(cmd.Context())
	prog.finish()
	if err != nil {
		return err
	}
	cached := 0
	for _, r := range rs {
		if r.Cached {
			cached++
		}
	}
	fmt.Fprintf(w, "%s grid: %d variants (%d from the cache) on %d files in %.1f s; cycles over %s (%d steps)\n\n",
		g.Name, len(rs), cached, len(corpus.Files), time.Since(start).Seconds(), g.Series, len(e.Series))
	if err := explore.WriteSummary(w, rs); err != nil {
		return err
	}
	refs, err := explore.Published(filepath.Join(o.nabDir, "final_results.json"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	outs := (&outputs{stdout: w}).reads("grid", o.grid)
	defer outs.abort()
	for _, x := range []struct {
		name  string
		write func(f *output) error
	}{
		{"explore.csv", func(f *output) error { return explore.WriteCSV(f, rs) }},
		{"explore.json", func(f *output) error { return explore.WriteJSON(f, rs) }},
		{"explore.svg", func(f *output) error { return o.plot(f, "explore.svg", g.Name, rs, refs) }},
		{"explore.png", func(f *output) error { return o.plot(f, "explore.png", g.Name, rs, refs) }},
	} {
		p := filepath.Join(o.out, x.name)
		f, err := outs.create(x.name, p)
		if err != nil {
			return err
		}
		if err := x.write(f); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nwrote explore.csv, explore.json, explore.svg and explore.png in %s\n", o.out)
	return nil
}

func (o *exploreOptions) plot(f *output, name, grid string, rs []explore.Result, refs []explore.Reference) error {
	format, err := chart.FormatOf(name)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("htmhw explore (%s grid): NAB standard score against memory image size", grid)
	return explore.WritePlot(f, format, title, rs, refs)
}
