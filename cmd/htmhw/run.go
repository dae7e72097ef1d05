package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
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

// runRows computes every row on the region, learning if learn, and calls
// step after each. It returns the time spent in Compute. Errors name the
// data file and line.
func runRows(ctx context.Context, r *model.Region, rows []series.Row, learn bool, data string, prog *progress, step func(series.Row, *model.Output) error) (time.Duration, error) {
	var busy time.Duration
	defer prog.finish()
	for i, row := range rows {
		if err := ctx.Err(); err != nil {
			return busy, fmt.Errorf("interrupted after %d of %d rows", i, len(rows))
		}
		t0 := time.Now()
		o, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, learn)
		busy += time.Since(t0)
		if err != nil {
			return busy, fmt.Errorf("%s:%d: %w", data, row.Line, err)
		}
		if err := step(row, o); err != nil {
			return busy, err
		}
		prog.update(i + 1)
	}
	return busy, nil
}

// runOptions are the flags of run.
type runOptions struct {
	inputFlags
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
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "", `scores CSV file ("-" for standard output)`)
	f.StringVar(&o.trace, "trace", "", "also write a trace (the format of htmhw trace) to this file")
	f.StringVar(&o.plot, "plot", "", "also write an SVG plot of anomaly and likelihood to this file")
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
	scores, err := outs.create("out", o.out)
	if err != nil {
		return err
	}
	var tw *trace.Writer
	var traceOut *output
	if o.trace != "" {
		if traceOut, err = outs.create("trace", o.trace); err != nil {
			return err
		}
		tw = trace.NewWriter(traceOut)
	}
	var plotOut, stateOut *output
	if plotOut, err = outs.createIf("plot", o.plot); err != nil {
		return err
	}
	if stateOut, err = outs.createIf("save-state", o.saveState); err != nil {
		return err
	}

	var (
		st   = summary{likelihood: region.Config().Likelihood != nil}
		plot []plotPoint
		line []byte
	)
	if plotOut != nil {
		plot = make([]plotPoint, 0, len(rows))
	}
	if _, err := scores.WriteString(scoresHeader + "\n"); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	st.compute, err = runRows(cmd.Context(), region, rows, !o.noLearn, o.data, prog, func(row series.Row, out *model.Output) error {
		a := out.Anomaly.Float64()
		st.add(a, out.Likelihood, row.Missing)
		line = appendScore(line[:0], row, a, out.Likelihood, len(out.ActiveColumns), len(out.PredictedColumns))
		if _, err := scores.Write(line); err != nil {
			return fmt.Errorf("writing %s: %w", o.out, err)
		}
		if tw != nil {
			if err := tw.Write(region.TraceRow(out)); err != nil {
				return fmt.Errorf("writing %s: %w", o.trace, err)
			}
		}
		if plotOut != nil {
			plot = append(plot, plotPoint{row.Time, a, out.Likelihood})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", o.trace, err)
		}
	}
	if plotOut != nil {
		if err := writePlot(plotOut, plot, plotTitle(region.Config().Name, o.data)); err != nil {
			return fmt.Errorf("writing %s: %w", o.plot, err)
		}
	}
	if stateOut != nil {
		if err := region.Save(stateOut); err != nil {
			return fmt.Errorf("writing %s: %w", o.saveState, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	st.rows = len(rows)
	st.wall = time.Since(start)
	st.segments, st.synapses = region.NumSegments(), region.NumSynapses()
	_, err = fmt.Fprintln(cmd.ErrOrStderr(), st.String())
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

// boardImage returns the image to load on the board: --image, or a fresh
// region of --model compiled with the default architecture (its RDSE
// resolution from the rows' range when the model asks for it).
func (o *runOptions) boardImage(rows []series.Row) (*image.Image, error) {
	if o.image != "" {
		return image.ReadFile(o.image)
	}
	if o.model == "" {
		return nil, errors.New("give --image (htmhw compile) or --model to run on a board")
	}
	cfg, err := model.Load(o.model)
	if err != nil {
		return nil, err
	}
	if cfg.NeedsRange() {
		cfg.ResolveResolution(series.Range(rows))
	}
	r, err := model.NewRegion(cfg)
	if err != nil {
		return nil, err
	}
	return image.Compile(r, image.DefaultArch())
}

// stopped ends a board run that stopped (interrupted, or the board stopped
// answering) after `done` rows. On a board that outlives the run, the
// scores of those rows are kept in --out, so that --resume can go on; on
// the simulator in this process there is nothing to resume, and --out is
// left as it was.
func (o *runOptions) stopped(scores *output, inProcess bool, done int, err error) error {
	if o.out == "-" {
		return err
	}
	if inProcess {
		return fmt.Errorf("%w; %s is unchanged (the simulator ends with this process: run again to redo the rows)", err, o.out)
	}
	if cerr := scores.commit(); cerr != nil {
		return fmt.Errorf("%w (and %w)", err, cerr)
	}
	return fmt.Errorf("%w; the scores of the first %d rows are in %s: continue with --resume", err, done, o.out)
}

// keptRow is a row of the --out of an earlier run, kept by --resume.
type keptRow struct {
	line                string // as written, without the newline
	anomaly, likelihood float64
	active, predicted   int
}

// readKept reads the first n rows of the scores file of an earlier run and
// checks each against its data row (timestamp and value) and that it
// parses. It returns fewer than n rows when the file has fewer.
func readKept(path string, rows []series.Row, n int) ([]keptRow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	lines := strings.Split(string(data), "\n")
	if lines[0] != scoresHeader {
		return nil, fmt.Errorf("--resume: %s is not a scores file (first line %q)", path, lines[0])
	}
	lines = lines[1:]
	// Only complete lines count.
	if len(lines) > 0 {
		lines = lines[:len(lines)-1]
	}
	kept := make([]keptRow, 0, min(n, len(lines)))
	var prefix []byte
	for i := 0; i < n && i < len(lines); i++ {
		line := lines[i]
		f := strings.Split(line, ",")
		if len(f) != 6 {
			return nil, fmt.Errorf("--resume: %s:%d: %d fields, want 6", path, i+2, len(f))
		}
		if i >= len(rows) {
			return nil, fmt.Errorf("--resume: %s has more rows than %s", path, "the data")
		}
		prefix = rows[i].Time.AppendFormat(prefix[:0], timeLayout)
		prefix = append(prefix, ',')
		prefix = strconv.AppendFloat(prefix, rows[i].Value, 'g', -1, 64)
		if f[0]+","+f[1] != string(prefix) {
			return nil, fmt.Errorf("--resume: %s:%d is %q, data row %d %q: not a run of this data", path, i+2, f[0]+","+f[1], i+1, prefix)
		}
		k := keptRow{line: line}
		var errs [4]error
		k.anomaly, errs[0] = strconv.ParseFloat(f[2], 64)
		k.likelihood, errs[1] = strconv.ParseFloat(f[3], 64)
		k.active, errs[2] = strconv.Atoi(f[4])
		k.predicted, errs[3] = strconv.Atoi(f[5])
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("--resume: %s:%d: %w", path, i+2, err)
		}
		kept = append(kept, k)
	}
	return kept, nil
}

// runBoard runs the rows on a board: load, encode on the host, step, score
// on the host. With --resume it attaches to the board instead and
// continues the --out of a run that stopped.
func (o *runOptions) runBoard(cmd *cobra.Command) error {
	start := time.Now()
	switch {
	case o.loadState != "":
		return errors.New("--load-state does not run on a board: compile the snapshot with htmhw compile --state and give --image")
	case o.saveState != "":
		return errors.New("--save-state is not available with a board: --read-state writes the board's memories as an image")
	case o.resume && (o.trace != "" || o.verify):
		return errors.New("--resume continues the scores only: --trace and --verify need a run from the image's start")
	case o.resume && o.out == "-":
		return errors.New(`--resume continues the --out file: "--out -" has none`)
	}
	policy, err := series.ParsePolicy(o.missing)
	if err != nil {
		return fmt.Errorf("--missing: %w", err)
	}
	rows, err := series.ReadFile(o.data, series.Options{Missing: policy})
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: no rows to run (policy %v)", o.data, policy)
	}
	im, err := o.boardImage(rows)
	if err != nil {
		return err
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return err
	}
	enc, err := sim.NewEncoder(cfg)
	if err != nil {
		return err
	}
	lik, err := cfg.Likelihood.New()
	if err != nil {
		return err
	}
	var ref *sim.Sim
	if o.verify {
		if ref, err = sim.New(im); err != nil {
			return err
		}
	}

	// --resume reads --out and replaces it with its continuation, on
	// purpose; every other input stays as it is.
	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("data", o.data, "model", modelFile(o.model), "image", o.image)
	defer outs.abort()
	scores, err := outs.create("out", o.out)
	if err != nil {
		return err
	}
	var tw *trace.RegsWriter
	if o.trace != "" {
		out, err := outs.create("trace", o.trace)
		if err != nil {
			return err
		}
		tw = trace.NewRegsWriter(out)
	}
	var plotOut, stateOut *output
	if plotOut, err = outs.createIf("plot", o.plot); err != nil {
		return err
	}
	if stateOut, err = outs.createIf("read-state", o.readState); err != nil {
		return err
	}

	uri := o.board
	if uri == "" {
		uri = driver.DefaultURI
	}
	// A load over a slow link takes a while: a bar of the memory words.
	var (
		loadBar     *progress
		loadStarted bool
	)
	b, err := driver.Open(uri, driver.WithLoadProgress(func(done, total int) {
		if !loadStarted {
			loadStarted = true
			if loadBar = newProgress(cmd.ErrOrStderr(), total); loadBar != nil {
				loadBar.unit = "words"
			}
		}
		loadBar.update(done)
	}))
	if err != nil {
		return err
	}
	defer b.Close()
	// A sim:// board lives in this process: it ends with the run, so a run
	// that stops cannot be resumed on it.
	_, inProcess := b.Bus().(*driver.SimBus)
	ctx := cmd.Context()
	first := 0 // the first row to step
	if o.resume && inProcess {
		return fmt.Errorf("--resume: %s is the simulator in this process, which ended with the run that stopped: nothing is left to resume; run again without --resume", uri)
	}
	if o.resume {
		n, err := b.Attach(ctx, im)
		if err != nil {
			return err
		}
		if n > uint64(len(rows)) {
			return fmt.Errorf("--resume: the board has done %d steps of this image, %s has %d rows", n, o.data, len(rows))
		}
		first = int(n)
	} else {
		err := b.Load(ctx, im)
		loadBar.finish()
		if err != nil {
			return err
		}
	}

	var (
		st   = summary{likelihood: lik != nil, board: uri}
		plot []plotPoint
		line []byte
	)
	if _, err := scores.WriteString(scoresHeader + "\n"); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	learn := !o.noLearn
	// emit scores one row from the board's output.
	emit := func(row series.Row, out *driver.Output) error {
		a, l := out.Anomaly(), 0.5
		if lik != nil {
			l = lik.UpdateWithValue(row.Value, a)
		}
		st.add(a, l, row.Missing)
		line = appendScore(line[:0], row, a, l, len(out.ActiveColumns), len(out.PredictedColumns))
		if _, err := scores.Write(line); err != nil {
			return fmt.Errorf("writing %s: %w", o.out, err)
		}
		if tw != nil {
			if err := tw.Write(out.Regs()); err != nil {
				return fmt.Errorf("writing %s: %w", o.trace, err)
			}
		}
		if plotOut != nil {
			plot = append(plot, plotPoint{row.Time, a, l})
		}
		return nil
	}
	if o.resume {
		kept, err := readKept(o.out, rows, first)
		if err != nil {
			return err
		}
		for i, k := range kept {
			// The likelihood is host state: it sees the kept rows again,
			// in order, and goes on as if it had never stopped.
			l := 0.5
			if lik != nil {
				l = lik.UpdateWithValue(rows[i].Value, k.anomaly)
				if l != k.likelihood {
					return fmt.Errorf("--resume: %s:%d: likelihood %v, the replay gives %v: not a run of this image", o.out, i+2, k.likelihood, l)
				}
			}
			st.add(k.anomaly, l, rows[i].Missing)
			if _, err := scores.WriteString(k.line + "\n"); err != nil {
				return fmt.Errorf("writing %s: %w", o.out, err)
			}
			if plotOut != nil {
				plot = append(plot, plotPoint{rows[i].Time, k.anomaly, l})
			}
		}
		switch {
		case len(kept) == first:
		case len(kept) == first-1:
			// The board completed a step whose row was not written: its
			// outputs are still in the output registers.
			out, err := b.LastOutput(ctx)
			if err != nil {
				return fmt.Errorf("--resume: %s has %d rows, the board has done %d steps: %w", o.out, len(kept), first, err)
			}
			if err := emit(rows[first-1], out); err != nil {
				return err
			}
		default:
			return fmt.Errorf("--resume: the board has done %d steps of this image, %s has only %d rows", first, o.out, len(kept))
		}
	}
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	for i := first; i < len(rows); i++ {
		row := rows[i]
		if ctx.Err() != nil {
			prog.finish()
			return o.stopped(scores, inProcess, i, fmt.Errorf("interrupted after %d of %d rows", i, len(rows)))
		}
		in, err := enc.Encode(row.Time, row.Value)
		if err != nil {
			prog.finish()
			return fmt.Errorf("%s:%d: %w", o.data, row.Line, err)
		}
		t0 := time.Now()
		out, err := b.Step(ctx, in, learn)
		st.compute += time.Since(t0)
		if err != nil {
			prog.finish()
			return o.stopped(scores, inProcess, i, fmt.Errorf("%s:%d: %w", o.data, row.Line, err))
		}
		if ref != nil {
			r, err := ref.Step(in, learn)
			if err != nil {
				prog.finish()
				return fmt.Errorf("%s:%d: simulator: %w", o.data, row.Line, err)
			}
			if m := trace.CompareRegs(r.Regs(out.Step), out.Regs(), i); m != nil {
				prog.finish()
				return fmt.Errorf("--verify: %s:%d: the board differs from the simulator: %v", o.data, row.Line, m)
			}
		}
		if err := emit(row, out); err != nil {
			prog.finish()
			return err
		}
		prog.update(i + 1)
	}
	prog.finish()
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", o.trace, err)
		}
	}
	if stateOut != nil {
		learned, err := b.ReadState(ctx)
		if err != nil {
			return fmt.Errorf("--read-state: %w", err)
		}
		if ref != nil {
			if d := image.Diff(learned, ref.Image()); d != nil {
				return fmt.Errorf("--verify: after the last row the board's memories differ from the simulator's: %v (board, simulator)", d)
			}
		}
		if _, err := learned.WriteTo(stateOut); err != nil {
			return fmt.Errorf("writing %s: %w", o.readState, err)
		}
	}
	if plotOut != nil {
		if err := writePlot(plotOut, plot, plotTitle(cfg.Name, o.data)); err != nil {
			return fmt.Errorf("writing %s: %w", o.plot, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	st.rows = len(rows)
	st.wall = time.Since(start)
	bs := b.Stats()
	st.boardStats = bs.String()
	if first > 0 {
		st.boardStats += fmt.Sprintf("; resumed after row %d", first)
	}
	if o.verify {
		st.boardStats += fmt.Sprintf("; %d steps match the simulator", len(rows))
		if stateOut != nil {
			st.boardStats += ", and so do the memories"
		}
	}
	_, err = fmt.Fprintln(cmd.ErrOrStderr(), st.String())
	return err
}
