package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
)

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

// runBoard runs the rows on a board (runner.Board, or runner.Lockstep
// with --verify): load, encode on the host, step, score on the host. With
// --resume it attaches to the board instead and continues the --out of a
// run that stopped.
func (o *runOptions) runBoard(cmd *cobra.Command) error {
	start := time.Now()
	if err := o.checkBoardFlags(); err != nil {
		return err
	}
	rows, err := o.readRows()
	if err != nil {
		return err
	}
	im, err := o.boardImage(rows)
	if err != nil {
		return err
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return err
	}

	// --resume reads --out and replaces it with its continuation, on
	// purpose; every other input stays as it is.
	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("data", o.data, "model", modelFile(o.model), "image", o.image)
	defer outs.abort()
	sw, err := o.createScores(outs, cfg.Likelihood != nil, nil)
	if err != nil {
		return err
	}
	var stateOut *output
	if stateOut, err = outs.createIf("read-state", o.readState); err != nil {
		return err
	}

	uri := cmp.Or(o.board, driver.DefaultURI)
	sw.st.board = uri
	b, loaded, err := openBoard(cmd, uri)
	if err != nil {
		return err
	}
	defer b.Close()
	// A sim:// board lives in this process: it ends with the run, so a run
	// that stops cannot be resumed on it.
	_, inProcess := b.Bus().(*simbus.Bus)
	if o.resume && inProcess {
		return fmt.Errorf("--resume: %s is the simulator in this process, which ended with the run that stopped: nothing is left to resume; run again without --resume", uri)
	}
	eng, err := runner.NewBoard(b, im)
	if err != nil {
		return err
	}
	var (
		e        runner.Engine = eng
		lockstep *runner.Lockstep
	)
	if o.verify {
		if lockstep, err = runner.NewLockstep(eng, im); err != nil {
			return err
		}
		e = lockstep
	}
	ctx := cmd.Context()
	first, err := o.startBoard(ctx, eng, im, rows, sw)
	loaded()
	if err != nil {
		return err
	}

	if err := sw.run(cmd, e, rows, first); err != nil {
		return o.boardStopped(sw.scores, inProcess, err)
	}
	if err := sw.flush(); err != nil {
		return err
	}
	if stateOut != nil {
		if err := o.readBoardState(ctx, eng, lockstep, stateOut); err != nil {
			return err
		}
	}
	if err := sw.writePlot(plotTitle(cfg.Name, o.data)); err != nil {
		return err
	}
	if err := outs.commit(); err != nil {
		return err
	}
	sw.st.rows = len(rows)
	sw.st.wall = time.Since(start)
	sw.st.boardStats = o.boardStats(b, first, len(rows), stateOut != nil)
	_, err = fmt.Fprintln(cmd.ErrOrStderr(), sw.st.String())
	return err
}

// boardStats is the board's part of the summary line: its counters, where
// a resumed run resumed, and what --verify checked.
func (o *runOptions) boardStats(b *driver.Board, first, rows int, readState bool) string {
	bs := b.Stats()
	s := bs.String()
	if first > 0 {
		s += fmt.Sprintf("; resumed after row %d", first)
	}
	if o.verify {
		s += fmt.Sprintf("; %d steps match the simulator", rows)
		if readState {
			s += ", and so do the memories"
		}
	}
	return s
}

// checkBoardFlags refuses the flags a board run does not take.
func (o *runOptions) checkBoardFlags() error {
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
	return nil
}

// readRows reads --data under the --missing policy.
func (o *runOptions) readRows() ([]series.Row, error) {
	policy, err := series.ParsePolicy(o.missing)
	if err != nil {
		return nil, fmt.Errorf("--missing: %w", err)
	}
	rows, err := series.ReadFile(o.data, series.Options{Missing: policy})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows to run (policy %v)", o.data, policy)
	}
	return rows, nil
}

// openBoard opens the board at uri, with a bar of the memory words a load
// writes (a load over a slow link takes a while), which the returned
// function clears.
func openBoard(cmd *cobra.Command, uri string) (*driver.Board, func(), error) {
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
	return b, func() { loadBar.finish() }, err
}

// startBoard loads the image on the board and returns 0, the first row to
// step; with --resume it attaches to the board instead, writes the rows of
// --out the board has done again (checking their likelihood by replaying
// it) and returns the first row the board has not done.
func (o *runOptions) startBoard(ctx context.Context, eng *runner.Board, im *image.Image, rows []series.Row, sw *scoreWriter) (int, error) {
	if !o.resume {
		return 0, eng.Board.Load(ctx, im)
	}
	first, err := eng.Attach(ctx, im)
	if err != nil {
		return 0, err
	}
	if first > len(rows) {
		return 0, fmt.Errorf("--resume: the board has done %d steps of this image, %s has %d rows", first, o.data, len(rows))
	}
	kept, err := readKept(o.out, rows, first)
	if err != nil {
		return 0, err
	}
	for i, k := range kept {
		l := eng.Replay(rows[i], k.anomaly)
		if l != k.likelihood {
			return 0, fmt.Errorf("--resume: %s:%d: likelihood %v, the replay gives %v: not a run of this image", o.out, i+2, k.likelihood, l)
		}
		if err := sw.keep(rows[i], k); err != nil {
			return 0, err
		}
	}
	switch {
	case len(kept) == first:
	case len(kept) == first-1:
		// The board completed a step whose row was not written: its
		// outputs are still in the output registers.
		r, err := eng.Last(ctx, rows[first-1])
		if err != nil {
			return 0, fmt.Errorf("--resume: %s has %d rows, the board has done %d steps: %w", o.out, len(kept), first, err)
		}
		if err := sw.emit(rows[first-1], r); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("--resume: the board has done %d steps of this image, %s has only %d rows", first, o.out, len(kept))
	}
	return first, nil
}

// boardStopped is the error of a board run that ended early: an encoding
// error or a divergence from the simulator (--verify) as it is; for a run
// that stopped (interrupted, or the board stopped answering) the scores of
// the rows done are kept in --out on a board that outlives the run, so
// that --resume can go on; on the simulator in this process there is
// nothing to resume, and --out is left as it was.
func (o *runOptions) boardStopped(scores *output, inProcess bool, err error) error {
	done := 0
	if ie, ok := errors.AsType[*runner.InterruptedError](err); ok {
		done = ie.Done
	} else if re, ok := errors.AsType[*runner.RowError](err); ok {
		done = re.Index
		if de, ok := errors.AsType[*runner.DivergedError](re.Err); ok {
			return fmt.Errorf("--verify: %s:%d: %v", o.data, re.Row.Line, de)
		}
		if _, ok := errors.AsType[*driver.StoppedError](re.Err); !ok {
			return rowError(o.data, err)
		}
		err = rowError(o.data, err)
	} else {
		return err
	}
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

// readBoardState reads the board's memories back (--read-state), checks
// them against the simulator's with --verify, and writes them as an image.
func (o *runOptions) readBoardState(ctx context.Context, eng *runner.Board, lockstep *runner.Lockstep, out *output) error {
	read := eng.ReadState
	if lockstep != nil {
		read = lockstep.ReadState
	}
	learned, err := read(ctx)
	if err != nil {
		if de, ok := errors.AsType[*runner.DivergedError](err); ok {
			return fmt.Errorf("--verify: %v", de)
		}
		return fmt.Errorf("--read-state: %w", err)
	}
	if _, err := learned.WriteTo(out); err != nil {
		return fmt.Errorf("writing %s: %w", o.readState, err)
	}
	return nil
}
