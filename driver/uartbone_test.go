package driver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// openPTYBus starts an emulator on a pty and opens a UARTBone bus on its
// slave through the serial URI scheme.
func openPTYBus(t *testing.T, tg Target, cfg ServeConfig, query string) (*Emulator, *UARTBone) {
	t.Helper()
	e := startEmulator(t, tg, EmulatorConfig{Listen: "pty", ServeConfig: cfg})
	b, err := OpenBus(e.URI() + query)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return e, b.(*UARTBone)
}

func TestUARTBonePTY(t *testing.T) {
	tg := newMapTarget()
	e, b := openPTYBus(t, tg, ServeConfig{}, "")
	require.Equal(t, 255, b.MaxBurst())
	exerciseBus(t, b, tg)
	st := b.LinkStats()
	require.Zero(t, st.Timeouts)
	require.Zero(t, st.Resyncs)
	require.Equal(t, st.BytesOut, e.Stats().BytesIn)
	require.Equal(t, st.BytesIn, e.Stats().BytesOut)
}

// TestUARTBoneTarm opens the pty through github.com/tarm/serial, the path
// real serial ports take.
func TestUARTBoneTarm(t *testing.T) {
	tg := newMapTarget()
	e := startEmulator(t, tg, EmulatorConfig{Listen: "pty"})
	bus, err := OpenBus("serial://" + e.Addr() + "?io=tarm&baud=3000000")
	require.NoError(t, err)
	t.Cleanup(func() { bus.Close() })
	b := bus.(*UARTBone)
	_, isTarm := b.port.(*tarmPort)
	require.True(t, isTarm)
	exerciseBus(t, b, tg)
	_, err = OpenBus("serial://" + e.Addr() + "?io=tarm&baud=250000")
	require.ErrorContains(t, err, "baud", "tarm/serial has a fixed list of rates")
}

// rawFrame sends raw bytes to the emulator through a pty and returns what
// comes back within wait.
func rawFrames(t *testing.T, e *Emulator, send []byte, wait time.Duration) []byte {
	t.Helper()
	f, err := OpenRawFile(e.Addr())
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
	tg := newMapTarget()
	tg.WriteWord(7, 0x01020304)
	e := startEmulator(t, tg, EmulatorConfig{Listen: "pty", ServeConfig: ServeConfig{FrameTimeout: 20 * time.Millisecond}})
	read7 := []byte{UARTBoneReadIncr, 1, 0, 0, 0, 7}
	// A bad command: consumes cmd, len, 4 address bytes, answers nothing;
	// the read after it is answered.
	got := rawFrames(t, e, append([]byte{0x77, 5, 0, 0, 0, 7}, read7...), 50*time.Millisecond)
	require.Equal(t, []byte{1, 2, 3, 4}, got)
	require.Equal(t, uint64(1), e.Stats().Malformed)
	// A truncated write (2 of 4 data bytes), then after the frame timeout
	// a read: the write is abandoned, the read answered.
	got = rawFrames(t, e, []byte{UARTBoneWriteIncr, 1, 0, 0, 0, 7, 0xff, 0xff}, 40*time.Millisecond)
	require.Empty(t, got)
	got = rawFrames(t, e, read7, 50*time.Millisecond)
	require.Equal(t, []byte{1, 2, 3, 4}, got)
	require.Equal(t, uint64(1), e.Stats().Abandoned)
	// A truncated read header, then nothing: abandoned, nothing answered.
	got = rawFrames(t, e, []byte{UARTBoneReadIncr, 1, 0}, 40*time.Millisecond)
	require.Empty(t, got)
	require.Equal(t, uint32(0x01020304), tg.get(7))
}

// TestUARTBoneResync has a client read from a bridge that lost the start
// of its frame: the read times out, the client waits out the frame timeout
// and drains, and the next read succeeds.
func TestUARTBoneResync(t *testing.T) {
	tg := newMapTarget()
	tg.WriteWord(3, 99)
	e, b := openPTYBus(t, tg, ServeConfig{FrameTimeout: 10 * time.Millisecond}, "&timeout=5ms")
	ctx := testCtx(t)
	// Leave the bridge inside a write frame that wants 2 more words: the
	// read's 6 bytes become data, and the bridge waits for 2 more bytes.
	f, err := OpenRawFile(e.Addr())
	require.NoError(t, err)
	_, err = f.Write([]byte{UARTBoneWriteIncr, 2, 0, 0, 0x10, 0})
	require.NoError(t, err)
	f.Close()
	time.Sleep(2 * time.Millisecond)
	got := make([]uint32, 1)
	err = b.Read(ctx, 3, got, true)
	require.ErrorIs(t, err, ErrTimeout)
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
	tg := newMapTarget()
	_, b := openPTYBus(t, tg, ServeConfig{Faults: Faults{Delay: 200 * time.Millisecond}, FrameTimeout: 10 * time.Millisecond}, "&timeout=1s")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := b.Read(ctx, 0, make([]uint32, 1), true)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 150*time.Millisecond)
	require.True(t, b.dirty)
}

// TestUARTBoneFaultCounts runs reads and writes through a link with
// seeded faults until 500 reads succeeded, checking that every read that
// succeeds returns the right words unless a fault hit it, and that the
// injected faults are those of the seed.
func TestUARTBoneFaultCounts(t *testing.T) {
	tg := newMapTarget()
	faults := Faults{Seed: 1, Drop: 0.01, Flip: 0.01}
	e, b := openPTYBus(t, tg, ServeConfig{Faults: faults, FrameTimeout: 2 * time.Millisecond}, "&timeout=2ms")
	ctx := testCtx(t)
	ok, failed := 0, 0
	for i := 0; ok < 500; i++ {
		got := make([]uint32, 4)
		if err := b.Read(ctx, uint32(0x1000+i%64), got, true); err != nil {
			require.True(t, errors.Is(err, ErrTimeout), "%v", err)
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
