// Package emulator is the board side of the links, for a board that is
// not hardware (the simulator, the Verilated RTL): a Server that serves a
// driver.Target over UARTBone (a pty or any stream) and Etherbone (TCP)
// with the transports' bridges, optional pacing at a baud rate, fault
// injection (Faults), and the Emulator that starts it all for
// `htmhw emulate`. It does not link the simulator: the Target is the
// caller's.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/uartbone"
)

// PTY is a pseudo-terminal pair for an emulated board: the emulator
// serves on Master; a host opens SlavePath. The PTY keeps its own
// descriptor of the slave open, so that the master does not fail with EIO
// while no host has the slave open.
type PTY struct {
	Master    *os.File // pollable: it has read deadlines
	SlavePath string
	slave     *os.File
}

// OpenPTY opens a pty pair (creack/pty) and puts the slave in raw mode.
func OpenPTY() (*PTY, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("pty: %w", err)
	}
	if _, err := term.MakeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("pty: raw mode: %w", err)
	}
	// pty.Open makes the master blocking (it calls Fd()); a duplicate in
	// non-blocking mode is pollable, so it has read deadlines.
	fd, err := syscall.Dup(int(m.Fd()))
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	m.Close()
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("pty: %w", err)
	}
	return &PTY{Master: os.NewFile(uintptr(fd), "/dev/ptmx"), SlavePath: s.Name(), slave: s}, nil
}

// Close closes both sides.
func (p *PTY) Close() error {
	return errors.Join(p.Master.Close(), p.slave.Close())
}

// EmulatorConfig configures an emulated board.
type EmulatorConfig struct {
	// Listen is "pty" (UARTBone on a new pty) or "tcp://host:port"
	// (Etherbone; port 0 picks a free port). An empty host is the
	// loopback address 127.0.0.1: whoever reaches the port drives the
	// board (docs/DRIVER.md, "Trust"), so every interface (0.0.0.0, [::])
	// must be asked for by name, and Wildcard then reports it.
	Listen string
	// NoGreeting leaves out the greeting on Etherbone connections (an
	// older litex_server, an Etherbone core). Otherwise, if
	// ServeConfig.Greeting is "", the emulator greets as litex_server
	// does, with EmulatorComm, the listen host and the port listened on.
	NoGreeting bool
	ServeConfig
}

// EmulatorComm is the link name in the emulator's Etherbone greeting
// (litex_server sends CommUART, CommUDP, CommPCIe...).
const EmulatorComm = "CommHTMHW"

// Emulator is an emulated board: a Server on a pty or a TCP listener.
type Emulator struct {
	*Server
	cfg    EmulatorConfig
	pty    *PTY
	ln     net.Listener
	cancel context.CancelFunc
	done   chan error
}

// FailingTarget is a Target that can stop working, such as the Verilated
// RTL in a child process (hdl.RTLTarget): an emulator of it stops serving
// when Failed is closed, and its Wait returns Err.
type FailingTarget interface {
	driver.Target
	Failed() <-chan struct{}
	Err() error
}

// StartEmulator starts serving t as cfg says, in the background, until
// ctx is done, Close is called or t fails (FailingTarget).
func StartEmulator(ctx context.Context, t driver.Target, cfg EmulatorConfig) (*Emulator, error) {
	e := &Emulator{Server: NewServer(t, cfg.ServeConfig), cfg: cfg, done: make(chan error, 1)}
	ctx, e.cancel = context.WithCancel(ctx)
	ft, _ := t.(FailingTarget)
	if ft != nil {
		go func() {
			select {
			case <-ft.Failed():
				e.cancel()
			case <-ctx.Done():
			}
		}()
	}
	// finish reports why serving stopped: the target's failure first.
	finish := func(err error) {
		if ft != nil {
			select {
			case <-ft.Failed():
				err = ft.Err()
			default:
			}
		}
		e.done <- err
	}
	switch {
	case cfg.Listen == "pty":
		p, err := OpenPTY()
		if err != nil {
			e.cancel()
			return nil, err
		}
		e.pty = p
		go func() {
			err := e.ServeUARTBone(ctx, p.Master)
			p.Close()
			finish(err)
		}()
	case strings.HasPrefix(cfg.Listen, "tcp://"):
		u, err := url.Parse(cfg.Listen)
		if err != nil || u.Host == "" {
			e.cancel()
			return nil, fmt.Errorf("emulate: listen %q: want tcp://host:port", cfg.Listen)
		}
		if u.Path != "" || u.RawQuery != "" || u.User != nil {
			e.cancel()
			return nil, fmt.Errorf("emulate: listen %q: want tcp://host:port", cfg.Listen)
		}
		host, name := u.Host, u.Hostname()
		if name == "" {
			name = "127.0.0.1"
			host = net.JoinHostPort(name, u.Port())
		}
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", host)
		if err != nil {
			e.cancel()
			return nil, fmt.Errorf("emulate: %w", err)
		}
		e.ln = ln
		switch {
		case cfg.NoGreeting:
			e.Server.cfg.Greeting = ""
		case cfg.Greeting == "":
			e.Server.cfg.Greeting = EtherboneGreeting(EmulatorComm, name, ln.Addr().(*net.TCPAddr).Port)
		}
		go func() { finish(e.ServeEtherbone(ctx, ln)) }()
	default:
		e.cancel()
		return nil, fmt.Errorf("emulate: listen %q: want pty or tcp://host:port", cfg.Listen)
	}
	return e, nil
}

// Wildcard reports whether the emulator listens on every interface of the
// host (0.0.0.0, [::]): then anyone who reaches the port from the network
// drives the board.
func (e *Emulator) Wildcard() bool {
	if e.ln == nil {
		return false
	}
	a, ok := e.ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsUnspecified()
}

// Addr returns the pty slave's path or the TCP address listened on.
func (e *Emulator) Addr() string {
	if e.pty != nil {
		return e.pty.SlavePath
	}
	return e.ln.Addr().String()
}

// URI returns the board URI a host opens the emulator with: for a pty
// serial://PATH?baud=B&frame=F&pipeline=1 (with the emulator's rate, 0
// when it is unpaced, and frame timeout; pipeline=1 because the emulated
// bridge queues requests that arrive while it answers, unless NoRxFIFO),
// for TCP tcp://ADDR.
func (e *Emulator) URI() string {
	if e.pty != nil {
		q := url.Values{}
		q.Set("baud", fmt.Sprint(max(0, e.cfg.Baud)))
		ft := e.cfg.FrameTimeout
		if ft <= 0 {
			ft = uartbone.FrameTimeout
		}
		q.Set("frame", ft.String())
		if !e.cfg.NoRxFIFO {
			q.Set("pipeline", "1")
		}
		return "serial://" + e.pty.SlavePath + "?" + q.Encode()
	}
	return "tcp://" + e.ln.Addr().String()
}

// Wait waits until the emulator stops and returns the error that stopped
// it (nil when it was cancelled).
func (e *Emulator) Wait() error {
	err := <-e.done
	e.done <- err
	return err
}

// Close stops the emulator and waits for it.
func (e *Emulator) Close() error {
	e.cancel()
	select {
	case err := <-e.done:
		e.done <- err
		return err
	case <-time.After(5 * time.Second):
		return errors.New("emulate: did not stop within 5 s")
	}
}
