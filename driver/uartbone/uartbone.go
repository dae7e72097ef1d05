// Package uartbone is the serial transport: LiteX's UARTBone wire format
// (litex/soc/cores/uart.py's Stream2Wishbone) over a serial port or a pty.
// Importing it registers the "serial" board URI scheme with package
// driver. Link is the host side (driver.Bus and driver.Batcher); Bridge is
// the board side of the same frames, which package emulator serves.
package uartbone

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/htmhw/htmhw/driver"
)

// Config configures a UARTBone client.
type Config struct {
	// Baud is the line rate. A reply is awaited for the line time of the
	// request and the reply (10 bits per byte) plus Timeout. 0: the link
	// has no rate (an unpaced pty).
	Baud int
	// Timeout is the least slack beyond the line time before a reply
	// counts as lost (USB-serial adapters add milliseconds). 0 means
	// 50 ms. The slack grows with what the link shows: three times the
	// latest replies' latency (a busy host, a slow board), doubled after
	// each reply that came late, up to MaxTimeout (UARTBone.Slack).
	Timeout time.Duration
	// MaxTimeout bounds the slack's growth. 0 means 10 s (or Timeout if
	// larger).
	MaxTimeout time.Duration
	// FrameTimeout is the bridge's frame timeout; after a reply that did
	// not come at all the client waits longer than it (FrameTimeout +
	// FrameTimeout/4) so that the bridge is idle again, and drains its
	// input. 0 means LiteX's 100 ms.
	FrameTimeout time.Duration
	// MaxBurst is the most words per frame, 1 to 255. 0 means 255.
	// (LiteX's own host, comm_uart.py, writes up to 142 words per frame
	// at 115200 baud, 8 before 2026.)
	MaxBurst int
	// Pipeline lets Batch send read requests back to back, before the
	// answers to earlier ones: one round trip for a whole batch. Only for
	// a board side that buffers what arrives while it answers (the
	// emulator, a bridge with a receive FIFO); LiteX's UARTBone loses
	// those bytes, so by default each read request is sent only after
	// the previous answer.
	Pipeline bool
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = 50 * time.Millisecond
	}
	if c.FrameTimeout <= 0 {
		c.FrameTimeout = FrameTimeout
	}
	if c.MaxTimeout <= 0 {
		c.MaxTimeout = 10 * time.Second
	}
	c.MaxTimeout = max(c.MaxTimeout, c.Timeout)
	if c.MaxBurst <= 0 || c.MaxBurst > 255 {
		c.MaxBurst = 255
	}
	return c
}

// Link is a Bus over LiteX's UARTBone wire format on a byte link (a
// serial port, a pty): docs/DRIVER.md.
//
// The port's reads should either honour read deadlines (a pollable
// *os.File such as a pty or a tty opened by this package, a net.Conn) or
// return periodically when idle, as github.com/tarm/serial does with a
// ReadTimeout (it returns (0, io.EOF) then, which UARTBone reads as
// "nothing yet").
type Link struct {
	port  io.ReadWriter
	cfg   Config
	dl    deadliner // nil: the port's reads return periodically
	dirty bool      // a request was interrupted: resynchronise first
	fresh bool      // no request yet: drain what an earlier host left
	// The reply slack adapts to the link (Slack): latency is a decaying
	// peak of the replies' latency beyond their line time, late counts
	// the replies in a row that came after their deadline.
	latency time.Duration
	late    int
	buf     []byte // answers
	req     []byte // requests
	stats   driver.LinkStats
}

// discarder drops input that is waiting, without blocking, and returns
// how many bytes it dropped (-1 if it cannot tell).
type discarder interface {
	Discard() (int, error)
}

// New returns a UARTBone client on port. Close closes the port if
// it is an io.Closer.
func New(port io.ReadWriter, cfg Config) *Link {
	if f, ok := port.(*os.File); ok {
		port = &filePort{File: f}
	}
	u := &Link{port: port, cfg: cfg.withDefaults(), fresh: true}
	if d, ok := port.(deadliner); ok {
		// A file that is not pollable has no deadlines.
		if err := d.SetReadDeadline(time.Time{}); err == nil {
			u.dl = d
		}
	}
	return u
}

// MaxBurst returns the most words per frame.
func (u *Link) MaxBurst() int { return u.cfg.MaxBurst }

// LinkStats returns the traffic and recoveries so far.
func (u *Link) LinkStats() driver.LinkStats { return u.stats }

// Close closes the port.
func (u *Link) Close() error {
	if c, ok := u.port.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// lineTime is the time n bytes take on the line.
func (u *Link) lineTime(n int) time.Duration {
	if u.cfg.Baud <= 0 {
		return 0
	}
	return time.Duration(int64(n) * 10 * int64(time.Second) / int64(u.cfg.Baud))
}

// Read reads len(dst) words at addr (incrementing or fixed), in frames of
// at most MaxBurst words.
func (u *Link) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	for len(dst) > 0 {
		n := min(len(dst), u.cfg.MaxBurst)
		if err := u.read(ctx, addr, dst[:n], incr); err != nil {
			return err
		}
		dst = dst[n:]
		if incr {
			addr += uint32(n)
		}
	}
	return nil
}

func (u *Link) read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if err := u.prepare(ctx); err != nil {
		return err
	}
	u.req = appendReadFrame(u.req[:0], addr, len(dst), incr)
	return u.exchange(ctx, u.req, 1, [][]uint32{dst}, func() string { return fmt.Sprintf("read %d words at %#x", len(dst), addr) })
}

// appendReadFrame appends a read request of n ≤ 255 words.
func appendReadFrame(b []byte, addr uint32, n int, incr bool) []byte {
	cmd := byte(ReadIncr)
	if !incr {
		cmd = ReadFixed
	}
	b = append(b, cmd, byte(n))
	return binary.BigEndian.AppendUint32(b, addr)
}

// appendWriteFrames appends write frames of at most burst words each and
// returns the buffer and the number of frames.
func appendWriteFrames(b []byte, addr uint32, src []uint32, incr bool, burst int) ([]byte, int) {
	cmd := byte(WriteIncr)
	if !incr {
		cmd = WriteFixed
	}
	frames := 0
	for len(src) > 0 {
		n := min(len(src), burst)
		b = append(b, cmd, byte(n))
		b = binary.BigEndian.AppendUint32(b, addr)
		for _, v := range src[:n] {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		src = src[n:]
		if incr {
			addr += uint32(n)
		}
		frames++
	}
	return b, frames
}

// exchange sends req (frames request frames) and reads the answers, one
// word for each element of dsts, in order. On a timeout it resynchronises
// and returns ErrTimeout.
func (u *Link) exchange(ctx context.Context, req []byte, frames int, dsts [][]uint32, what func() string) error {
	u.stats.Requests += uint64(frames) - 1 // write counts one
	if err := u.write(req); err != nil {
		return err
	}
	n := 0
	for _, d := range dsts {
		n += 4 * len(d)
	}
	if n == 0 {
		return nil
	}
	if cap(u.buf) < n {
		u.buf = make([]byte, n)
	}
	p := u.buf[:n]
	sent, line := time.Now(), u.lineTime(len(req)+n)
	slack := u.Slack()
	got, err := u.readFull(ctx, p, sent.Add(line+slack))
	u.stats.BytesIn += uint64(got)
	if err != nil {
		if errors.Is(err, driver.ErrTimeout) {
			u.stats.Timeouts++
			// Part of the answer came: the bridge took the whole
			// frame and answered, and bytes were lost on the way
			// back. It is idle: draining what is still coming is
			// enough. Nothing came: the bridge may hold part of a
			// frame, wait out its frame timeout. (Not the slack
			// again: on a lossy link every loss would cost it. An
			// answer that comes later still is dropped before the
			// next request, or fails its checks.)
			wait := u.cfg.FrameTimeout + u.cfg.FrameTimeout/4
			if got > 0 {
				u.stats.ShortReplies++
				wait = u.lineTime(n) + u.cfg.Timeout
			}
			stale := u.stats.Stale
			if rerr := u.resync(ctx, wait); rerr != nil {
				return rerr
			}
			if u.stats.Stale > stale {
				// More of the answer came after its deadline: the
				// deadline was short, not the answer.
				u.late = min(u.late+1, 16)
				u.stats.Late++
			}
			return fmt.Errorf("uartbone: %s: %w (%d of %d bytes arrived)", what(), err, got, n)
		}
		u.dirty = true
		return fmt.Errorf("uartbone: %s: %w", what(), err)
	}
	u.observe(time.Since(sent) - line)
	for _, d := range dsts {
		for i := range d {
			d[i] = binary.BigEndian.Uint32(p[4*i:])
		}
		p = p[4*len(d):]
	}
	return nil
}

// observe records the latency of a reply that arrived whole: beyond its
// line time, what the host, the link and the board took.
func (u *Link) observe(d time.Duration) {
	u.latency = max(d, u.latency-u.latency/16)
	u.late = 0
}

// Slack returns how long beyond its line time a reply is awaited now:
// three times the recent replies' peak latency, at least
// UARTBoneConfig.Timeout, doubled for each reply in a row that came after
// its deadline, at most UARTBoneConfig.MaxTimeout. On a loaded host
// replies take longer than on a quiet one; a fixed timeout would then
// count them lost, one after another.
func (u *Link) Slack() time.Duration {
	s := max(u.cfg.Timeout, 3*u.latency)
	for range u.late {
		if s >= u.cfg.MaxTimeout {
			break
		}
		s *= 2
	}
	return min(s, u.cfg.MaxTimeout)
}

// Pipelined reports whether Batch sends read requests back to back
// (UARTBoneConfig.Pipeline, URI parameter pipeline=1).
func (u *Link) Pipelined() bool { return u.cfg.Pipeline }

// Batch performs the accesses in order (Batcher). Write frames are sent
// with the next read request in one write to the port. Without Pipeline
// each read request waits for the previous answer, as a LiteX bridge
// needs; with it the whole batch is sent at once and its answers are read
// together.
func (u *Link) Batch(ctx context.Context, acc []driver.Access) error {
	req := u.req[:0]
	frames := 0
	var dsts [][]uint32
	flush := func() error {
		if frames == 0 {
			return nil
		}
		if err := u.prepare(ctx); err != nil {
			return err
		}
		reads, words := len(dsts), 0
		for _, d := range dsts {
			words += len(d)
		}
		err := u.exchange(ctx, req, frames, dsts, func() string {
			return fmt.Sprintf("batch of %d frames, %d reads of %d words", frames, reads, words)
		})
		req, frames, dsts = req[:0], 0, dsts[:0]
		return err
	}
	for _, a := range acc {
		if a.Write {
			var f int
			req, f = appendWriteFrames(req, a.Addr, a.Data, !a.Fixed, u.cfg.MaxBurst)
			frames += f
			continue
		}
		for off := 0; off < len(a.Data); off += u.cfg.MaxBurst {
			n := min(len(a.Data)-off, u.cfg.MaxBurst)
			addr := a.Addr
			if !a.Fixed {
				addr += uint32(off)
			}
			req = appendReadFrame(req, addr, n, !a.Fixed)
			frames++
			dsts = append(dsts, a.Data[off:off+n])
			if !u.cfg.Pipeline {
				if err := flush(); err != nil {
					u.req = req
					return err
				}
			}
		}
	}
	err := flush()
	u.req = req
	return err
}

// Write writes the words at addr (incrementing or fixed), in frames of at
// most MaxBurst words, all sent at once. UARTBone does not answer writes:
// a nil error means the frames left, not that they arrived.
func (u *Link) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if len(src) == 0 {
		return nil
	}
	if err := u.prepare(ctx); err != nil {
		return err
	}
	b, frames := appendWriteFrames(u.req[:0], addr, src, incr, u.cfg.MaxBurst)
	u.req = b
	u.stats.Requests += uint64(frames) - 1 // write counts one more
	return u.write(b)
}

// write sends request bytes.
func (u *Link) write(b []byte) error {
	u.stats.Requests++
	n, err := u.port.Write(b)
	u.stats.BytesOut += uint64(n)
	if err != nil {
		if n > 0 {
			u.dirty = true // the bridge holds a partial frame
		}
		return fmt.Errorf("uartbone: %w", err)
	}
	return nil
}

// prepare readies the link for a request: it resynchronises after an
// interrupted request and drops stale input (as LiteX's comm_uart does
// before every request), so that a late answer to an earlier frame is not
// read as this one's.
func (u *Link) prepare(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if u.fresh {
		// A serial line (a pty, a tty) outlives its hosts: a host that
		// left with answers unread, or in the middle of a frame, leaves
		// them to the next. Start clean: drop input until the line is
		// quiet.
		if err := u.drain(ctx); err != nil {
			return err // still fresh: the next request drains
		}
		u.fresh = false
	}
	if u.dirty {
		if err := u.resync(ctx, u.cfg.FrameTimeout+u.cfg.FrameTimeout/4); err != nil {
			return err
		}
	}
	if d, ok := u.port.(discarder); ok {
		if n, _ := d.Discard(); n > 0 {
			u.stats.Stale += uint64(n)
			u.stats.BytesIn += uint64(n)
		}
	}
	return nil
}

// resync waits for wait, discarding what arrives (wait is longer than the
// bridge's frame timeout when the bridge may hold part of a frame: it has
// then abandoned the frame and sent any answer), then drops what is left.
func (u *Link) resync(ctx context.Context, wait time.Duration) error {
	u.stats.Resyncs++
	u.dirty = true
	end := time.Now().Add(wait)
	var scratch [512]byte
	for {
		got, err := u.readFull(ctx, scratch[:], end)
		u.stats.Stale += uint64(got)
		u.stats.BytesIn += uint64(got)
		if err == nil {
			continue
		}
		if errors.Is(err, driver.ErrTimeout) && !time.Now().Before(end) {
			break
		}
		if errors.Is(err, driver.ErrTimeout) { // ctx's deadline came first
			err = context.DeadlineExceeded
		}
		return fmt.Errorf("uartbone: resynchronising: %w", err)
	}
	if d, ok := u.port.(discarder); ok {
		if n, _ := d.Discard(); n > 0 {
			u.stats.Stale += uint64(n)
			u.stats.BytesIn += uint64(n)
		}
	}
	u.dirty = false
	return nil
}

// drainQuiet and drainMost bound drain: the line must be quiet for
// drainQuiet plus the reply slack (at most drainSlack of it), and drain
// gives up waiting for that after drainMost (the request that follows
// then fails and is retried).
const (
	drainQuiet = 20 * time.Millisecond
	drainSlack = 200 * time.Millisecond
	drainMost  = 10 * time.Second
)

// drain readies a line a host has just opened: it drops input until none
// has arrived for a while (an earlier host's unread answers, which a
// board, or the emulator, may still be sending). A frame an earlier host
// left incomplete is abandoned at the bridge's frame timeout: the first
// request may then fail, and is retried as after any loss.
func (u *Link) drain(ctx context.Context) error {
	quiet := drainQuiet + min(u.cfg.Timeout, drainSlack)
	end := time.Now().Add(drainMost)
	var scratch [512]byte
	for time.Now().Before(end) {
		got, err := u.readFull(ctx, scratch[:], time.Now().Add(quiet))
		u.stats.Stale += uint64(got)
		u.stats.BytesIn += uint64(got)
		if err != nil && !errors.Is(err, driver.ErrTimeout) {
			return fmt.Errorf("uartbone: draining the line: %w", err)
		}
		if got == 0 {
			return nil
		}
	}
	return nil
}

// readFull reads len(p) bytes before deadline. It returns ErrTimeout if
// they do not arrive in time, ctx's error if ctx is done.
func (u *Link) readFull(ctx context.Context, p []byte, deadline time.Time) (int, error) {
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if u.dl != nil {
		stop := context.AfterFunc(ctx, func() { _ = u.dl.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
		defer u.dl.SetReadDeadline(time.Time{})
	}
	got := 0
	for got < len(p) {
		if u.dl != nil {
			_ = u.dl.SetReadDeadline(deadline)
		}
		if err := ctx.Err(); err != nil {
			return got, err
		}
		if !time.Now().Before(deadline) {
			return got, driver.ErrTimeout
		}
		n, err := u.port.Read(p[got:])
		got += n
		if err != nil {
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded):
			case err == io.EOF && n == 0 && u.dl == nil:
				// tarm/serial: the port's read timeout ran out.
			default:
				return got, err
			}
		}
	}
	return got, nil
}

// deadliner is a stream with read deadlines (*os.File, net.Conn).
type deadliner interface {
	SetReadDeadline(t time.Time) error
}
