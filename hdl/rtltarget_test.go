package hdl

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/sim"
)

var _ emulator.FailingTarget = (*RTLTarget)(nil) // and so a driver.Target

// startRTL builds (or finds cached) the model for im and starts its bus
// server; the test closes it.
func startRTL(t *testing.T, im *image.Image) *RTLTarget {
	t.Helper()
	return startRTLOpt(t, im, RTLOptions{Timeout: 20 * time.Second})
}

// buildFor builds (or finds cached) htm3_accel for im's parameters.
func buildFor(t *testing.T, im *image.Image) *Model {
	t.Helper()
	needTool(t, "verilator")
	p, err := ParamsOf(im)
	require.NoError(t, err)
	t0 := time.Now()
	m, err := Build(context.Background(), p)
	require.NoError(t, err)
	t.Logf("verilator build %v (cached %v)", time.Since(t0).Round(time.Millisecond), m.Cached)
	return m
}

func startRTLOpt(t *testing.T, im *image.Image, opt RTLOptions) *RTLTarget {
	t.Helper()
	rt, err := buildFor(t, im).StartRTL(im, opt)
	require.NoError(t, err)
	t.Cleanup(func() { rt.Close() })
	return rt
}

// TestRTLTarget drives the bus server word by word: the ID register, a
// STEP that reads busy right after the command and is polled until done
// (htm3_accel answers reads at once, busy or not), the simulator's columns
// and cycles; then a crash of the process: a clear error at once, reads
// return 0.
func TestRTLTarget(t *testing.T) {
	im, inputs := compileSeries(t, "small", "art_daily_jumpsup.csv", 3, nil)
	rt := startRTL(t, im)
	require.Equal(t, uint32(arch.DeviceID), rt.ReadWord(arch.RegID))
	require.Equal(t, uint32(arch.Version), rt.ReadWord(arch.RegVersion))
	require.Equal(t, arch.DefaultParams().Caps(), rt.ReadWord(arch.RegCaps))
	// htm3_accel loads its registers' flip-flop copies and the TM's working
	// state by RESTORE, which a host issues first (hdl/rtl3/ACCEL.md).
	rt.WriteWord(arch.RegCtrl, arch.CtrlWord(arch.CmdRestore))
	for polls := 0; rt.ReadWord(arch.RegStatus)&arch.StatusBusy != 0; polls++ {
		require.Less(t, polls, 1_000_000, "RESTORE: still busy")
	}
	require.Zero(t, rt.ReadWord(arch.RegError), "RESTORE")
	s, err := sim.New(im)
	require.NoError(t, err)
	for i, in := range inputs {
		n := rt.ReadWord(arch.RegStepLo)
		rt.WriteWord(arch.RegStepExpect, n)
		rt.WriteWord(arch.RegInCount, uint32(len(in)))
		for j, x := range in {
			rt.WriteWord(arch.RegInBuf+uint32(j), x)
		}
		rt.WriteWord(arch.RegCtrl, arch.CtrlWord(arch.CmdStep|arch.CmdLearn))
		busy := rt.ReadWord(arch.RegStatus)&arch.StatusBusy != 0
		polls := 0
		for rt.ReadWord(arch.RegStatus)&arch.StatusBusy != 0 {
			polls++
			require.Less(t, polls, 1_000_000, "step %d: still busy", i)
		}
		count := rt.ReadWord(arch.RegOutCount)
		cols := make([]uint32, count)
		for j := range cols {
			cols[j] = rt.ReadWord(arch.RegOutBuf + uint32(j))
		}
		r, err := s.Step(in, true)
		require.NoError(t, err)
		var cyc uint64
		for _, ph := range Implemented {
			cyc += r.Cycles[ph]
		}
		require.True(t, busy, "step %d: STATUS right after STEP reads not busy", i)
		require.Equal(t, r.ActiveColumns, cols, "step %d", i)
		require.Equal(t, n+1, rt.ReadWord(arch.RegStepLo))
		require.Equal(t, uint32(cyc), rt.ReadWord(arch.RegCycles), "step %d: CYCLES", i)
		require.Zero(t, rt.ReadWord(arch.RegError))
	}
	require.Greater(t, rt.Cycles(), uint64(0))
	require.NoError(t, rt.Err())

	// A crash: the process is killed under the target.
	require.NoError(t, rt.cmd.Process.Kill())
	t0 := time.Now()
	select {
	case <-rt.Failed():
	case <-time.After(5 * time.Second):
		t.Fatal("the target did not notice its process exited")
	}
	require.Zero(t, rt.ReadWord(arch.RegID))
	rt.WriteWord(arch.RegCtrl, 0)
	require.Less(t, time.Since(t0), 5*time.Second)
	err = rt.Err()
	require.Error(t, err)
	require.Contains(t, err.Error(), "signal: killed")
	t.Logf("after a kill: %v", err)
	require.ErrorContains(t, rt.Close(), "signal: killed")
	require.ErrorIs(t, rt.Err(), err)
}

// TestRTLTargetProtocolError: a request byte the server does not know
// stops it with exit status 2 and a message, reported by the next read.
func TestRTLTargetProtocolError(t *testing.T) {
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 1, nil)
	rt := startRTL(t, im)
	rt.mu.Lock()
	rt.pending = append(rt.pending, 0xEE)
	rt.mu.Unlock()
	require.Zero(t, rt.ReadWord(arch.RegID))
	err := rt.Err()
	require.Error(t, err)
	require.Contains(t, err.Error(), "exit status 2")
	require.Contains(t, err.Error(), "unknown request byte 0xee")
}

// TestRTLTargetHang: a process that stops answering (SIGSTOP) fails the
// read after the timeout, with an error that says so; the process is
// killed.
func TestRTLTargetHang(t *testing.T) {
	im, _ := compileSeries(t, "small", "art_daily_jumpsup.csv", 1, nil)
	rt := startRTLOpt(t, im, RTLOptions{Timeout: 300 * time.Millisecond})
	require.Equal(t, uint32(arch.DeviceID), rt.ReadWord(arch.RegID))
	require.NoError(t, rt.cmd.Process.Signal(syscall.SIGSTOP))
	t0 := time.Now()
	require.Zero(t, rt.ReadWord(arch.RegID))
	require.Less(t, time.Since(t0), 5*time.Second)
	require.ErrorContains(t, rt.Err(), "did not answer a read of 0x0 within 300ms")
	select {
	case <-rt.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the stopped process was not killed")
	}
}
