package emulator

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/etherbone"
)

// TestEmulatorListenAddress: an empty host is the loopback address, and
// only an address asked for by name listens on every interface.
func TestEmulatorListenAddress(t *testing.T) {
	for _, c := range []struct {
		listen   string
		loopback bool
		wildcard bool
	}{
		{"tcp://:0", true, false},
		{"tcp://127.0.0.1:0", true, false},
		{"tcp://localhost:0", true, false},
		{"tcp://0.0.0.0:0", false, true},
		{"tcp://[::]:0", false, true},
	} {
		t.Run(c.listen, func(t *testing.T) {
			e, err := StartEmulator(context.Background(), drivertest.NewMapTarget(), EmulatorConfig{Listen: c.listen})
			if err != nil && c.listen == "tcp://[::]:0" {
				t.Skipf("no IPv6: %v", err)
			}
			require.NoError(t, err)
			defer e.Close()
			a := e.ln.Addr().(*net.TCPAddr)
			require.Equal(t, c.loopback, a.IP.IsLoopback(), "%s listens on %v", c.listen, a)
			require.Equal(t, c.wildcard, e.Wildcard())
		})
	}
	for _, bad := range []string{"tcp://", "tcp://:0/path", "tcp://:0?x=1", "tcp://u@:0"} {
		_, err := StartEmulator(context.Background(), drivertest.NewMapTarget(), EmulatorConfig{Listen: bad})
		require.Error(t, err, bad)
	}
}

// dialGreeted connects to e and reads its greeting: the connection is
// being served.
func dialGreeted(t *testing.T, e *Emulator) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", e.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	want := e.Server.cfg.Greeting
	got := make([]byte, len(want))
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, want, string(got))
	return c
}

// TestServeEtherboneMaxConns: beyond MaxConns a connection is closed at
// once; when one closes, a new one is served.
func TestServeEtherboneMaxConns(t *testing.T) {
	e := startEmulator(t, drivertest.NewMapTarget(), EmulatorConfig{Listen: "tcp://127.0.0.1:0", ServeConfig: ServeConfig{MaxConns: 2}})
	first := dialGreeted(t, e)
	dialGreeted(t, e)
	c, err := net.Dial("tcp", e.Addr())
	require.NoError(t, err)
	defer c.Close()
	n, err := c.Read(make([]byte, 64))
	require.Zero(t, n)
	require.Error(t, err, "the third connection is closed without a greeting")
	require.Equal(t, uint64(1), e.Stats().Refused)
	// A slot frees when a connection closes: dial until one is served.
	first.Close()
	ctx := drivertest.Context(t)
	for {
		require.NoError(t, ctx.Err(), "no connection served after one closed")
		c, err := net.Dial("tcp", e.Addr())
		require.NoError(t, err)
		n, _ := io.ReadFull(c, make([]byte, len(e.Server.cfg.Greeting)))
		c.Close()
		if n == len(e.Server.cfg.Greeting) {
			break
		}
	}
}

// TestServeEtherboneIdle: a connection that sends nothing for IdleTimeout
// is closed; one that keeps talking is not.
func TestServeEtherboneIdle(t *testing.T) {
	tg := drivertest.NewMapTarget()
	e := startEmulator(t, tg, EmulatorConfig{Listen: "tcp://127.0.0.1:0", ServeConfig: ServeConfig{IdleTimeout: 20 * time.Millisecond}})
	c := dialGreeted(t, e)
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	_, err := c.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, uint64(1), e.Stats().Idle)
}

// flakyListener fails its first accepts with errs, then hands out conns,
// then blocks until closed.
type flakyListener struct {
	errs   []error
	conns  chan net.Conn
	closed chan struct{}
}

func (l *flakyListener) Accept() (net.Conn, error) {
	if len(l.errs) > 0 {
		err := l.errs[0]
		l.errs = l.errs[1:]
		return nil, err
	}
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *flakyListener) Close() error {
	select {
	case <-l.closed:
	default:
		close(l.closed)
	}
	return nil
}

func (l *flakyListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestServeEtherboneAcceptErrors: running out of file descriptors (or
// another temporary accept error) pauses the server, which then serves
// the next connection; any other accept error stops it.
func TestServeEtherboneAcceptErrors(t *testing.T) {
	emfile := &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	l := &flakyListener{errs: []error{emfile, emfile, emfile, syscall.ENFILE, syscall.ECONNABORTED}, conns: make(chan net.Conn, 1), closed: make(chan struct{})}
	tg := drivertest.NewMapTarget()
	tg.WriteWord(0x10, 0x12345678)
	s := NewServer(tg, ServeConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeEtherbone(ctx, l) }()
	client, server := net.Pipe()
	l.conns <- server
	e := etherbone.NewLink(client, etherbone.Config{Timeout: time.Minute})
	got := make([]uint32, 1)
	require.NoError(t, e.Read(drivertest.Context(t), 0x10, got, true))
	require.Equal(t, uint32(0x12345678), got[0])
	require.Equal(t, uint64(5), s.Stats().AcceptErr)
	client.Close()
	cancel()
	require.NoError(t, <-done)

	boom := errors.New("listener broke")
	l = &flakyListener{errs: []error{emfile, boom}, conns: make(chan net.Conn), closed: make(chan struct{})}
	err := NewServer(tg, ServeConfig{}).ServeEtherbone(context.Background(), l)
	require.ErrorIs(t, err, boom)
}
