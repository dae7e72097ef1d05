package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/internal/bench"
	"github.com/htmhw/htmhw/series"
)

// benchOptions are the flags of bench.
type benchOptions struct {
	data     string
	presets  []string
	engines  []string
	steps    int
	columns  []int
	segments []int
	passes   int
	htmcore  string
	runs     int
	plot     string
}

// newBenchCmd returns the bench command.
func newBenchCmd() *cobra.Command {
	var o benchOptions
	cmd := &cobra.Command{
		Use:   "bench [--data F.csv] [--preset P,...] [--engine E,...] [--htmcore DRIVER]",
		Short: "Time the engines per step on a region trained on a series",
		Long: `Bench prints the milliseconds per step of each engine (int: the golden model,
float: the htm.core-exact float reference, sim: the cycle-level simulator)
and preset on a region that has learned the series: each case learns the
first rows of --data (not timed), then times the next --steps rows,
learning. By default the trained rows are all but the last --steps; with
--segments, as many as the golden model needs to hold that many segments.
sim starts from the trained golden model's memory image.

Presets are the shipped ones and nab-trace, the nab preset of the htm.core
reference traces (no date encoder). --columns sets the SP's columns.

--htmcore names an htm.core trace driver (docs/BENCHMARKS.md says how to
build one; nothing of htm.core is in this repository), run as
"DRIVER F.csv rows=N key=value..." with the case's parameters: its cost of
the same rows is T(trained+steps rows) − T(trained rows), whole processes,
alternated --runs times, medians. Times are wall and CPU (user+system of
the process); the machine's load average is printed with them, since
other processes slow both.

--plot F.svg|F.png draws the CPU ms/step of every engine (and htm.core)
against the columns (several --columns) or the segments (several
--segments) of the cases.`,
		Example: `  htmhw bench
  htmhw bench --preset hello --engine int --columns 1024,2048,4096,8192 --htmcore /tmp/htmcore-driver/driver
  htmhw bench --preset nab-trace --engine int --segments 5000,10000 --htmcore /tmp/htmcore-driver/driver
  htmhw bench --preset hello --engine int,sim --columns 1024,2048,4096,8192 --plot hello-columns.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", filepath.Join("testdata", "nab", "nyc_taxi.csv"), "series CSV (timestamp,value)")
	f.StringSliceVar(&o.presets, "preset", []string{"nab-trace", "hello"}, "presets: "+strings.Join(bench.Presets(), ", "))
	f.StringSliceVar(&o.engines, "engine", bench.Engines, "engines: "+strings.Join(bench.Engines, ", "))
	f.IntVar(&o.steps, "steps", 1000, "rows timed per case")
	f.IntSliceVar(&o.columns, "columns", nil, "SP columns per case (default: the preset's)")
	f.IntSliceVar(&o.segments, "segments", nil, "train until the golden model holds this many segments (default: all rows but the timed ones)")
	f.IntVar(&o.passes, "passes", 1, "repeat the series this many times (to reach more segments)")
	f.StringVar(&o.htmcore, "htmcore", "", "htm.core trace driver to time on the same rows")
	f.IntVar(&o.runs, "runs", 3, "driver runs per case (medians)")
	f.StringVar(&o.plot, "plot", "", "also draw CPU ms/step against the columns or segments to this .svg or .png")
	return cmd
}

// loadAverage returns the first line of /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func (o *benchOptions) run(w io.Writer) error {
	if o.steps < 1 {
		return fmt.Errorf("--steps %d: want at least 1", o.steps)
	}
	if o.passes < 1 {
		return fmt.Errorf("--passes %d: want at least 1", o.passes)
	}
	for _, e := range o.engines {
		if !slices.Contains(bench.Engines, e) {
			return fmt.Errorf("--engine %q: unknown (want %s)", e, strings.Join(bench.Engines, ", "))
		}
	}
	var pl *benchPlot
	if o.plot != "" {
		var err error
		if pl, err = o.newPlot(); err != nil {
			return err
		}
	}
	one, err := readRows(o.data)
	if err != nil {
		return err
	}
	rows := make([]series.Row, 0, len(one)*o.passes)
	for range o.passes {
		rows = append(rows, one...)
	}
	data := o.data
	if o.passes > 1 && o.htmcore != "" {
		// The driver reads the repeated series from a file.
		if data, err = writeRepeated(one, o.passes); err != nil {
			return err
		}
		defer os.Remove(data)
	}
	columns, segments := o.columns, o.segments
	if len(columns) == 0 {
		columns = []int{0}
	}
	if len(segments) == 0 {
		segments = []int{0}
	}
	fmt.Fprintf(w, "series %s (%d rows", o.data, len(one))
	if o.passes > 1 {
		fmt.Fprintf(w, " × %d passes", o.passes)
	}
	fmt.Fprintf(w, "), %d timed steps per case; %s/%s, %d CPUs, GOMAXPROCS %d, %s\n", o.steps, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "load average before: %s\n", loadAverage())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "preset\tcolumns\tengine\ttrained rows\tsegments\tms/step\tCPU ms/step\tallocs/step\thtm.core ms/step\thtm.core CPU\tratio CPU\t")
	for _, preset := range o.presets {
		for _, cols := range columns {
			cfg, err := bench.Config(preset, rows, cols)
			if err != nil {
				return err
			}
			for _, segs := range segments {
				train := len(rows) - o.steps
				if segs > 0 {
					if train, err = bench.TrainForSegments(cfg, rows[:len(rows)-o.steps], segs); err != nil {
						return err
					}
				}
				if train < 1 {
					return fmt.Errorf("%s: %d rows leave none to train before %d timed steps", o.data, len(rows), o.steps)
				}
				var intCPU float64
				for _, engine := range o.engines {
					c := bench.Case{Engine: engine, Config: cfg, Rows: rows, Train: train}
					r, err := c.Measure(o.steps)
					if err != nil {
						return fmt.Errorf("%s %s: %w", preset, engine, err)
					}
					wall, cpu := r.PerStep()
					if engine == "int" {
						intCPU = cpu
					}
					pl.add(preset, engine, cfg.SP.ColumnDimensions[0], r.Segments, cpu)
					fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%.3f\t%.3f\t%.1f\t\t\t\t\n", preset, cfg.SP.ColumnDimensions[0], engine, train, r.Segments, wall, cpu, float64(r.Allocs)/float64(r.Steps))
				}
				if o.htmcore != "" {
					args, err := bench.DriverArgs(preset, cols)
					if err != nil {
						return err
					}
					c := bench.Case{Config: cfg, Rows: rows, Train: train}
					d, err := c.MeasureDriver(o.htmcore, data, args, o.steps, o.runs)
					if err != nil {
						return fmt.Errorf("%s: %w", preset, err)
					}
					wall, cpu := d.PerStep()
					ratio := "-"
					if intCPU > 0 {
						ratio = strconv.FormatFloat(cpu/intCPU, 'f', 1, 64) + "x"
					}
					fmt.Fprintf(tw, "%s\t%d\thtm.core\t%d\t%d\t\t\t\t%.3f\t%.3f\t%s\t\n", preset, cfg.SP.ColumnDimensions[0], train, d.Segments, wall, cpu, ratio)
					pl.add(preset, "htm.core", cfg.SP.ColumnDimensions[0], d.Segments, cpu)
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "load average after: %s\n", loadAverage())
	if pl != nil {
		if err := pl.write(o.plot, "CPU ms/step on "+filepath.Base(o.data)+" after training"); err != nil {
			return err
		}
		fmt.Fprintf(w, "plot: %s\n", o.plot)
	}
	return nil
}

// writeRepeated writes the rows passes times to a temporary CSV and
// returns its path.
func writeRepeated(rows []series.Row, passes int) (string, error) {
	f, err := os.CreateTemp("", "htmhw-bench-*.csv")
	if err != nil {
		return "", fmt.Errorf("bench: %w", err)
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "timestamp,value")
	for range passes {
		for _, r := range rows {
			fmt.Fprintf(bw, "%s,%s\n", r.Time.Format("2006-01-02 15:04:05"), strconv.FormatFloat(r.Value, 'g', -1, 64))
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return "", fmt.Errorf("bench: writing %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("bench: writing %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}
