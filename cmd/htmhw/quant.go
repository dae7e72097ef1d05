package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/quant"
	"github.com/htmhw/htmhw/series"
)

// quantOptions are the flags of quant.
type quantOptions struct {
	model, data, missing string
	bits                 []int
	out                  string
	jobs                 int
	init                 string
}

// newQuantCmd returns the quant command.
func newQuantCmd() *cobra.Command {
	var o quantOptions
	cmd := &cobra.Command{
		Use:   "quant --model M --data F.csv [--bits 4,6,8,10,12,16] [--out DIR]",
		Short: "Report what each bit of permanence precision costs against the float reference",
		Long: `Quant maps every float parameter of a model to the integers of the golden
model at each permanence width (docs/SPEC.md section 2) and lists, per width,
the integer, the value it stands for, the relative error, and a warning for
each parameter that rounds to zero or collides with another.

It then runs the float reference (htm.core v2.2.0 in float32, the engine of
htmhw trace --engine float) and the integer model at each width side by
side on the data, learning, and reports per width: the mean and minimum
Jaccard similarity of their active columns per step, the mean Jaccard
similarity of the columns they predict, the mean absolute difference and
Pearson correlation of the raw anomaly, the segment and synapse counts at the
end, and the memory image's size in bits (SP and TM memories).

Where the model's smallSteps (error) refuses a width, because a learning
step rounds to zero, the width is run twice instead, under smallSteps: lsb
and smallSteps: zero, the two remedies of the spec beside a wider
permanence.

With boosting on (sp.boostStrength above 0) every stream runs again with
boosting off, and the report shows per width the agreement with boosting
on beside the agreement with it off (what boosting's integer form costs),
and the error of the integer model's Q4.12 boost table.

With --init shared (the default) every integer model starts from the float
reference's initial SP pools and permanences, mapped to integers, so that
columns correspond; with --init own each draws its own, as htmhw run does,
and only the anomaly compares like with like.

The report is written to DIR (default quant-report) as report.md,
report.json and quant.png (agreement against bit width). The files are
written under temporary names and renamed at the end. The streams (one per
width and policy, plus the float reference) run --jobs at a time; a
progress bar is drawn on standard error when it is a terminal.`,
		Example: `  htmhw quant --model nab --data testdata/nab/art_daily_jumpsup.csv --out quant-nab
  htmhw quant --model hello --data testdata/nab/speed_7578.csv --bits 6,8,10 -j 2`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.model, "model", "m", "", "model file or preset name (see htmhw model list)")
	f.StringVarP(&o.data, "data", "d", "", "input CSV file with timestamp and value columns")
	f.StringVar(&o.missing, "missing", "fail", "what to do with a missing or non-finite value: fail, skip or hold")
	f.IntSliceVar(&o.bits, "bits", quant.DefaultWidths, "permanence widths to compare, 4 to 16")
	f.StringVarP(&o.out, "out", "o", "quant-report", "directory of the report")
	f.IntVarP(&o.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "streams to run at once")
	f.StringVar(&o.init, "init", "shared", "initial SP of the integer models: shared (the float reference's, mapped) or own")
	_ = cmd.MarkFlagRequired("model")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

// run runs the command.
func (o *quantOptions) run(cmd *cobra.Command) error {
	for _, b := range o.bits {
		if b < 4 || b > 16 {
			return fmt.Errorf("--bits %d: widths must be 4 to 16", b)
		}
	}
	if len(o.bits) == 0 {
		return errors.New("--bits: give at least one width")
	}
	if o.jobs < 1 {
		return fmt.Errorf("--jobs %d must be at least 1", o.jobs)
	}
	if o.init != "shared" && o.init != "own" {
		return fmt.Errorf("--init %q: want shared or own", o.init)
	}
	policy, err := series.ParsePolicy(o.missing)
	if err != nil {
		return fmt.Errorf("--missing: %w", err)
	}
	cfg, err := loadModel(o.model)
	if err != nil {
		return err
	}
	rows, err := series.ReadFile(o.data, series.Options{Missing: policy})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no rows to run (policy %v)", o.data, policy)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}

	start := time.Now()
	// Compare reports progress from several goroutines; the bar is made
	// once the total is known.
	var mu sync.Mutex
	var once sync.Once
	var prog *progress
	rep, err := quant.Compare(ctx, cfg, rows, quant.Options{
		Widths: o.bits,
		Jobs:   o.jobs,
		Init:   o.init,
		Progress: func(done, total int) {
			mu.Lock()
			defer mu.Unlock()
			once.Do(func() { prog = newProgress(cmd.ErrOrStderr(), total) })
			prog.update(done)
		},
	})
	mu.Lock()
	prog.finish()
	mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("interrupted")
		}
		return err
	}
	rep.Data = filepath.Base(o.data)

	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("data", o.data, "model", modelFile(o.model))
	defer outs.abort()
	for _, f := range []struct {
		name  string
		write func(*output) error
	}{
		{"report.md", func(w *output) error { return rep.WriteMarkdown(w) }},
		{"report.json", func(w *output) error { return rep.WriteJSON(w) }},
		{"quant.png", func(w *output) error { return rep.WritePNG(w) }},
	} {
		path := filepath.Join(o.out, f.name)
		w, err := outs.create("out", path)
		if err != nil {
			return err
		}
		if err := f.write(w); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprint(w, rep.Summary())
	fmt.Fprintf(w, "%s: %d rows, %d integer runs and the float reference in %v; wrote report.md, report.json and quant.png\n",
		o.out, len(rows), len(rep.Runs), time.Since(start).Round(time.Millisecond))
	return nil
}

// loadModel is model.Load, except that a preset's name is the preset even
// when a directory of that name is in the way (the repository's nab/).
func loadModel(name string) (*model.Config, error) {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() && !strings.ContainsAny(name, `/\.`) && slices.Contains(model.Presets(), name) {
		return model.Preset(name)
	}
	return model.Load(name)
}
