package uartbone_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/driver/emulator/emulatortest"
	"github.com/htmhw/htmhw/driver/uartbone"
)

// openPTYBus starts an emulator on a pty and opens a UARTBone bus on its
// slave through the serial URI scheme.
func openPTYBus(t *testing.T, tg driver.Target, cfg emulator.ServeConfig, query string) (*emulator.Emulator, *uartbone.Link) {
	t.Helper()
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "pty", ServeConfig: cfg})
	b, err := driver.OpenBus(e.URI() + query)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return e, b.(*uartbone.Link)
}

func TestUARTBonePTY(t *testing.T) {
	tg := drivertest.NewMapTarget()
	e, b := openPTYBus(t, tg, emulator.ServeConfig{}, "")
	require.Equal(t, 255, b.MaxBurst())
	drivertest.ExerciseBus(t, b, tg)
	st := b.LinkStats()
	require.Zero(t, st.Timeouts)
	require.Zero(t, st.Resyncs)
	require.Equal(t, st.BytesOut, e.Stats().BytesIn)
	require.Equal(t, st.BytesIn, e.Stats().BytesOut)
}

// TestUARTBoneTarm opens the pty through github.com/tarm/serial, the path
// real serial ports take.
func TestUARTBoneTarm(t *testing.T) {
	tg := drivertest.NewMapTarget()
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "pty"})
	bus, err := driver.OpenBus("serial://" + e.Addr() + "?io=tarm&baud=3000000")
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	b := bus.(*uartbone.Link)
	isTarm := b.Tarm()
	require.True(t, isTarm)
	drivertest.ExerciseBus(t, b, tg)
	_, err = driver.OpenBus("serial://" + e.Addr() + "?io=tarm&baud=250000")
	require.ErrorContains(t, err, "baud", "tarm/serial has a fixed list of rates")
}

// rawFrame sends raw bytes to the emulator through a pty and returns what
// comes back within wait.
func rawFrames(t *testing.T, e *emulator.Emulator, send []byte, wait time.Duration) []byte {
	t.Helper()
	f, err := uartbone.OpenRawFile(e.Addr())
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Write(send)
	require.NoError(t, err)
	var got []byte
	buf := make([]byte, 4096)
	end := time.Now().Add(wait)
	for {
		require.NoError(t, f.SetReadDeadline(end))
		n, err := f.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			require.True(t, errors.Is(err, os.ErrDeadlineExceeded), "%v", err)
			return got
		}
	}
}

// TestUARTBoneMalformed sends truncated frames and bad commands: the
// bridge abandons them at the frame timeout, answers nothing for them, and
// serves the next good frame.
func TestUARTBoneMalformed(t *testing.T) {
	tg := drivertest.NewMapTarget()
	tg.WriteWord(7, 0x01020304)
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "pty", ServeConfig: emulator.ServeConfig{FrameTimeout: 20 * time.Millisecond}})
	read7 := []byte{uartbone.ReadIncr, 1, 0, 0, 0, 7}
	// A bad command: consumes cmd, len, 4 address bytes, answers nothing;
	// the read after it is answered.
	got := rawFrames(t, e, append([]byte{0x77, 5, 0, 0, 0, 7}, read7...), 50*time.Millisecond)
	require.Equal(t, []byte{1, 2, 3, 4}, got)
	require.Equal(t, uint64(1), e.Stats().Malformed)
	// A truncated write (2 of 4 data bytes), then after the frame timeout
	// a read: the write is abandoned, the read answered.
	got = rawFrames(t, e, []byte{uartbone.WriteIncr, 1, 0, 0, 0, 7, 0xff, 0xff}, 40*time.Millisecond)
	require.Empty(t, got)
	got = rawFrames(t, e, read7, 50*time.Millisecond)
	require.Equal(t, []byte{1, 2, 3, 4}, got)
	require.Equal(t, uint64(1), e.Stats().Abandoned)
	// A truncated read header, then nothing: abandoned, nothing answered.
	got = rawFrames(t, e, []byte{uartbone.ReadIncr, 1, 0}, 40*time.Millisecond)
	require.Empty(t, got)
	require.Equal(t, uint32(0x01020304), tg.Get(7))
}

// TestUARTBoneResync has a client read from a bridge that lost the start
// of its frame: the read times out, the client waits out the frame timeout
// and drains, and the next read succeeds. The bridge's frame timeout
// (500 ms) is what a stalled test process must stay under between the
// broken frame and the read; the read's own timeout (2 s) is what the
// successful read has to answer in: both far from a busy machine's stalls.
func TestUARTBoneResync(t *testing.T) {
	tg := drivertest.NewMapTarget()
	tg.WriteWord(3, 99)
	e, b := openPTYBus(t, tg, emulator.ServeConfig{FrameTimeout: 500 * time.Millisecond}, "&timeout=2s")
	ctx := drivertest.Context(t)
	got := make([]uint32, 1)
	require.NoError(t, b.Read(ctx, 3, got, true)) // the line is drained once
	// Leave the bridge inside a write frame that wants 2 more words: the
	// read's 6 bytes become data, and the bridge waits for 2 more bytes.
	f, err := uartbone.OpenRawFile(e.Addr())
	require.NoError(t, err)
	_, err = f.Write([]byte{uartbone.WriteIncr, 2, 0, 0, 0x10, 0})
	require.NoError(t, err)
	f.Close()
	time.Sleep(2 * time.Millisecond)
	err = b.Read(ctx, 3, got, true)
	require.ErrorIs(t, err, driver.ErrTimeout)
	require.NoError(t, b.Read(ctx, 3, got, true))
	require.Equal(t, uint32(99), got[0])
	st := b.LinkStats()
	require.Equal(t, uint64(1), st.Timeouts)
	require.Equal(t, uint64(1), st.Resyncs)
	require.Equal(t, uint64(1), e.Stats().Abandoned)
}

// TestUARTBoneCancel: a cancelled read returns the context's error at once
// and the next request resynchronises first.
func TestUARTBoneCancel(t *testing.T) {
	tg := drivertest.NewMapTarget()
	_, b := openPTYBus(t, tg, emulator.ServeConfig{Faults: emulator.Faults{Delay: 200 * time.Millisecond}, FrameTimeout: 10 * time.Millisecond}, "&timeout=1s")
	require.NoError(t, b.Read(drivertest.Context(t), 0, make([]uint32, 1), true)) // the line is drained once
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	// (The answer comes after 200 ms: a read that waited for it would
	// return it, not the context's error.)
	err := b.Read(ctx, 0, make([]uint32, 1), true)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.True(t, b.Dirty())
}

// TestUARTBoneFaultCounts runs reads and writes through a link with
// seeded faults until 500 reads succeeded, checking that every read that
// succeeds returns the right words unless a fault hit it, and that the
// injected faults are those of the seed.
func TestUARTBoneFaultCounts(t *testing.T) {
	tg := drivertest.NewMapTarget()
	faults := emulator.Faults{Seed: 1, Drop: 0.01, Flip: 0.01}
	e, b := openPTYBus(t, tg, emulator.ServeConfig{Faults: faults, FrameTimeout: 2 * time.Millisecond}, "&timeout=2ms")
	ctx := drivertest.Context(t)
	ok, failed := 0, 0
	for i := 0; ok < 500; i++ {
		got := make([]uint32, 4)
		if err := b.Read(ctx, uint32(0x1000+i%64), got, true); err != nil {
			require.True(t, errors.Is(err, driver.ErrTimeout), "%v", err)
			failed++
			continue
		}
		ok++
	}
	st, es := b.LinkStats(), e.Stats()
	t.Logf("client %+v", st)
	t.Logf("server %+v", es)
	require.Equal(t, uint64(failed), st.Timeouts)
	require.Greater(t, es.ToBoard.Dropped+es.FromBoard.Dropped, uint64(0))
	require.Equal(t, st.BytesOut, es.BytesIn)
	_ = fmt.Sprint()
}

// recPort is a UARTBone port in front of a bridge that answers at once:
// it records every Write the client makes.
type recPort struct {
	br     uartbone.Bridge
	in     []byte
	writes [][]byte
}

func (p *recPort) Write(b []byte) (int, error) {
	p.writes = append(p.writes, append([]byte(nil), b...))
	p.in = p.br.Feed(b, time.Now(), p.in)
	return len(b), nil
}

func (p *recPort) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		return 0, io.EOF // nothing yet, as tarm/serial says it
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

// TestUARTBoneBatch runs one batch of writes and reads with and without
// pipelining: the same words either way; without it every read request
// goes out only after the answer to the one before (with the writes that
// precede it), with it the whole batch is one transmission.
func TestUARTBoneBatch(t *testing.T) {
	for _, pipe := range []bool{false, true} {
		t.Run(fmt.Sprintf("pipeline=%v", pipe), func(t *testing.T) {
			tg := drivertest.NewMapTarget()
			p := &recPort{br: uartbone.Bridge{Target: tg}}
			u := uartbone.New(p, uartbone.Config{MaxBurst: 4, Pipeline: pipe, Timeout: time.Second})
			require.Equal(t, pipe, u.Pipelined())
			r6, r1, r2 := make([]uint32, 6), make([]uint32, 1), make([]uint32, 2)
			acc := []driver.Access{
				{Write: true, Addr: 0x10, Data: []uint32{1, 2, 3, 4, 5, 6}}, // 2 frames
				{Addr: 0x10, Data: r6}, // 2 frames
				{Write: true, Addr: 0x20, Data: []uint32{7, 8}, Fixed: true},
				{Addr: 0x20, Data: r1},
				{Addr: 0x400, Data: r2},
			}
			require.NoError(t, u.Batch(drivertest.Context(t), acc))
			require.Equal(t, []uint32{1, 2, 3, 4, 5, 6}, r6)
			require.Equal(t, []uint32{8}, r1)
			require.Equal(t, []uint32{0x400 ^ 0xA5A50000, 0x401 ^ 0xA5A50000}, r2)
			require.Equal(t, uint64(7), u.LinkStats().Requests)
			if pipe {
				require.Len(t, p.writes, 1)
				return
			}
			// One transmission per read frame: the first carries both
			// write frames and the first read request.
			require.Len(t, p.writes, 4)
			require.Len(t, p.writes[0], 6+16+6+8+6)
			require.Equal(t, []byte{uartbone.ReadIncr, 4, 0, 0, 0, 0x10}, p.writes[0][36:])
			require.Equal(t, []byte{uartbone.ReadIncr, 2, 0, 0, 0, 0x14}, p.writes[1])
			require.Len(t, p.writes[2], 6+8+6)
			require.Equal(t, []byte{uartbone.ReadIncr, 2, 0, 0, 4, 0}, p.writes[3])
		})
	}
}

// TestUARTBoneNoRxFIFO serves a bridge that, like LiteX's, loses bytes
// that arrive while it answers: reads made one round trip at a time
// work; read requests sent back to back lose the second one.
func TestUARTBoneNoRxFIFO(t *testing.T) {
	tg := drivertest.NewMapTarget()
	cfg := emulator.ServeConfig{Baud: 100000, NoRxFIFO: true, FrameTimeout: 20 * time.Millisecond}
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "pty", ServeConfig: cfg})
	require.NotContains(t, e.URI(), "pipeline")
	batch := func(u *uartbone.Link) ([]uint32, []uint32, error) {
		a, b := make([]uint32, 8), make([]uint32, 8)
		err := u.Batch(drivertest.Context(t), []driver.Access{{Addr: 0x100, Data: a}, {Addr: 0x200, Data: b}})
		return a, b, err
	}
	bus, err := driver.OpenBus(e.URI() + "&timeout=20ms")
	require.NoError(t, err)
	defer bus.Close()
	u := bus.(*uartbone.Link)
	require.False(t, u.Pipelined())
	a, b, err := batch(u)
	require.NoError(t, err)
	require.Equal(t, 0x100^0xA5A50000, int(a[0]))
	require.Equal(t, 0x207^0xA5A50000, int(b[7]))
	require.Zero(t, e.Stats().Overrun)

	bus2, err := driver.OpenBus(e.URI() + "&timeout=20ms&pipeline=1")
	require.NoError(t, err)
	defer bus2.Close()
	_, _, err = batch(bus2.(*uartbone.Link))
	require.ErrorIs(t, err, driver.ErrTimeout)
	require.Equal(t, uint64(6), e.Stats().Overrun, "the second read request arrived while the first was answered")
}
