package driver

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/sim"
)

func TestCutAccesses(t *testing.T) {
	d := make([]uint32, 10)
	acc := []Access{
		{Write: true, Addr: 0x10, Data: d[0:3]},
		{Addr: 0x20, Data: d[3:8]},
		{Addr: 0x30, Data: d[8:10], Fixed: true},
	}
	type cut struct {
		addrs []uint32 // of the piece's accesses
		lens  []int
		rest  int // accesses left
	}
	for _, c := range []struct {
		limit int
		want  []cut // successive pieces until nothing is left
	}{
		{0, []cut{{[]uint32{0x10, 0x20, 0x30}, []int{3, 5, 2}, 0}}},
		{10, []cut{{[]uint32{0x10, 0x20, 0x30}, []int{3, 5, 2}, 0}}},
		{3, []cut{{[]uint32{0x10}, []int{3}, 2}, {[]uint32{0x20}, []int{3}, 2}, {[]uint32{0x23, 0x30}, []int{2, 1}, 1}, {[]uint32{0x30}, []int{1}, 0}}},
		{4, []cut{{[]uint32{0x10, 0x20}, []int{3, 1}, 2}, {[]uint32{0x21}, []int{4}, 1}, {[]uint32{0x30}, []int{2}, 0}}},
		{1, []cut{{[]uint32{0x10}, []int{1}, 3}, {[]uint32{0x11}, []int{1}, 3}, {[]uint32{0x12}, []int{1}, 2}, {[]uint32{0x20}, []int{1}, 2},
			{[]uint32{0x21}, []int{1}, 2}, {[]uint32{0x22}, []int{1}, 2}, {[]uint32{0x23}, []int{1}, 2}, {[]uint32{0x24}, []int{1}, 1},
			{[]uint32{0x30}, []int{1}, 1}, {[]uint32{0x30}, []int{1}, 0}}},
	} {
		t.Run(fmt.Sprint("limit=", c.limit), func(t *testing.T) {
			rest := acc
			total := 0
			for i, w := range c.want {
				piece, r, words := cutAccesses(nil, rest, c.limit)
				var addrs []uint32
				var lens []int
				n := 0
				for _, a := range piece {
					addrs, lens = append(addrs, a.Addr), append(lens, len(a.Data))
					n += len(a.Data)
				}
				require.Equal(t, w.addrs, addrs, "piece %d", i)
				require.Equal(t, w.lens, lens, "piece %d", i)
				require.Equal(t, n, words, "piece %d", i)
				require.Len(t, r, w.rest, "piece %d", i)
				total += words
				rest = r
			}
			require.Empty(t, rest)
			require.Equal(t, 10, total)
		})
	}
	// acc itself is not changed.
	require.Equal(t, uint32(0x20), acc[1].Addr)
	require.Len(t, acc[1].Data, 5)
}

// narrowBus times out on every read of more than most words, as a link
// that loses a byte in nearly every long answer does.
type narrowBus struct {
	Bus
	most, failed int
}

func (n *narrowBus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if len(dst) > n.most {
		n.failed++
		return fmt.Errorf("narrow: %w", ErrTimeout)
	}
	return n.Bus.Read(ctx, addr, dst, incr)
}

// TestBoardShrinksExchanges: on a link where long answers never arrive,
// the board goes on in shorter exchanges, with its default retries: every
// output is still the golden model's.
func TestBoardShrinksExchanges(t *testing.T) {
	im, rows := smallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	bus := &narrowBus{Bus: NewSimBus(dev), most: 255}
	b := NewBoard(bus)
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
	Bus
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
	im, _ := smallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	timeout := fmt.Errorf("uartbone: read: %w", ErrTimeout)
	for _, c := range []struct {
		name     string
		err      error
		patience time.Duration
		ok       bool
	}{
		{"timeouts, patient", timeout, time.Hour, true},
		{"timeouts, impatient", timeout, 0, false},
		{"link lost, patient", fmt.Errorf("etherbone: %w", ErrLinkLost), time.Hour, true},
		{"other errors", errors.New("permission denied"), time.Hour, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			bus := &errBus{Bus: NewSimBus(dev), fail: 10, err: c.err}
			b := NewBoard(bus, WithRetries(3), WithPatience(c.patience))
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
