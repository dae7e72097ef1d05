package emulator

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/etherbone"
	"github.com/htmhw/htmhw/driver/uartbone"
)

// ServeConfig configures the board side of a link.
type ServeConfig struct {
	// Faults are injected on the server's side, in both directions.
	Faults Faults
	// Baud paces a serial link: the server takes 10/Baud seconds per byte
	// it receives and per byte it sends, as a UART at Baud would (a pty
	// has no rate of its own). 0 leaves the link unpaced. Etherbone over
	// TCP is never paced.
	Baud int
	// FrameTimeout is the UARTBone bridge's frame timeout: a frame not
	// complete this long after its command byte is abandoned. 0 means
	// LiteX's 100 ms.
	FrameTimeout time.Duration
	// NoRxFIFO models LiteX's UARTBone, whose PHY has no receive FIFO in
	// front of the bridge: a byte that arrives while the bridge sends an
	// answer is lost. Only a paced link (Baud > 0) has answers that take
	// time. Without it the bridge queues such bytes, so a host may send
	// read requests back to back (the emulator's URI says pipeline=1).
	NoRxFIFO bool
	// Greeting is sent on every new Etherbone connection before anything
	// else, as litex_server sends its own (EtherboneGreeting); LiteX's
	// RemoteClient waits for it. "" sends none, as litex_server before
	// 2022 and an Etherbone core.
	Greeting string
	// MaxConns is the most Etherbone connections served at once; a
	// connection beyond it is closed as soon as it is accepted (counted
	// in ServerStats.Refused). 0 means DefaultMaxConns, a negative value
	// no limit.
	MaxConns int
	// IdleTimeout closes an Etherbone connection that sends nothing for
	// this long. 0 means DefaultIdleTimeout, a negative value never.
	IdleTimeout time.Duration
}

// DefaultMaxConns and DefaultIdleTimeout bound an Etherbone server's
// connections (ServeConfig): a board serves one host at a time, and a
// host that holds a connection without using it for minutes has gone.
const (
	DefaultMaxConns    = 8
	DefaultIdleTimeout = 10 * time.Minute
)

func (c ServeConfig) maxConns() int {
	if c.MaxConns == 0 {
		return DefaultMaxConns
	}
	return c.MaxConns
}

func (c ServeConfig) idleTimeout() time.Duration {
	if c.IdleTimeout == 0 {
		return DefaultIdleTimeout
	}
	return max(0, c.IdleTimeout)
}

// ServerStats count what a Server did.
type ServerStats struct {
	Frames    uint64     // complete frames (UARTBone) or packets (Etherbone) executed
	Abandoned uint64     // UARTBone frames abandoned at the frame timeout
	Malformed uint64     // UARTBone frames with an unknown command, Etherbone packets with a bad header
	BytesIn   uint64     // bytes received (before faults)
	BytesOut  uint64     // bytes sent (after faults)
	Overflow  uint64     // UARTBone answer bytes lost because the host did not read them in time
	Overrun   uint64     // UARTBone bytes lost because they arrived while the bridge answered (NoRxFIFO)
	Refused   uint64     // Etherbone connections closed at once: MaxConns were open
	Idle      uint64     // Etherbone connections closed after IdleTimeout without a byte
	AcceptErr uint64     // temporary accept errors (out of file descriptors...) waited out
	ToBoard   FaultStats // faults injected on received bytes
	FromBoard FaultStats // faults injected on sent bytes
}

// Server is the board side of the links: it serves UARTBone on a byte
// stream (a pty master) and Etherbone on a listener, backed by a Target.
// One Server may serve several links at once; it serialises access to the
// Target, and the links share one fault generator per direction.
type Server struct {
	cfg    ServeConfig
	mu     sync.Mutex // guards target, rx, tx, faults, past
	target driver.Target
	rx, tx *Injector
	faults Faults
	past   [2]FaultStats // of injectors replaced by SetFaults

	frames, abandoned, malformed, bytesIn, bytesOut, overflow, overrun atomic.Uint64
	refused, idle, acceptErr                                           atomic.Uint64
}

// NewServer returns a server of t.
func NewServer(t driver.Target, cfg ServeConfig) *Server {
	if cfg.FrameTimeout <= 0 {
		cfg.FrameTimeout = uartbone.FrameTimeout
	}
	return &Server{cfg: cfg, target: t, faults: cfg.Faults, rx: cfg.Faults.NewInjector(ToBoard), tx: cfg.Faults.NewInjector(FromBoard)}
}

// SetFaults replaces the faults from now on (new generators seeded with
// f.Seed); the counts of Stats go on. A test can load a board over a
// clean link and then make it lossy.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.past[0] = s.past[0].add(s.rx.Stats())
	s.past[1] = s.past[1].add(s.tx.Stats())
	s.faults, s.rx, s.tx = f, f.NewInjector(ToBoard), f.NewInjector(FromBoard)
}

// delay returns the latency to add for n frames.
func (s *Server) delay(n uint64) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults.Delay * time.Duration(n)
}

// Stats returns the counts so far.
func (s *Server) Stats() ServerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ServerStats{
		Frames: s.frames.Load(), Abandoned: s.abandoned.Load(), Malformed: s.malformed.Load(),
		BytesIn: s.bytesIn.Load(), BytesOut: s.bytesOut.Load(), Overflow: s.overflow.Load(), Overrun: s.overrun.Load(),
		Refused: s.refused.Load(), Idle: s.idle.Load(), AcceptErr: s.acceptErr.Load(),
		ToBoard: s.past[0].add(s.rx.Stats()), FromBoard: s.past[1].add(s.tx.Stats()),
	}
}

// writeDeadliner is a stream with write deadlines.
type writeDeadliner interface {
	SetWriteDeadline(t time.Time) error
}

// stuckWrite is how long the emulator's UART transmitter waits for a host
// that does not read before it drops its answers (ServerStats.Overflow).
const stuckWrite = time.Second

// deadliner is a stream with read deadlines (*os.File on a pty, net.Conn).
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// ServeUARTBone serves the UARTBone bridge on rw until ctx is done (then it
// returns nil) or rw fails. rw should have read deadlines (a pollable
// *os.File such as a pty master, a net.Conn) so that cancellation takes
// effect at once; without them it takes effect at the next byte. A pty
// master's EIO (no process has the slave open) is waited out.
func (s *Server) ServeUARTBone(ctx context.Context, rw io.ReadWriter) error {
	if d, ok := rw.(deadliner); ok {
		stop := context.AfterFunc(ctx, func() { _ = d.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	rx := &uartRx{
		s:        s,
		br:       &uartbone.Bridge{Target: s.target, FrameTimeout: s.cfg.FrameTimeout},
		rxLine:   newPacer(s.cfg.Baud),
		txShadow: newPacer(s.cfg.Baud),
	}
	if s.cfg.Baud > 0 {
		rx.byteTime = time.Duration(10 * int64(time.Second) / int64(s.cfg.Baud))
	}
	// Answers go out from their own goroutine, as a UART transmits while
	// it receives: the bridge never waits for the host to read. Answers
	// the host does not take in time are lost (a host's receive buffer
	// overflowing), never queued without bound.
	txq := make(chan uartReply, 64)
	txErr := make(chan error, 1)
	var txDone sync.WaitGroup
	txDone.Add(1)
	go func() {
		defer txDone.Done()
		s.transmit(rw, txq, txErr)
	}()
	defer func() {
		close(txq)
		txDone.Wait()
	}()
	buf := make([]byte, 4096)
	for {
		if ctx.Err() != nil {
			return nil
		}
		select {
		case err := <-txErr:
			if ctx.Err() != nil {
				return nil
			}
			return err
		default:
		}
		n, err := rw.Read(buf)
		if n > 0 {
			rx.receive(buf[:n], txq)
		}
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, os.ErrDeadlineExceeded):
				continue
			case errors.Is(err, syscall.EIO):
				// A pty master without a slave open.
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(10 * time.Millisecond):
				}
				continue
			}
			return err
		}
	}
}

// uartReply is an answer of the UARTBone bridge, made at t.
type uartReply struct {
	b []byte
	t time.Time
}

// transmit writes the answers queued on txq to w, paced at the baud rate,
// until txq is closed. After a write error it reports the error on txErr
// and drops the rest.
func (s *Server) transmit(w io.Writer, txq chan uartReply, txErr chan<- error) {
	txLine := newPacer(s.cfg.Baud)
	wd, _ := w.(writeDeadliner)
	failed := false
	for r := range txq {
		if failed {
			continue
		}
		sleepUntil(txLine.after(r.t, len(r.b)))
		// Counted before the write: a client that has read the
		// answer then sees it in Stats.
		s.bytesOut.Add(uint64(len(r.b)))
		if wd != nil {
			_ = wd.SetWriteDeadline(time.Now().Add(stuckWrite))
		}
		n, err := w.Write(r.b)
		if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
			// Nobody reads the pty: its buffer is full. A UART
			// would go on sending into a host's overflowing
			// buffer; drop this answer's rest and every answer
			// queued, so that the next host that opens the pty
			// finds what it can drain, not a backlog.
			lost := len(r.b) - n
			s.bytesOut.Add(^uint64(lost - 1)) // not sent after all
			for more := true; more; {
				select {
				case q, ok := <-txq:
					if !ok {
						more = false
						break
					}
					lost += len(q.b)
				default:
					more = false
				}
			}
			s.overflow.Add(uint64(lost))
			continue
		}
		if err != nil {
			failed = true
			txErr <- err
			continue
		}
	}
}

// uartRx is the receiving side of a UARTBone link a Server serves: the
// bridge and the line's pacing.
type uartRx struct {
	s                *Server
	br               *uartbone.Bridge
	rxLine, txShadow *pacer
	byteTime         time.Duration // 0: no baud rate
	// NoRxFIFO: when the bridge's answers occupy the line (an estimate of
	// the transmitter's schedule, which starts each answer when its last
	// request byte arrived or when the line is free), busyFrom to busyTo.
	busyFrom, busyTo time.Time
}

// receive takes bytes read from the link: paced and with the faults
// injected, it feeds them to the bridge and queues its answers on txq
// (or drops them if the queue is full).
func (u *uartRx) receive(b []byte, txq chan<- uartReply) {
	s := u.s
	now := time.Now()
	s.bytesIn.Add(uint64(len(b)))
	// The bytes were on the line for len(b) byte times (dropped ones too:
	// they were sent).
	arrived := u.rxLine.after(now, len(b))
	sleepUntil(arrived)
	s.mu.Lock()
	p := s.rx.Apply(b)
	before := u.br.Stats
	out := u.feed(p, arrived)
	st := u.br.Stats
	s.frames.Add(st.Frames - before.Frames)
	s.abandoned.Add(st.Abandoned - before.Abandoned)
	s.malformed.Add(st.BadCommands - before.BadCommands)
	if len(out) > 0 {
		out = s.tx.Apply(out)
	}
	s.mu.Unlock()
	if st.Frames > before.Frames {
		if d := s.delay(st.Frames - before.Frames); d > 0 {
			time.Sleep(d)
		}
	}
	if len(out) > 0 {
		select {
		case txq <- uartReply{out, time.Now()}:
		default:
			s.overflow.Add(uint64(len(out)))
		}
	}
}

// feed feeds the bridge bytes p that arrived by `arrived` and returns its
// answers. Without an Rx FIFO (NoRxFIFO, at a baud rate) it feeds them
// byte by byte, each at its arrival time: one that arrives while an answer
// is on the line is lost.
func (u *uartRx) feed(p []byte, arrived time.Time) []byte {
	if !u.s.cfg.NoRxFIFO || u.byteTime == 0 {
		return u.br.Feed(p, arrived, nil)
	}
	var out []byte
	first := arrived.Add(-time.Duration(len(p)) * u.byteTime)
	for i := range p {
		t := first.Add(time.Duration(i+1) * u.byteTime)
		if t.After(u.busyFrom) && !t.After(u.busyTo) {
			u.s.overrun.Add(1)
			continue
		}
		k := len(out)
		out = u.br.Feed(p[i:i+1], t, out)
		if len(out) > k {
			if u.txShadow.free.Before(t) {
				u.busyFrom = t
			}
			u.busyTo = u.txShadow.after(t, len(out)-k)
		}
	}
	return out
}

// ServeEtherbone accepts connections on l and serves Etherbone on each
// until ctx is done (then it closes l and the connections and returns
// nil) or l fails for good. A connection that sends a malformed packet is
// closed, and so is one idle for IdleTimeout; beyond MaxConns open
// connections a new one is closed at once. Temporary accept errors (out
// of file descriptors, a connection aborted before it was accepted) are
// waited out with a growing pause, as net/http's Server does, so that a
// flood of connections does not stop the board.
func (s *Server) ServeEtherbone(ctx context.Context, l net.Listener) error {
	var (
		wg    sync.WaitGroup
		cmu   sync.Mutex
		conns = map[net.Conn]bool{}
	)
	stop := context.AfterFunc(ctx, func() {
		_ = l.Close()
		cmu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		cmu.Unlock()
	})
	defer stop()
	defer wg.Wait()
	limit, idle := s.cfg.maxConns(), s.cfg.idleTimeout()
	var pause time.Duration // after a temporary accept error
	for {
		c, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !temporaryAccept(err) {
				return err
			}
			s.acceptErr.Add(1)
			pause = min(max(5*time.Millisecond, 2*pause), time.Second)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
			continue
		}
		pause = 0
		cmu.Lock()
		if ctx.Err() != nil {
			cmu.Unlock()
			_ = c.Close()
			return nil
		}
		if limit > 0 && len(conns) >= limit {
			cmu.Unlock()
			s.refused.Add(1)
			_ = c.Close()
			continue
		}
		conns[c] = true
		cmu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.greet(c) {
				s.serveEtherboneConn(c, idle)
			}
			cmu.Lock()
			delete(conns, c)
			cmu.Unlock()
			_ = c.Close()
		}()
	}
}

// temporaryAccept reports whether an accept error passes: a timeout, a
// connection reset or aborted before it was accepted, or a shortage of
// descriptors or memory that closing connections relieves.
func temporaryAccept(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// greet sends the greeting, in one write as litex_server does: LiteX's
// RemoteClient takes what its first recv returns as the greeting. Faults
// are not applied to it: it comes from the server (litex_server, on the
// host), not from the board's link. It reports whether the connection is
// still usable.
func (s *Server) greet(c net.Conn) bool {
	if s.cfg.Greeting == "" {
		return true
	}
	s.bytesOut.Add(uint64(len(s.cfg.Greeting)))
	_, err := io.WriteString(c, s.cfg.Greeting)
	return err == nil
}

// EtherboneGreeting returns the greeting litex_server sends on each new
// connection (litex/tools/litex_server.py, _send_server_info, since LiteX
// commit 35afd5995): the name of its link's class, its bind address and
// its port, joined by colons, with no terminator, such as
// "CommUART:localhost:1234". LiteX's RemoteClient reads it with one
// recv(128) and looks only for "CommPCIe" in it (a PCIe link maps the CSRs
// at 0).
func EtherboneGreeting(comm, host string, port int) string {
	return comm + ":" + host + ":" + strconv.Itoa(port)
}

// serveEtherboneConn serves one connection until it closes, sends a
// malformed packet or sends nothing for idle (0: no limit).
func (s *Server) serveEtherboneConn(c net.Conn, idle time.Duration) {
	br := &etherbone.Bridge{Target: s.target}
	buf := make([]byte, 4096)
	var out []byte
	for {
		if idle > 0 {
			_ = c.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := c.Read(buf)
		if n > 0 {
			s.bytesIn.Add(uint64(n))
			s.mu.Lock()
			p := s.rx.Apply(buf[:n])
			before := br.Stats
			var ferr error
			out, ferr = br.Feed(p, out[:0])
			st := br.Stats
			s.frames.Add(st.Packets - before.Packets)
			s.malformed.Add(st.Malformed - before.Malformed)
			if len(out) > 0 {
				out = s.tx.Apply(out)
			}
			s.mu.Unlock()
			if st.Packets > before.Packets {
				if d := s.delay(st.Packets - before.Packets); d > 0 {
					time.Sleep(d)
				}
			}
			if len(out) > 0 {
				s.bytesOut.Add(uint64(len(out))) // before the write, as on the pty
				if _, err := c.Write(out); err != nil {
					return
				}
			}
			if ferr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				s.idle.Add(1)
			}
			return
		}
	}
}

// pacer models one direction of a UART: a byte occupies the line for
// 10/baud seconds.
type pacer struct {
	baud int64
	free time.Time // when the line is next idle
}

func newPacer(baud int) *pacer { return &pacer{baud: int64(baud)} }

// after returns when n bytes, offered at t, have crossed the line.
func (p *pacer) after(t time.Time, n int) time.Time {
	if p.baud <= 0 {
		return t
	}
	if p.free.Before(t) {
		p.free = t
	}
	p.free = p.free.Add(time.Duration(int64(n) * 10 * int64(time.Second) / p.baud))
	return p.free
}

// sleepUntil waits until t: it sleeps while more than a millisecond is
// left (timers overshoot by tens of microseconds or more), and yields in a
// loop for the rest, so that paced links keep the microsecond timing of a
// fast UART.
func sleepUntil(t time.Time) {
	for {
		d := time.Until(t)
		if d <= 0 {
			return
		}
		if d > 2*time.Millisecond {
			time.Sleep(d - 1500*time.Microsecond)
			continue
		}
		runtime.Gosched()
	}
}
