package runner_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
)

// TestEnginesAgree runs the same rows through every engine: the scores
// are the golden model's, bit for bit, and the simulator's and the
// board's registers agree step by step.
func TestEnginesAgree(t *testing.T) {
	const n = 300
	im, rows := drivertest.SmallImage(t, 0)
	rows = rows[:n]
	ctx := context.Background()

	region, err := im.Region()
	require.NoError(t, err)
	golden := collect(t, &runner.Golden{Region: region}, rows)

	s, err := runner.NewSim(im)
	require.NoError(t, err)
	b := driver.NewBoard(simbus.New(nil))
	require.NoError(t, b.Load(ctx, im))
	board, err := runner.NewBoard(b, im)
	require.NoError(t, err)
	b2 := driver.NewBoard(simbus.New(nil))
	require.NoError(t, b2.Load(ctx, im))
	eng2, err := runner.NewBoard(b2, im)
	require.NoError(t, err)
	lockstep, err := runner.NewLockstep(eng2, im)
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		e    runner.Engine
	}{
		{"sim", s},
		{"board", board},
		{"lockstep", lockstep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := collect(t, tc.e, rows)
			require.Len(t, got, n)
			for i := range got {
				g, w := got[i], golden[i]
				require.Equal(t, w.Anomaly, g.Anomaly, "row %d: anomaly", i)
				require.Equal(t, w.Likelihood, g.Likelihood, "row %d: likelihood", i)
				require.Equal(t, w.Active, g.Active, "row %d: active", i)
				require.Equal(t, w.Predicted, g.Predicted, "row %d: predicted", i)
				require.NotNil(t, g.Regs, "row %d: regs", i)
				assert.EqualValues(t, i, g.Regs.Step, "row %d: step", i)
			}
		})
	}
	learned, err := lockstep.ReadState(ctx)
	require.NoError(t, err)
	drivertest.RequireSameImage(t, s.Sim.Image(), learned)
}

// collect runs every row and returns copies of the results.
func collect(t *testing.T, e runner.Engine, rows []series.Row) []runner.Result {
	t.Helper()
	var out []runner.Result
	_, err := runner.Run(context.Background(), e, rows, 0, true, func(i int, r *runner.Result) error {
		require.Len(t, out, i)
		c := *r
		if c.Regs != nil {
			regs := *c.Regs
			c.Regs = &regs
		}
		out = append(out, c)
		return nil
	})
	require.NoError(t, err)
	return out
}

// failing fails at row fail, and counts its steps.
type failing struct {
	steps, fail int
}

var errFail = errors.New("no")

func (f *failing) Step(context.Context, series.Row, bool) (*runner.Result, error) {
	if f.steps == f.fail {
		return nil, errFail
	}
	f.steps++
	return &runner.Result{}, nil
}

func TestRunStops(t *testing.T) {
	rows := make([]series.Row, 10)
	for i := range rows {
		rows[i].Line = i + 2
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	stopFn := errors.New("fn")
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		first     int
		fail      int
		fnFail    int // row at which fn fails, -1 never
		wantSteps int
		check     func(t *testing.T, err error)
	}{
		{"all", context.Background(), 0, -1, -1, 10, func(t *testing.T, err error) { require.NoError(t, err) }},
		{"from 4", context.Background(), 4, -1, -1, 6, func(t *testing.T, err error) { require.NoError(t, err) }},
		{"engine fails", context.Background(), 0, 3, -1, 3, func(t *testing.T, err error) {
			re, ok := errors.AsType[*runner.RowError](err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, 3, re.Index)
			assert.Equal(t, 5, re.Row.Line)
			assert.ErrorIs(t, err, errFail)
			assert.EqualError(t, err, "row 3 (line 5): no")
		}},
		{"fn fails", context.Background(), 0, -1, 2, 3, func(t *testing.T, err error) { require.Equal(t, stopFn, err) }},
		{"interrupted", cancelled, 2, -1, -1, 0, func(t *testing.T, err error) {
			ie, ok := errors.AsType[*runner.InterruptedError](err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, runner.InterruptedError{Done: 2, Total: 10, Err: context.Canceled}, *ie)
			assert.ErrorIs(t, err, context.Canceled)
			assert.EqualError(t, err, "interrupted after 2 of 10 rows")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &failing{fail: tc.fail}
			_, err := runner.Run(tc.ctx, e, rows, tc.first, true, func(i int, _ *runner.Result) error {
				if i == tc.fnFail {
					return stopFn
				}
				return nil
			})
			tc.check(t, err)
			assert.Equal(t, tc.wantSteps, e.steps)
		})
	}
}
