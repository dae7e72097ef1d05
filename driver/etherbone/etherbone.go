// Package etherbone is the TCP transport: LiteX's Etherbone packets
// (litex_server's TCP service, or a board's Etherbone core). Importing it
// registers the "tcp" board URI scheme with package driver. Link is the
// host side (driver.Bus and driver.Batcher, pipelined); Bridge is the
// board side of the same packets, which package emulator serves.
package etherbone

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/htmhw/htmhw/driver"
)

func init() { driver.Register("tcp", openEtherbone) }

// openEtherbone opens tcp://host:port (default localhost:1234, LiteX's
// litex_server) with the query parameters timeout (reply timeout, default
// 1s) and dial (connect timeout, default 10s).
func openEtherbone(u *url.URL) (driver.Bus, error) {
	host := u.Host
	if host == "" {
		host = "localhost"
	}
	if u.Port() == "" {
		host = net.JoinHostPort(host, strconv.Itoa(Port))
	}
	cfg := Config{}
	if v := u.Query().Get("timeout"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("tcp: timeout %q: want a duration such as 200ms", v)
		}
		cfg.Timeout = d
	}
	if v := u.Query().Get("dial"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("tcp: dial %q: want a duration such as 5s", v)
		}
		cfg.DialTimeout = d
	}
	return Dial(context.Background(), host, cfg)
}

// Config configures an Etherbone client.
type Config struct {
	// Timeout bounds each reply. 0 means 1 s.
	Timeout time.Duration
	// DialTimeout bounds connecting (and reconnecting after a failed
	// reply), on its own: a short reply timeout on a lossy link must not
	// make a connection to a busy host fail. 0 means 10 s (or Timeout if
	// longer).
	DialTimeout time.Duration
}

// Link is a Bus over LiteX's Etherbone-over-TCP format
// (litex_server): docs/DRIVER.md. Word address a is Etherbone byte
// address 4a. After a timeout or a malformed reply the client closes the
// connection and dials again before the next request: a byte stream has no
// other way back to a packet boundary.
//
// A greeting that the server sends on a new connection (litex_server's,
// see EtherboneGreeting) is read and dropped before the connection's first
// reply, never taken for one; a server that sends none works the same.
type Link struct {
	addr     string
	cfg      Config
	conn     net.Conn
	r        *bufio.Reader // reads conn
	greet    bool          // the connection's first reply is still to come: a greeting may precede it
	greeting string        // the greeting read on this connection
	buf      []byte
	stats    driver.LinkStats

	noQuickAck bool // for BenchmarkLiteXServer: acknowledge as the kernel likes
}

// maxGreeting is the longest greeting the client skips: LiteX's
// RemoteClient reads the greeting with one recv(128), so a server that
// sent more would break LiteX's own client.
const maxGreeting = 128

// errNotGreeting reports bytes before a connection's first reply that are
// neither a greeting nor a packet header.
var errNotGreeting = errors.New("not a greeting")

// Dial connects to an Etherbone server at addr (host:port).
func Dial(ctx context.Context, addr string, cfg Config) (*Link, error) {
	e := &Link{addr: addr, cfg: cfg.withDefaults()}
	if err := e.dial(ctx); err != nil {
		return nil, fmt.Errorf("etherbone: %w", err)
	}
	return e, nil
}

// NewLink returns a client on a connection already open to an Etherbone
// server (through a tunnel, or a net.Pipe in a test). A connection it
// loses it redials over TCP at c.RemoteAddr().
func NewLink(c net.Conn, cfg Config) *Link {
	e := &Link{addr: c.RemoteAddr().String(), cfg: cfg.withDefaults()}
	e.setConn(c)
	return e
}

// withDefaults fills in the timeouts left zero.
func (cfg Config) withDefaults() Config {
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = max(10*time.Second, cfg.Timeout)
	}
	return cfg
}

func (e *Link) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: cmp.Or(e.cfg.DialTimeout, e.cfg.Timeout)}
	c, err := d.DialContext(ctx, "tcp", e.addr)
	if err != nil {
		return err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	e.setConn(c)
	return nil
}

// setConn starts using a new connection, on which a greeting may come.
func (e *Link) setConn(c net.Conn) {
	e.conn = c
	if e.r == nil {
		e.r = bufio.NewReaderSize(c, 4096)
	} else {
		e.r.Reset(c)
	}
	e.greet, e.greeting = true, ""
}

// Greeting returns the greeting the server sent on the current connection,
// such as litex_server's "CommUART:localhost:1234": "" if it sent none or
// before the connection's first reply has been read.
func (e *Link) Greeting() string { return e.greeting }

// skipGreeting reads what precedes the connection's first reply: nothing,
// or a greeting. litex_server (since LiteX commit 35afd5995, 2022) sends
// its greeting, text without a terminator, as soon as it accepts, so it
// comes before every reply; older servers and Etherbone cores send none.
// A reply starts with a packet header (4e 6f 1x 44 00 00 00 00), which
// holds bytes that text does not (control characters, NULs), and no suffix
// of a text followed by a header matches a header: the reply starts at the
// first header in the stream, whatever the timing of the bytes. Bytes
// before it that are not text, or more than maxGreeting of them, are
// errNotGreeting. It returns the bytes it consumed.
func (e *Link) skipGreeting() (int, error) {
	var g []byte
	for {
		h, err := e.r.Peek(ebHeaderLen)
		if err != nil {
			return len(g), err
		}
		if isEtherboneHeader(h) {
			break
		}
		if c := h[0]; len(g) == maxGreeting || c < 0x20 || c == 0x7f {
			return len(g), fmt.Errorf("%w: % x", errNotGreeting, append(g, h...))
		}
		g = append(g, h[0])
		_, _ = e.r.Discard(1)
	}
	e.greet, e.greeting = false, string(g)
	return len(g), nil
}

// isEtherboneHeader reports whether h starts with a packet header as
// LiteX's encodes it: magic, version 1, 32-bit addresses and ports, zero
// padding.
func isEtherboneHeader(h []byte) bool {
	return len(h) >= ebHeaderLen && binary.BigEndian.Uint16(h) == Magic && h[2]>>4 == 1 &&
		h[3] == ebSizesByte && binary.BigEndian.Uint32(h[4:]) == 0
}

// drop closes the connection after a failure; the next request dials.
func (e *Link) drop() {
	if e.conn != nil {
		_ = e.conn.Close()
		e.conn = nil
	}
}

// MaxBurst returns 255, the most reads or writes in one record.
func (e *Link) MaxBurst() int { return etherboneMaxWord }

// LinkStats returns the traffic and recoveries so far.
func (e *Link) LinkStats() driver.LinkStats { return e.stats }

// Close closes the connection.
func (e *Link) Close() error {
	if e.conn == nil {
		return nil
	}
	err := e.conn.Close()
	e.conn = nil
	return err
}

// ready dials if the connection was dropped. A link that cannot be made
// again is still lost (ErrLinkLost): the next request dials again.
func (e *Link) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.conn != nil {
		return nil
	}
	e.stats.Resyncs++
	if err := e.dial(ctx); err != nil {
		return fmt.Errorf("etherbone: reconnect: %w: %w", driver.ErrLinkLost, err)
	}
	return nil
}

// send writes request bytes.
func (e *Link) send(ctx context.Context, b []byte, packets int) error {
	dl := time.Now().Add(e.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = e.conn.SetWriteDeadline(dl)
	n, err := e.conn.Write(b)
	e.stats.Requests += uint64(packets)
	e.stats.BytesOut += uint64(n)
	if err != nil {
		e.drop()
		return fmt.Errorf("etherbone: %w: %w", driver.ErrLinkLost, err)
	}
	return nil
}

// Write writes the words. Incrementing writes go in records of up to 255
// words at base byte address 4·addr; fixed writes go as one single-word
// packet per word, all sent at once (LiteX's server ignores the wff flag).
// Etherbone does not answer writes: a nil error means the packets left.
func (e *Link) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if len(src) == 0 {
		return nil
	}
	if err := e.ready(ctx); err != nil {
		return err
	}
	b, packets := appendEtherboneWrites(e.buf[:0], addr, src, incr)
	e.buf = b
	return e.send(ctx, b, packets)
}

// Read reads len(dst) words, in records of up to 255 reads.
func (e *Link) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	return e.Batch(ctx, []driver.Access{{Addr: addr, Data: dst, Fixed: !incr}})
}

// Batch performs the accesses in order (Batcher): the packets of all of
// them leave in one write, then the answers of the reads are read in
// order. TCP loses nothing and litex_server serves packets one after the
// other, so the link is pipelined.
func (e *Link) Batch(ctx context.Context, acc []driver.Access) error {
	if err := e.ready(ctx); err != nil {
		return err
	}
	b, packets := e.buf[:0], 0
	for _, a := range acc {
		if a.Write {
			var n int
			b, n = appendEtherboneWrites(b, a.Addr, a.Data, !a.Fixed)
			packets += n
			continue
		}
		for addr, dst := range readRecords(a) {
			b = appendEtherboneRead(b, addr, len(dst), !a.Fixed)
			packets++
		}
	}
	e.buf = b
	if packets == 0 {
		return nil
	}
	if err := e.send(ctx, b, packets); err != nil {
		return err
	}
	for _, a := range acc {
		if a.Write {
			continue
		}
		for addr, dst := range readRecords(a) {
			if err := e.answer(ctx, addr, dst); err != nil {
				return err
			}
		}
	}
	return nil
}

// readRecords splits a read access into the records that carry it: each
// record's first word address and its part of a.Data (up to 255 words).
func readRecords(a driver.Access) iter.Seq2[uint32, []uint32] {
	return func(yield func(uint32, []uint32) bool) {
		for off := 0; off < len(a.Data); off += etherboneMaxWord {
			addr := a.Addr
			if !a.Fixed {
				addr += uint32(off)
			}
			if !yield(addr, a.Data[off:min(len(a.Data), off+etherboneMaxWord)]) {
				return
			}
		}
	}
}

// Pipelined reports true: Batch sends every read before the first answer.
func (e *Link) Pipelined() bool { return true }

// appendEtherboneWrites appends the packets that write src at word address
// addr (records of up to 255 words; one packet a word if not incr) and
// returns them with their count.
func appendEtherboneWrites(b []byte, addr uint32, src []uint32, incr bool) ([]byte, int) {
	packets := 0
	for len(src) > 0 {
		n := min(len(src), etherboneMaxWord)
		if !incr {
			n = 1
		}
		b = appendEtherboneHeader(b, 0, ebByteEnableAll, n, 0)
		b = binary.BigEndian.AppendUint32(b, 4*addr)
		for _, v := range src[:n] {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		src = src[n:]
		if incr {
			addr += uint32(n)
		}
		packets++
	}
	return b, packets
}

// appendEtherboneRead appends the packet that reads n ≤ 255 words at word
// address addr.
func appendEtherboneRead(b []byte, addr uint32, n int, incr bool) []byte {
	b = appendEtherboneHeader(b, 0, ebByteEnableAll, 0, n)
	b = binary.BigEndian.AppendUint32(b, 0) // base return address
	for i := range n {
		a := addr
		if incr {
			a += uint32(i)
		}
		b = binary.BigEndian.AppendUint32(b, 4*a)
	}
	return b
}

// answer reads the answer to a read of len(dst) words at addr.
func (e *Link) answer(ctx context.Context, addr uint32, dst []uint32) error {
	n := len(dst)
	// The answer: headers, base address, n words.
	want := ebHeaderLen + ebRecordLen + 4 + 4*n
	if cap(e.buf) < want {
		e.buf = make([]byte, want)
	}
	p := e.buf[:want]
	dl := time.Now().Add(e.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = e.conn.SetReadDeadline(dl)
	if !e.noQuickAck {
		quickAck(e.conn)
	}
	stop := context.AfterFunc(ctx, func() { _ = e.conn.SetReadDeadline(time.Unix(1, 0)) })
	var skipped, got int
	var err error
	if e.greet {
		skipped, err = e.skipGreeting()
	}
	if err == nil {
		got, err = io.ReadFull(e.r, p)
	}
	stop()
	e.stats.BytesIn += uint64(skipped + got)
	if err != nil {
		e.drop()
		if errors.Is(err, errNotGreeting) {
			e.stats.Malformed++
			return fmt.Errorf("etherbone: read %d words at %#x: %w: before the connection's first reply: %w", n, addr, driver.ErrMalformed, err)
		}
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("etherbone: read %d words at %#x: %w", n, addr, cerr)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			e.stats.Timeouts++
			return fmt.Errorf("etherbone: read %d words at %#x: %w (%d of %d bytes arrived)", n, addr, driver.ErrTimeout, got, want)
		}
		return fmt.Errorf("etherbone: read %d words at %#x: %w: %w", n, addr, driver.ErrLinkLost, err)
	}
	if binary.BigEndian.Uint16(p) != Magic || p[2]>>4 != 1 || p[3] != ebSizesByte ||
		int(p[10]) != n || p[11] != 0 {
		e.stats.Malformed++
		e.drop()
		return fmt.Errorf("etherbone: read %d words at %#x: %w: header % x", n, addr, driver.ErrMalformed, p[:ebHeaderLen+ebRecordLen])
	}
	for i := range dst {
		dst[i] = binary.BigEndian.Uint32(p[ebHeaderLen+ebRecordLen+4+4*i:])
	}
	return nil
}
