package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
)

// errFloatEngine is the answer to --engine float until that engine exists.
var errFloatEngine = errors.New("--engine float: the float engine arrives with the quant issue; only --engine int exists for now")

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
in htmhw run. The engine is int, the bit-exact golden model.`,
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
	switch o.engine {
	case "int":
	case "float":
		return errFloatEngine
	default:
		return fmt.Errorf("--engine %q: unknown engine (want int or float)", o.engine)
	}
	rows, region, err := o.prepare()
	if err != nil {
		return err
	}
	outs := &outputs{stdout: cmd.OutOrStdout()}
	defer outs.abort()
	out, err := outs.create("out", o.out)
	if err != nil {
		return err
	}
	tw := trace.NewWriter(out)
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	_, err = runRows(cmd.Context(), region, rows, true, o.data, prog, func(_ series.Row, res *model.Output) error {
		if err := tw.Write(region.TraceRow(res)); err != nil {
			return fmt.Errorf("writing %s: %w", o.out, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", o.out, err)
	}
	return outs.commit()
}
