// Package spi is the SPI transport, through periph.io's spi.Conn.
// Importing it registers the "spi" board URI scheme with package driver.
// Link is the host side; Target is the slave side of the same framing, a
// spi.Conn over a driver.Target, for tests and emulation.
package spi

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"

	"github.com/htmhw/htmhw/driver"
)

func init() { driver.Register("spi", openSPI) }

// SPI framing (docs/DRIVER.md). One request is one transaction (chip
// select asserted throughout), full duplex, mode 0 by default, 8-bit words:
//
//	MOSI: cmd(1) count(1) addr(4, big-endian word address) then
//	      write: count × data(4, big-endian), turnaround(1), status slot(1)
//	      read:  turnaround(1), count × 4 dummy bytes, status slot(1)
//	MISO: 0xFF until the data; for a read the words (big-endian) in the
//	      data slots; then the status byte: SPIAck (0x5A) if the slave took
//	      the whole frame and executed it. Anything else (0xFF: an idle
//	      MISO line, nothing attached) is a failed request.
//
// cmd uses UARTBone's codes (0x01 write incrementing, 0x02 read
// incrementing, 0x03 write fixed, 0x04 read fixed); count is 1 to 255.
// The turnaround byte gives the slave one byte time to finish the last
// Wishbone write or fetch the first read word. Chip select delimits every
// frame, so SPI needs no timeouts to resynchronise: a frame cut short is
// abandoned when chip select rises (words already complete stay written),
// and no status is sent for it.
const (
	SPIAck        = 0x5A
	cmdWriteIncr  = 0x01
	cmdReadIncr   = 0x02
	cmdWriteFixed = 0x03
	cmdReadFixed  = 0x04
	spiIdle       = 0xFF
	spiHeader     = 6
)

// Link is a Bus over a periph.io spi.Conn.
type Link struct {
	conn     spi.Conn
	closer   interface{ Close() error }
	maxBurst int
	w, r     []byte
	stats    driver.LinkStats
}

// New returns a bus on c. Bursts are limited to 255 words and to what
// fits the connection's largest transfer (conn.Limits).
func New(c spi.Conn) *Link {
	s := &Link{conn: c, maxBurst: 255}
	if l, ok := c.(conn.Limits); ok && l.MaxTxSize() > 0 {
		s.maxBurst = max(1, min(255, (l.MaxTxSize()-spiHeader-2)/4))
	}
	return s
}

// openSPI opens spi://NAME?hz=10MHz&mode=0 where NAME is a port name of
// periph.io's SPI registry (spireg: "SPI0.0", "/dev/spidev0.0", or empty
// for the first port). The registry is empty unless periph.io's host
// drivers are linked in and initialised (periph.io/x/host's host.Init),
// which htmhw does not do yet: opening then fails with an error that says
// so.
func openSPI(u *url.URL) (driver.Bus, error) {
	name := u.Host + u.Path
	q := u.Query()
	hz := 10 * physic.MegaHertz
	if v := q.Get("hz"); v != "" {
		if err := hz.Set(v); err != nil {
			return nil, fmt.Errorf("spi: hz %q: %w", v, err)
		}
	}
	mode := spi.Mode0
	if v := q.Get("mode"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 || m > 3 {
			return nil, fmt.Errorf("spi: mode %q: want 0 to 3", v)
		}
		mode = spi.Mode(m)
	}
	if len(spireg.All()) == 0 {
		return nil, fmt.Errorf("spi: no SPI ports registered: htmhw is built without periph.io host drivers (periph.io/x/host, host.Init), so %q cannot be opened", name)
	}
	p, err := spireg.Open(strings.TrimPrefix(name, "/dev/"))
	if err != nil {
		p, err = spireg.Open(name)
	}
	if err != nil {
		return nil, fmt.Errorf("spi: %w", err)
	}
	c, err := p.Connect(hz, mode, 8)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("spi: %s: %w", name, err)
	}
	s := New(c)
	s.closer = p
	return s, nil
}

// MaxBurst returns the most words per transaction.
func (s *Link) MaxBurst() int { return s.maxBurst }

// LinkStats returns the traffic so far.
func (s *Link) LinkStats() driver.LinkStats { return s.stats }

// Close closes the port.
func (s *Link) Close() error {
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}

func (s *Link) tx(n int) ([]byte, []byte) {
	if cap(s.w) < n {
		s.w, s.r = make([]byte, n), make([]byte, n)
	}
	return s.w[:n], s.r[:n]
}

// frame runs one transaction of count words.
func (s *Link) frame(cmd byte, addr uint32, words []uint32) error {
	n := len(words)
	write := cmd == cmdWriteIncr || cmd == cmdWriteFixed
	w, r := s.tx(spiHeader + 4*n + 2)
	clear(w)
	w[0], w[1] = cmd, byte(n)
	binary.BigEndian.PutUint32(w[2:], addr)
	if write {
		for i, v := range words {
			binary.BigEndian.PutUint32(w[spiHeader+4*i:], v)
		}
	}
	s.stats.Requests++
	if err := s.conn.Tx(w, r); err != nil {
		return fmt.Errorf("spi: %w", err)
	}
	s.stats.BytesOut += uint64(len(w))
	s.stats.BytesIn += uint64(len(r))
	if st := r[len(r)-1]; st != SPIAck {
		s.stats.Malformed++
		return fmt.Errorf("spi: %d words at %#x: status %#02x: %w", n, addr, st, driver.ErrMalformed)
	}
	if !write {
		for i := range words {
			words[i] = binary.BigEndian.Uint32(r[spiHeader+1+4*i:])
		}
	}
	return nil
}

func (s *Link) burst(ctx context.Context, cmd byte, addr uint32, words []uint32, incr bool) error {
	for len(words) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(words), s.maxBurst)
		if err := s.frame(cmd, addr, words[:n]); err != nil {
			return err
		}
		words = words[n:]
		if incr {
			addr += uint32(n)
		}
	}
	return nil
}

// Read reads words in transactions of at most MaxBurst words.
func (s *Link) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	cmd := byte(cmdReadIncr)
	if !incr {
		cmd = cmdReadFixed
	}
	return s.burst(ctx, cmd, addr, dst, incr)
}

// Write writes words in transactions of at most MaxBurst words; each is
// acknowledged.
func (s *Link) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	cmd := byte(cmdWriteIncr)
	if !incr {
		cmd = cmdWriteFixed
	}
	// frame does not change the words of a write.
	return s.burst(ctx, cmd, addr, src, incr)
}

// Target is the slave side of the SPI framing: a spi.Conn whose every
// Tx is one transaction (chip select down for the whole of w) decoded
// against a driver.Target. A test (or an emulator) gives it to New.
type Target struct {
	Target driver.Target
	Stats  TargetStats
}

// TargetStats count a slave's transactions.
type TargetStats struct {
	Frames    uint64 // complete frames executed (acknowledged)
	Truncated uint64 // frames cut short by chip select
	Bad       uint64 // frames with an unknown command or a zero count
}

func (t *Target) String() string      { return "htmhw SPI target" }
func (t *Target) Duplex() conn.Duplex { return conn.Full }
func (t *Target) TxPackets(p []spi.Packet) error {
	return errors.New("spi target: TxPackets not supported")
}

// Tx runs one transaction: MOSI bytes w, MISO bytes into r (len(r) must
// be len(w), or r nil to ignore MISO).
func (t *Target) Tx(w, r []byte) error {
	if r != nil && len(r) != len(w) {
		return fmt.Errorf("spi target: %d bytes out, %d in: full duplex wants equal lengths", len(w), len(r))
	}
	if r == nil {
		r = make([]byte, len(w))
	}
	for i := range r {
		r[i] = spiIdle
	}
	if len(w) < spiHeader {
		t.Stats.Truncated++
		return nil
	}
	cmd, n := w[0], int(w[1])
	addr := binary.BigEndian.Uint32(w[2:])
	step := uint32(0)
	if cmd == cmdWriteIncr || cmd == cmdReadIncr {
		step = 1
	}
	if n == 0 || cmd < cmdWriteIncr || cmd > cmdReadFixed {
		t.Stats.Bad++
		return nil
	}
	switch cmd {
	case cmdWriteIncr, cmdWriteFixed:
		for i := range n {
			off := spiHeader + 4*i
			if off+4 > len(w) {
				t.Stats.Truncated++
				return nil
			}
			t.Target.WriteWord(addr+step*uint32(i), binary.BigEndian.Uint32(w[off:]))
		}
		if st := spiHeader + 4*n + 1; st < len(w) {
			r[st] = SPIAck
			t.Stats.Frames++
		} else {
			t.Stats.Truncated++
		}
	default:
		for i := range n {
			off := spiHeader + 1 + 4*i
			if off >= len(w) {
				t.Stats.Truncated++
				return nil
			}
			var b [4]byte
			binary.BigEndian.PutUint32(b[:], t.Target.ReadWord(addr+step*uint32(i)))
			copy(r[off:], b[:]) // a cut-short word is cut short
		}
		if st := spiHeader + 1 + 4*n; st < len(w) {
			r[st] = SPIAck
			t.Stats.Frames++
		} else {
			t.Stats.Truncated++
		}
	}
	return nil
}
