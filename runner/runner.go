// Package runner runs a time series through an engine: the golden model
// (Golden), the cycle-level simulator (Sim) or a board (Board), each an
// Engine that turns one row into the same Result. It holds what the CLI
// used to do itself: encoding on the host and the host-side likelihood for
// the accelerator engines, lock-step verification of a board against the
// simulator (Lockstep), continuing on a board that stopped (Board.Attach,
// Replay, Last), and the loop that steps the rows (Run), so that
// cmd/htmhw only parses flags and prints.
package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// Engine computes a region one row at a time.
type Engine interface {
	// Step computes one row, learning if learn.
	Step(ctx context.Context, row series.Row, learn bool) (*Result, error)
}

// Result is one step of an engine.
type Result struct {
	Anomaly    float64 // raw anomaly: the fraction of active columns not predicted
	Likelihood float64 // anomaly likelihood; 0.5 when the model has none
	Active     int     // active columns
	Predicted  int     // columns predicted for this step

	// Regs is the step's register trace row (trace.RegsWriter), from the
	// simulator and a board; nil from the golden model. It shares the
	// engine's buffers until the next Step.
	Regs *trace.Regs
	// Output is the golden model's output (Region.TraceRow), nil from the
	// other engines.
	Output *model.Output
	// Sim is the simulator's result (cycles per phase), nil from the other
	// engines.
	Sim *sim.Result
}

// RowError is the error of the row at Index (from 0) of a Run: Err is
// the engine's
// (a *driver.StoppedError from a board that stopped answering).
type RowError struct {
	Index int
	Row   series.Row
	Err   error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("row %d (line %d): %v", e.Index, e.Row.Line, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// InterruptedError is the error of a Run whose context ended after Done
// of Total rows.
type InterruptedError struct {
	Done, Total int
	Err         error // the context's
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted after %d of %d rows", e.Done, e.Total)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// Run steps rows[first:] through e, learning if learn, and calls fn (if
// not nil) after each step with the row's index in rows and the result.
// It returns the time spent in the engine's Step. It stops at the first
// error: an *InterruptedError when ctx ends between rows, a *RowError
// when the engine fails, or fn's error as it is.
func Run(ctx context.Context, e Engine, rows []series.Row, first int, learn bool, fn func(i int, r *Result) error) (time.Duration, error) {
	var busy time.Duration
	for i := first; i < len(rows); i++ {
		if err := ctx.Err(); err != nil {
			return busy, &InterruptedError{Done: i, Total: len(rows), Err: err}
		}
		t0 := time.Now()
		r, err := e.Step(ctx, rows[i], learn)
		busy += time.Since(t0)
		if err != nil {
			return busy, &RowError{Index: i, Row: rows[i], Err: err}
		}
		if fn != nil {
			if err := fn(i, r); err != nil {
				return busy, err
			}
		}
	}
	return busy, nil
}

// Golden is the golden model as an Engine: the region encodes the row,
// computes and scores it.
type Golden struct {
	Region *model.Region
}

// Step implements Engine.
func (g *Golden) Step(_ context.Context, row series.Row, learn bool) (*Result, error) {
	out, err := g.Region.Compute(model.Input{Time: row.Time, Value: row.Value}, learn)
	if err != nil {
		return nil, err
	}
	return &Result{
		Anomaly:    out.Anomaly.Float64(),
		Likelihood: out.Likelihood,
		Active:     len(out.ActiveColumns),
		Predicted:  len(out.PredictedColumns),
		Output:     out,
	}, nil
}
