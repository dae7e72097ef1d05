package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
)

// scoresHeader is the first line of the output of run.
const scoresHeader = "timestamp,value,anomaly,likelihood,active_columns,predicted_columns"

// timeLayout is the layout of the timestamps run writes.
const timeLayout = "2006-01-02 15:04:05"

// inputFlags are the flags that say which region runs on which data,
// shared by run and trace.
type inputFlags struct {
	model     string // model file or preset name
	data      string // CSV file
	missing   string // missing-value policy
	loadState string // snapshot to resume from (run only)
}

// addTo registers the flags on cmd.
func (f *inputFlags) addTo(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.model, "model", "m", "", "model file or preset name (see htmhw model list)")
	cmd.Flags().StringVarP(&f.data, "data", "d", "", "input CSV file with timestamp and value columns")
	cmd.Flags().StringVar(&f.missing, "missing", "fail", "what to do with a missing or non-finite value: fail, skip or hold")
	_ = cmd.MarkFlagRequired("data")
}

// prepare reads the data and returns it with the region to run on it: the
// region of the model, its RDSE resolution derived from the data's range
// when the model asks for that, or the region of the snapshot.
func (f *inputFlags) prepare() ([]series.Row, *model.Region, error) {
	if f.model == "" && f.loadState == "" {
		return nil, nil, errors.New(`give a model with --model (a file or one of the presets, see "htmhw model list")`)
	}
	policy, err := series.ParsePolicy(f.missing)
	if err != nil {
		return nil, nil, fmt.Errorf("--missing: %w", err)
	}
	var cfg *model.Config
	if f.model != "" {
		if cfg, err = model.Load(f.model); err != nil {
			return nil, nil, err
		}
	}
	rows, err := series.ReadFile(f.data, series.Options{Missing: policy})
	if err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: no rows to run (policy %v)", f.data, policy)
	}
	if f.loadState != "" {
		r, err := loadSnapshot(f.loadState)
		if err != nil {
			return nil, nil, err
		}
		if cfg != nil {
			if err := checkSameModel(cfg, r); err != nil {
				return nil, nil, fmt.Errorf("--model %s and --load-state %s: %w", f.model, f.loadState, err)
			}
		}
		return rows, r, nil
	}
	if cfg.NeedsRange() {
		cfg.ResolveResolution(series.Range(rows))
	}
	r, err := model.NewRegion(cfg)
	if err != nil {
		return nil, nil, err
	}
	return rows, r, nil
}

// modelFile returns the --model argument when it names a file (not a
// preset), for the inputs an output must not replace.
func modelFile(arg string) string {
	if fi, err := os.Stat(arg); err == nil && !fi.IsDir() {
		return arg
	}
	return ""
}

// loadSnapshot reads the region saved in a snapshot file.
func loadSnapshot(path string) (*model.Region, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := model.LoadRegion(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// checkSameModel returns an error unless the configuration is the one the
// region runs, once given the region's data-derived resolution.
func checkSameModel(cfg *model.Config, r *model.Region) error {
	have := r.Config()
	want := *cfg
	if want.NeedsRange() {
		want.Encoder.RDSE.Resolution = have.Encoder.RDSE.Resolution
		want.Encoder.RDSE.ResolutionBuckets = 0
		want.Encoder.RDSE.RangePadding = 0
	}
	// YAML, unlike JSON, prints a nil and an empty list alike.
	a, err1 := yaml.Marshal(have)
	b, err2 := yaml.Marshal(want)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	if string(a) != string(b) {
		return fmt.Errorf("the snapshot holds a different model (%q); leave out --model to run the snapshot's", have.Name)
	}
	return nil
}

// runRows computes every row on the region (runner.Golden), learning if
// learn, and calls step after each. It returns the time spent in Compute.
// Errors name the data file and line.
func runRows(ctx context.Context, r *model.Region, rows []series.Row, learn bool, data string, prog *progress, step func(series.Row, *model.Output) error) (time.Duration, error) {
	defer prog.finish()
	busy, err := runner.Run(ctx, &runner.Golden{Region: r}, rows, 0, learn, func(i int, res *runner.Result) error {
		if err := step(rows[i], res.Output); err != nil {
			return err
		}
		prog.update(i + 1)
		return nil
	})
	return busy, rowError(data, err)
}

// rowError names the data file and line of a runner.RowError.
func rowError(data string, err error) error {
	if re, ok := errors.AsType[*runner.RowError](err); ok {
		return fmt.Errorf("%s:%d: %w", data, re.Row.Line, re.Err)
	}
	return err
}

// runOptions are the flags of run.
type runOptions struct {
	inputFlags
	plotFlags
	out       string
	trace     string
	plot      string
	saveState string
	readState string // board mode: the board's memories after the last row
	noLearn   bool
	board     string // board URI (board mode)
	image     string // memory image to load (board mode)
	verify    bool   // lock-step against the simulator (board mode)
	resume    bool   // attach to the board and continue --out (board mode)
}

// newRunCmd returns the run command.
func newRunCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run (--model M | --image region.img) [--board URI] --data F.csv --out scores.csv",
		Short: "Run a region on a time series and write its anomaly scores",
		Long: `Run computes every row of a series on an HTM region, learning as it goes,
and writes one CSV row per input:

  ` + scoresHeader + `

with the timestamp as YYYY-MM-DD HH:MM:SS, the raw anomaly (the fraction of
active columns that were not predicted), the anomaly likelihood (0.5 when the
model has no likelihood section), the number of active columns and the
number of columns that were predicted for the row. Rows dropped by --missing skip produce no output
row; under --missing hold a missing value is computed as the value before it.

When the model derives its RDSE resolution from the data (resolutionBuckets),
the range of the whole file is used.

--save-state writes a snapshot of the region after the last row.
--load-state resumes a saved region instead of making a new one: it goes on
with the given data from its first row (the data is not matched against the
rows the snapshot has seen) and keeps the snapshot's model, including its
resolution; --model may be left out, and if given must be the same model.

With --image (a memory image from htmhw compile) or --board, the region runs
on a board (docs/ARCHITECTURE.md): the image is loaded, each row is encoded on
the host with the image's encoders, stepped on the board exactly once, and
the likelihood is computed on the host from the image's likelihood section.
The scores are the golden model's, bit for bit. --board names the board:
sim:// (the default, the cycle-level simulator in this process), or a
transport: serial:///dev/ttyUSB1?baud=3000000, tcp://host:port, xdma:///dev/xdma0.
Without --image the board runs a fresh region of --model. With a board,
--trace writes the register trace (` + trace.RegsHeader + `)
that htmhw verify checks, and --verify runs the cycle-level simulator in
lock-step and stops at the first step whose registers differ. --read-state
reads the board's memories back after the last row (each memory checked
with its CRC_VALUE) and writes them as a memory image, the learned state,
which runs on with --image; with --verify they must also equal the
simulator's, word for word. --save-state and --load-state are not
available with a board (compile a snapshot with htmhw compile --state).

A board that stops answering, or an interrupt (SIGINT, SIGTERM, SIGHUP), ends
the run with an error that names the last completed step; on a board that
outlives the run (any but sim://) the scores of the rows completed so far are
then kept in --out. --resume continues such a run: it attaches to the board without
loading it (the board's identity is checked against the image), reads the
steps it has done since the image's step count, n, keeps the first n rows of
--out (which must be there, for the same data, and parse), replays the
host-side likelihood over them from their raw anomaly column, and continues
from row n. If the board completed one step whose row was not written, its
outputs are read back from the board's output registers. The result is
byte for byte the scores of an uninterrupted run. --resume needs the --image
of the first run (or the same --model and data) and refuses --trace, --verify,
"--out -" and sim:// (whose board ended with the run that stopped: such a run
leaves --out as it was).

Every output file is written under a temporary name and renamed at the end,
so a run that fails leaves the files of an earlier run as they were (except
the scores of a board run that stops answering, see above).
"--out -" writes the scores to standard output. A progress bar is drawn on
standard error when it is a terminal, and a summary line at the end.`,
		Example: `  htmhw run --model nab --data testdata/nab/art_daily_jumpsup.csv --out scores.csv --plot anomaly.svg
  htmhw compile --model nab --data testdata/nab/art_daily_jumpsup.csv -o region.img
  htmhw run --image region.img --data testdata/nab/art_daily_jumpsup.csv --out scores.csv --plot scores.svg
  htmhw run --board serial:///dev/ttyUSB1?baud=3000000 --image region.img --data d.csv --out s.csv --trace hw.trace --verify
  htmhw run --model hello --data first.csv --out a.csv --save-state hello.snap
  htmhw run --load-state hello.snap --data rest.csv --out b.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd)
		},
	}
	o.inputFlags.addTo(cmd)
	o.plotFlags.addTo(cmd)
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "", `scores CSV file ("-" for standard output)`)
	f.StringVar(&o.trace, "trace", "", "also write a trace (the format of htmhw trace) to this file")
	f.StringVar(&o.plot, "plot", "", "also write a plot (SVG or PNG by the extension) of the series, anomaly and likelihood to this file")
	f.StringVar(&o.saveState, "save-state", "", "write a snapshot of the region after the last row to this file")
	f.StringVar(&o.readState, "read-state", "", "with a board: read its memories back after the last row and write them as an image to this file")
	f.StringVar(&o.loadState, "load-state", "", "resume the region saved in this snapshot instead of making a new one")
	f.BoolVar(&o.noLearn, "no-learn", false, "compute without learning")
	f.StringVar(&o.board, "board", "", "run on this board (sim://, serial://, tcp://, xdma://, spi://); default sim:// with --image")
	f.StringVar(&o.image, "image", "", "memory image to load on the board (htmhw compile)")
	f.BoolVar(&o.verify, "verify", false, "with a board: run the cycle-level simulator in lock-step and stop at the first divergence")
	f.BoolVar(&o.resume, "resume", false, "with a board: attach to it without loading and continue the --out of a run that stopped")
	_ = cmd.MarkFlagRequired("out")
	cmd.MarkFlagsMutuallyExclusive("image", "model")
	cmd.MarkFlagsMutuallyExclusive("image", "load-state")
	return cmd
}

// run runs the command.
func (o *runOptions) run(cmd *cobra.Command) error {
	if o.image != "" || o.board != "" {
		return o.runBoard(cmd)
	}
	if o.verify {
		return errors.New("--verify needs a board: give --image or --board")
	}
	if o.resume {
		return errors.New("--resume needs a board: give --board and --image")
	}
	if o.readState != "" {
		return errors.New("--read-state needs a board (give --board or --image); --save-state saves the golden model's region")
	}
	start := time.Now()
	rows, region, err := o.prepare()
	if err != nil {
		return err
	}

	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("data", o.data, "model", modelFile(o.model), "load-state", o.loadState)
	defer outs.abort()
	sw, err := o.createScores(outs, region.Config().Likelihood != nil, region)
	if err != nil {
		return err
	}
	stateOut, err := outs.createIf("save-state", o.saveState)
	if err != nil {
		return err
	}
	if err := sw.run(cmd, &runner.Golden{Region: region}, rows, 0); err != nil {
		return rowError(o.data, err)
	}
	if err := sw.flush(); err != nil {
		return err
	}
	if err := sw.writePlot(plotTitle(region.Config().Name, o.data)); err != nil {
		return err
	}
	if stateOut != nil {
		if err := region.Save(stateOut); err != nil {
			return fmt.Errorf("writing %s: %w", o.saveState, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	sw.st.rows = len(rows)
	sw.st.wall = time.Since(start)
	sw.st.segments, sw.st.synapses = region.NumSegments(), region.NumSynapses()
	_, err = fmt.Fprintln(cmd.ErrOrStderr(), sw.st.String())
	return err
}

// appendScore appends the output row of one step to b.
func appendScore(b []byte, row series.Row, anomaly, likelihood float64, active, predicted int) []byte {
	b = row.Time.AppendFormat(b, timeLayout)
	b = append(b, ',')
	b = strconv.AppendFloat(b, row.Value, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, anomaly, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendFloat(b, likelihood, 'g', -1, 64)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(active), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(predicted), 10)
	return append(b, '\n')
}

// summary is what run reports when it is done.
type summary struct {
	rows               int
	held               int
	wall, compute      time.Duration
	sumAnomaly         float64
	maxLikelihood      float64
	likelihood         bool // the model has a likelihood
	segments, synapses int
	board              string // the board's URI, when run on one
	boardStats         string
}

// add counts one step.
func (s *summary) add(anomaly, likelihood float64, held bool) {
	s.sumAnomaly += anomaly
	s.maxLikelihood = math.Max(s.maxLikelihood, likelihood)
	if held {
		s.held++
	}
}

// String returns the summary line.
func (s *summary) String() string {
	var b []byte
	b = fmt.Appendf(b, "%d rows", s.rows)
	if s.held > 0 {
		b = fmt.Appendf(b, " (%d held)", s.held)
	}
	perStep := 0.0
	mean := 0.0
	if s.rows > 0 {
		perStep = float64(s.compute.Microseconds()) / float64(s.rows)
		mean = s.sumAnomaly / float64(s.rows)
	}
	b = fmt.Appendf(b, " in %v, %.0f µs/step, mean anomaly %.4f, ", s.wall.Round(time.Millisecond), perStep, mean)
	if s.likelihood {
		b = append(b, "max likelihood "...)
		b = strconv.AppendFloat(b, s.maxLikelihood, 'g', -1, 64)
	} else {
		b = append(b, "no likelihood"...)
	}
	if s.board != "" {
		b = fmt.Appendf(b, ", on %s: %s", s.board, s.boardStats)
	} else {
		b = fmt.Appendf(b, ", %d segments, %d synapses", s.segments, s.synapses)
	}
	return string(b)
}
