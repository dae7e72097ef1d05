package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/hdl"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/sim"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEmulate runs htmhw emulate in the background and returns the board
// URI it prints and a function that interrupts it and returns its error.
func startEmulate(t *testing.T, args ...string) (string, func() error) {
	t.Helper()
	uri, stop, _ := startEmulateLog(t, args...)
	return uri, stop
}

// startEmulateLog is startEmulate that also returns emulate's stderr.
// Its waits are generous: a loaded machine is slow, not wrong.
func startEmulateLog(t *testing.T, args ...string) (string, func() error, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := newRootCmd()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SetArgs(append([]string{"emulate"}, args...))
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute):
			t.Fatal("emulate did not stop")
			return nil
		}
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(out.String(), "\n") {
			if uri, ok := strings.CutPrefix(line, "board URI: "); ok {
				return uri, stop, errOut
			}
		}
		select {
		case err := <-done:
			t.Fatalf("emulate stopped: %v\n%s", err, errOut.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	stop()
	t.Fatalf("no board URI in %q", out.String())
	return "", nil, nil
}

// TestEmulateListenWildcard: tcp://:PORT listens on the loopback address;
// every interface must be asked for, and is warned about.
func TestEmulateListenWildcard(t *testing.T) {
	img := filepath.Join(t.TempDir(), "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	for _, c := range []struct {
		listen, prefix string
		warn           bool
	}{
		{"tcp://:0", "tcp://127.0.0.1:", false},
		{"tcp://0.0.0.0:0", "tcp://", true}, // (dual-stack: [::])
	} {
		t.Run(c.listen, func(t *testing.T) {
			uri, stop, errOut := startEmulateLog(t, "--listen", c.listen, "--image", img, "--max-conns", "2", "--idle-timeout", "1m")
			require.True(t, strings.HasPrefix(uri, c.prefix), uri)
			require.NoError(t, stop())
			require.Equal(t, c.warn, strings.Contains(errOut.String(), "warning: listening on every interface"), errOut.String())
		})
	}
	_, _, err = execute(t, "emulate", "--image", img, "--listen", "tcp://:0", "--max-conns", "-1")
	require.ErrorContains(t, err, "--max-conns")
	_, _, err = execute(t, "emulate", "--image", img, "--listen", "tcp://:0", "--idle-timeout", "-1s")
	require.ErrorContains(t, err, "--idle-timeout")
}

func TestEmulate(t *testing.T) {
	img := filepath.Join(t.TempDir(), "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	im, err := image.ReadFile(img)
	require.NoError(t, err)
	for _, c := range []struct {
		listen string
		more   []string
	}{{"pty", nil}, {"pty", []string{"--no-rx-fifo", "--baud", "1000000"}}, {"tcp://127.0.0.1:0", nil}} {
		listen := c.listen
		t.Run(strings.Join(append([]string{listen}, c.more...), " "), func(t *testing.T) {
			uri, stop := startEmulate(t, append([]string{"--listen", listen, "--image", img, "--faults", "seed=3,drop=0.001"}, c.more...)...)
			if listen == "pty" {
				require.True(t, strings.HasPrefix(uri, "serial:///dev/pts/"), uri)
				// The emulated bridge buffers requests unless it models
				// LiteX's, which loses what arrives while it answers.
				require.Equal(t, c.more == nil, strings.Contains(uri, "pipeline=1"), uri)
			} else {
				require.True(t, strings.HasPrefix(uri, "tcp://127.0.0.1:"), uri)
			}
			b, err := driver.Open(uri+map[bool]string{true: "&timeout=20ms", false: "?timeout=200ms"}[listen == "pty"], driver.WithRetries(100))
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			require.NoError(t, b.Load(ctx, im))
			enc, err := model.NewEncoder(mustConfig(t, im))
			require.NoError(t, err)
			in, err := enc.Encode(time.Unix(0, 0), 50)
			require.NoError(t, err)
			for range 20 {
				_, err := b.Step(ctx, in, true)
				require.NoError(t, err)
			}
			require.NoError(t, b.Close())
			require.NoError(t, stop())
		})
	}
}

func mustConfig(t *testing.T, im *image.Image) *model.Config {
	t.Helper()
	cfg, err := im.ModelConfig()
	require.NoError(t, err)
	return cfg
}

func TestEmulateErrors(t *testing.T) {
	_, _, err := execute(t, "emulate", "--backend", "rtl")
	require.ErrorContains(t, err, "needs --image")
	_, _, err = execute(t, "emulate", "--backend", "fpga", "--image", "x.img")
	require.ErrorContains(t, err, "want sim or rtl")
	_, _, err = execute(t, "emulate")
	require.ErrorContains(t, err, "needs --image")
	_, _, err = execute(t, "emulate", "--image", "x.img", "--faults", "drop=2")
	require.ErrorContains(t, err, "--faults")
	_, _, err = execute(t, "emulate", "--image", "nosuch.img")
	require.Error(t, err)
}

// TestEmulateGreeting: on TCP the emulator greets as litex_server does,
// "CommHTMHW:HOST:PORT" before anything else, unless --no-greeting; the
// client works either way.
func TestEmulateGreeting(t *testing.T) {
	img := filepath.Join(t.TempDir(), "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	for _, noGreeting := range []bool{false, true} {
		t.Run(fmt.Sprint("no-greeting=", noGreeting), func(t *testing.T) {
			args := []string{"--listen", "tcp://127.0.0.1:0", "--image", img}
			if noGreeting {
				args = append(args, "--no-greeting")
			}
			uri, stop := startEmulate(t, args...)
			addr := strings.TrimPrefix(uri, "tcp://")
			_, port, err := net.SplitHostPort(addr)
			require.NoError(t, err)
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			// A read of ID: LiteX's packet.
			_, err = c.Write([]byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
			require.NoError(t, err)
			want := []byte("CommHTMHW:127.0.0.1:" + port)
			if noGreeting {
				want = nil
			}
			want = append(want, 0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 1, 0, 0, 0, 0, 0, 0x48, 0x54, 0x4d, 0x48)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
			got := make([]byte, len(want))
			_, err = io.ReadFull(c, got)
			require.NoError(t, err)
			require.Equal(t, string(want), string(got))
			require.NoError(t, c.Close())
			b, err := driver.OpenBus(uri)
			require.NoError(t, err)
			id := make([]uint32, 1)
			require.NoError(t, b.Read(context.Background(), 0, id, true))
			require.Equal(t, uint32(0x48544D48), id[0])
			require.NoError(t, b.Close())
			require.NoError(t, stop())
		})
	}
}

// TestEmulateRTL serves the Verilated RTL (--backend rtl) on TCP: load,
// 20 steps, the simulator's active columns and step counts.
func TestEmulateRTL(t *testing.T) {
	needTool(t, "verilator")
	img := filepath.Join(t.TempDir(), "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	im, err := image.ReadFile(img)
	require.NoError(t, err)
	// Build first (or find the cached build): startEmulate waits a minute for
	// the URI.
	p, err := hdl.ParamsOf(im)
	require.NoError(t, err)
	_, err = hdl.Build(context.Background(), p)
	require.NoError(t, err)
	uri, stop := startEmulate(t, "--listen", "tcp://127.0.0.1:0", "--image", img, "--backend", "rtl")
	b, err := driver.Open(uri)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	require.NoError(t, b.Load(ctx, im))
	enc, err := model.NewEncoder(mustConfig(t, im))
	require.NoError(t, err)
	s, err := sim.New(im)
	require.NoError(t, err)
	for i := range 20 {
		in, err := enc.Encode(time.Unix(int64(i)*300, 0), float64(10*i%200))
		require.NoError(t, err)
		o, err := b.Step(ctx, in, true)
		require.NoError(t, err)
		r, err := s.Step(in, true)
		require.NoError(t, err)
		require.Equal(t, uint64(i), o.Step)
		require.Equal(t, r.ActiveColumns, o.ActiveColumns, "step %d", i)
	}
	require.NoError(t, b.Close())
	require.NoError(t, stop())
}

// TestEmulateBoardTop is the board's bitstream design end to end: the
// Verilated iCEBreaker top (UART, UARTBone bridge, accelerator) served on a
// pty with every memory but cfg blank, as SPRAM powers on; htmhw run loads
// the image through the RTL's own UART at 3 Mbaud and runs 300 steps of
// art_daily_jumpsup with learning; its scores equal the golden model's,
// byte for byte.
func TestEmulateBoardTop(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	data := filepath.Join(dir, "jumpsup300.csv")
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "nab", "art_daily_jumpsup.csv"))
	require.NoError(t, err)
	lines := strings.SplitAfter(string(src), "\n")
	require.Greater(t, len(lines), 301)
	require.NoError(t, os.WriteFile(data, []byte(strings.Join(lines[:301], "")), 0o644))
	img := filepath.Join(dir, "r.img")
	_, _, err = execute(t, "compile", "--model", "small", "--data", data, "-o", img)
	require.NoError(t, err)
	im, err := image.ReadFile(img)
	require.NoError(t, err)
	// Build first (or find the cached build): startEmulate waits a minute for
	// the URI.
	p, err := hdl.ParamsOf(im)
	require.NoError(t, err)
	_, err = hdl.BuildBoard(context.Background(), p, hdl.DefaultClksPerBit)
	require.NoError(t, err)
	uri, stop := startEmulate(t, "--listen", "pty", "--image", img, "--backend", "rtl", "--top", "icebreaker", "--blank")
	require.True(t, strings.HasPrefix(uri, "serial:///dev/pts/"), uri)
	require.Contains(t, uri, "pipeline=0")

	board, golden := filepath.Join(dir, "board.csv"), filepath.Join(dir, "golden.csv")
	_, errOut, err := execute(t, "run", "--image", img, "--board", uri, "--data", data, "--out", board)
	require.NoError(t, err)
	t.Log(strings.TrimSpace(errOut))
	_, _, err = execute(t, "run", "--model", "small", "--data", data, "--out", golden)
	require.NoError(t, err)
	b, err := os.ReadFile(board)
	require.NoError(t, err)
	g, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, 301, bytes.Count(g, []byte("\n")))
	require.Equal(t, string(g), string(b), "the board's scores differ from the golden model's")
	require.NoError(t, stop())
}

func TestEmulateBoardTopErrors(t *testing.T) {
	img := filepath.Join(t.TempDir(), "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--top", "icebreaker"}, "needs --backend rtl and --listen pty"},
		{[]string{"--top", "icebreaker", "--backend", "rtl", "--listen", "tcp://127.0.0.1:0"}, "needs --backend rtl and --listen pty"},
		{[]string{"--top", "icebreaker", "--backend", "rtl", "--baud", "115200"}, "takes no --baud"},
		{[]string{"--top", "icebreaker", "--backend", "rtl", "--faults", "drop=0.1"}, "takes no --baud"},
		{[]string{"--blank"}, "--blank needs --top icebreaker"},
		{[]string{"--top", "orangecrab", "--backend", "rtl"}, `--top "orangecrab": want accel or icebreaker`},
	} {
		_, _, err := execute(t, append([]string{"emulate", "--image", img}, c.args...)...)
		require.ErrorContains(t, err, c.want, "%v", c.args)
	}
}
