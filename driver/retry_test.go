package driver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/sim"
)

// narrowBus times out on every read of more than most words, as a link
// that loses a byte in nearly every long answer does.
type narrowBus struct {
	driver.Bus
	most, failed int
}

func (n *narrowBus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if len(dst) > n.most {
		n.failed++
		return fmt.Errorf("narrow: %w", driver.ErrTimeout)
	}
	return n.Bus.Read(ctx, addr, dst, incr)
}

// TestBoardShrinksExchanges: on a link where long answers never arrive,
// the board goes on in shorter exchanges, with its default retries: every
// output is still the golden model's.
func TestBoardShrinksExchanges(t *testing.T) {
	im, rows := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &narrowBus{Bus: simbus.New(dev), most: 255}
	b := driver.NewBoard(bus)
	require.NoError(t, b.Load(context.Background(), im))
	bus.most = 6 // shorter than OUT_BUF's reads
	lockstep(t, b, im, rows[:100])
	require.EqualValues(t, 100, dev.Steps()-im.Section("regs").Words[0])
	st := b.Stats()
	require.NotZero(t, bus.failed)
	t.Logf("%d reads of more than %d words refused; %s", bus.failed, bus.most, st.String())
}

// errBus fails its first `fail` calls with err.
type errBus struct {
	driver.Bus
	fail  int
	err   error
	calls int
}

func (e *errBus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if e.calls++; e.calls <= e.fail {
		return e.err
	}
	return e.Bus.Read(ctx, addr, dst, incr)
}

// TestBoardPatience: a link that times out is retried beyond the retries
// while the patience lasts, with pauses between the calls; other errors
// give up after the retries.
func TestBoardPatience(t *testing.T) {
	im, _ := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	timeout := fmt.Errorf("uartbone: read: %w", driver.ErrTimeout)
	for _, c := range []struct {
		name     string
		err      error
		patience time.Duration
		ok       bool
	}{
		{"timeouts, patient", timeout, time.Hour, true},
		{"timeouts, impatient", timeout, 0, false},
		{"link lost, patient", fmt.Errorf("etherbone: %w", driver.ErrLinkLost), time.Hour, true},
		{"other errors", errors.New("permission denied"), time.Hour, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			bus := &errBus{Bus: simbus.New(dev), fail: 10, err: c.err}
			b := driver.NewBoard(bus, driver.WithRetries(3), driver.WithPatience(c.patience))
			_, err := b.Info(context.Background())
			st := b.Stats()
			if !c.ok {
				require.ErrorIs(t, err, c.err)
				require.ErrorContains(t, err, "4 calls failed in a row")
				require.Equal(t, 4, bus.calls)
				return
			}
			require.NoError(t, err)
			require.EqualValues(t, 10, st.BusErrors)
			require.NotZero(t, st.Backoff, "pauses between failed calls")
		})
	}
}
