package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/quant/htmcore"
	"github.com/htmhw/htmhw/series"
)

// traceOptions are the flags of trace.
type traceOptions struct {
	inputFlags
	engine string
	out    string
}

// newTraceCmd returns the trace command.
func newTraceCmd() *cobra.Command {
	var o traceOptions
	cmd := &cobra.Command{
		Use:   "trace --engine int --model M --data F.csv [--out trace.csv]",
		Short: "Write the per-step trace of a region on a time series",
		Long: `Trace runs a region on a series, learning, and writes one row per input in
the trace format of htm.core's reference traces:

  ` + trace.Header + `

so that engines can be compared row by row (or with diff). The model's RDSE
resolution is derived from the whole file when the model asks for that, as
in htmhw run. The engine is int, the bit-exact golden model, or float, the
float32 reference with htm.core v2.2.0 semantics (quant/htmcore), whose
traces equal htm.core's own for the same model and data.`,
		Example: `  htmhw trace --engine int --model hello --data testdata/nab/speed_7578.csv --out speed.trace.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd)
		},
	}
	o.inputFlags.addTo(cmd)
	cmd.Flags().StringVar(&o.engine, "engine", "int", "engine to trace: int (the golden model) or float")
	cmd.Flags().StringVarP(&o.out, "out", "o", "-", `trace CSV file ("-" for standard output)`)
	_ = cmd.MarkFlagRequired("model")
	return cmd
}

// run runs the command.
func (o *traceOptions) run(cmd *cobra.Command) error {
	if o.engine != "int" && o.engine != "float" {
		return fmt.Errorf("--engine %q: unknown engine (want int or float)", o.engine)
	}
	rows, region, err := o.prepare()
	if err != nil {
		return err
	}
	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("data", o.data, "model", modelFile(o.model))
	defer outs.abort()
	out, err := outs.create("out", o.out)
	if err != nil {
		return err
	}
	tw := trace.NewWriter(out)
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	if o.engine == "float" {
		// The float engine runs the same configuration, with the
		// resolution prepare derived from the data.
		cfg := region.Config()
		eng, err := htmcore.NewEngineWithDate(&cfg)
		if err != nil {
			return fmt.Errorf("--engine float: %w", err)
		}
		for i, row := range rows {
			tr, err := eng.StepAt(row.Time, row.Value)
			if err != nil {
				return fmt.Errorf("%s:%d: %w", o.data, row.Line, err)
			}
			if err := tw.Write(tr); err != nil {
				return fmt.Errorf("writing %s: %w", o.out, err)
			}
			prog.update(i + 1)
		}
		prog.finish()
	} else {
		_, err = runRows(cmd.Context(), region, rows, true, o.data, prog, func(_ series.Row, res *model.Output) error {
			if err := tw.Write(region.TraceRow(res)); err != nil {
				return fmt.Errorf("writing %s: %w", o.out, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	return outs.commit()
}
