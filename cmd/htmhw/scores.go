package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
)

// scoreWriter writes what run prints for each step: the scores row of
// --out, the --trace row, the --plot point and the summary's counts.
type scoreWriter struct {
	o      *runOptions
	scores *output
	regs   *trace.RegsWriter // --trace of a board: its registers
	golden *trace.Writer     // --trace of the golden model
	region *model.Region     // the golden model's region (its trace rows)
	plot   *output
	points []plotPoint
	st     summary
	line   []byte
}

// createScores creates --out (and writes its header), --trace and --plot.
// region is the golden model's, nil on a board.
func (o *runOptions) createScores(outs *outputs, likelihood bool, region *model.Region) (*scoreWriter, error) {
	sw := &scoreWriter{o: o, region: region, st: summary{likelihood: likelihood}}
	var err error
	if sw.scores, err = outs.create("out", o.out); err != nil {
		return nil, err
	}
	if o.trace != "" {
		out, err := outs.create("trace", o.trace)
		if err != nil {
			return nil, err
		}
		if region != nil {
			sw.golden = trace.NewWriter(out)
		} else {
			sw.regs = trace.NewRegsWriter(out)
		}
	}
	if sw.plot, err = outs.createIf("plot", o.plot); err != nil {
		return nil, err
	}
	if err := checkPlotPath(o.plot); err != nil {
		return nil, err
	}
	if _, err := sw.scores.WriteString(scoresHeader + "\n"); err != nil {
		return nil, fmt.Errorf("writing %s: %w", o.out, err)
	}
	return sw, nil
}

// run steps rows[first:] through e, writing each step, with a progress
// bar on standard error.
func (sw *scoreWriter) run(cmd *cobra.Command, e runner.Engine, rows []series.Row, first int) error {
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	defer prog.finish()
	var err error
	sw.st.compute, err = runner.Run(cmd.Context(), e, rows, first, !sw.o.noLearn, func(i int, r *runner.Result) error {
		if err := sw.emit(rows[i], r); err != nil {
			return err
		}
		prog.update(i + 1)
		return nil
	})
	return err
}

// emit writes one step.
func (sw *scoreWriter) emit(row series.Row, r *runner.Result) error {
	sw.st.add(r.Anomaly, r.Likelihood, row.Missing)
	sw.line = appendScore(sw.line[:0], row, r.Anomaly, r.Likelihood, r.Active, r.Predicted)
	if _, err := sw.scores.Write(sw.line); err != nil {
		return fmt.Errorf("writing %s: %w", sw.o.out, err)
	}
	var err error
	switch {
	case sw.regs != nil:
		err = sw.regs.Write(r.Regs)
	case sw.golden != nil:
		err = sw.golden.Write(sw.region.TraceRow(r.Output))
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", sw.o.trace, err)
	}
	if sw.plot != nil {
		sw.points = append(sw.points, plotPoint{row.Time, row.Value, r.Anomaly, r.Likelihood})
	}
	return nil
}

// keep writes again a row of the --out of an earlier run (--resume).
func (sw *scoreWriter) keep(row series.Row, k keptRow) error {
	sw.st.add(k.anomaly, k.likelihood, row.Missing)
	if _, err := sw.scores.WriteString(k.line + "\n"); err != nil {
		return fmt.Errorf("writing %s: %w", sw.o.out, err)
	}
	if sw.plot != nil {
		sw.points = append(sw.points, plotPoint{row.Time, row.Value, k.anomaly, k.likelihood})
	}
	return nil
}

// flush flushes the trace.
func (sw *scoreWriter) flush() error {
	var err error
	switch {
	case sw.regs != nil:
		err = sw.regs.Flush()
	case sw.golden != nil:
		err = sw.golden.Flush()
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", sw.o.trace, err)
	}
	return nil
}

// writePlot writes --plot, if asked for.
func (sw *scoreWriter) writePlot(title string) error {
	if sw.plot == nil {
		return nil
	}
	if err := sw.o.writePlot(sw.plot, sw.o.plot, sw.points, title, sw.o.data); err != nil {
		return fmt.Errorf("writing %s: %w", sw.o.plot, err)
	}
	return nil
}
