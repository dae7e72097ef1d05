// Package xdma is the PCIe transport: Xilinx's XDMA driver's character
// devices. Importing it registers the "xdma" board URI scheme with package
// driver. Link is the host side; Target stands in for the device files
// over a driver.Target, for tests and emulation.
package xdma

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"

	"github.com/htmhw/htmhw/driver"
)

func init() { driver.Register("xdma", openXDMA) }

// Link is a Bus over Xilinx's XDMA driver (dma_ip_drivers): registers on
// the user character device <dev>_user (the AXI-Lite BAR), one 4-byte
// little-endian pread/pwrite at offset 4·addr per word (the driver
// refuses other sizes); incrementing bursts of at least DMAMin words go
// through the DMA channels <dev>_h2c_0 (host to card: pwrite at the card
// address) and <dev>_c2h_0 (card to host: pread), at card byte address
// DMABase + 4·addr. PCIe does not lose words: XDMA has no timeouts or
// retries of its own.
type Link struct {
	user     io.ReaderAt
	userW    io.WriterAt
	h2c      io.WriterAt // nil: no DMA
	c2h      io.ReaderAt
	closers  []io.Closer
	dmaMin   int
	dmaBase  int64
	maxBurst int
	buf      []byte
	stats    driver.LinkStats
}

// Config configures an XDMA bus.
type Config struct {
	DMAMin  int   // bursts of at least this many words use DMA; 0 means 64; negative: never
	DMABase int64 // card byte address of word 0 for DMA
}

// New returns an XDMA bus on the files (or stand-ins with the same
// semantics) of the user BAR and, if not nil, of the two DMA channels.
func New(user interface {
	io.ReaderAt
	io.WriterAt
}, h2c io.WriterAt, c2h io.ReaderAt, cfg Config) *Link {
	x := &Link{user: user, userW: user, h2c: h2c, c2h: c2h, dmaMin: cfg.DMAMin, dmaBase: cfg.DMABase, maxBurst: 1 << 16}
	if x.dmaMin == 0 {
		x.dmaMin = 64
	}
	if h2c == nil || c2h == nil {
		x.dmaMin = -1
	}
	return x
}

// openXDMA opens xdma:///dev/xdma0 with the query parameters dma (DMAMin;
// "off" for none) and base (DMABase). The DMA channels are used if their
// device files open.
func openXDMA(u *url.URL) (driver.Bus, error) {
	dev := u.Path
	if dev == "" {
		return nil, errors.New("xdma: want xdma:///dev/xdma0")
	}
	q := u.Query()
	cfg := Config{}
	if v := q.Get("dma"); v == "off" {
		cfg.DMAMin = -1
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("xdma: dma %q: want a burst length or off", v)
		}
		cfg.DMAMin = n
	}
	if v := q.Get("base"); v != "" {
		n, err := strconv.ParseInt(v, 0, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("xdma: base %q", v)
		}
		cfg.DMABase = n
	}
	user, err := os.OpenFile(dev+"_user", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("xdma: %w", err)
	}
	var h2c, c2h *os.File
	if cfg.DMAMin >= 0 {
		h2c, _ = os.OpenFile(dev+"_h2c_0", os.O_WRONLY, 0)
		c2h, _ = os.OpenFile(dev+"_c2h_0", os.O_RDONLY, 0)
	}
	var x *Link
	if h2c != nil && c2h != nil {
		x = New(user, h2c, c2h, cfg)
		x.closers = []io.Closer{user, h2c, c2h}
	} else {
		for _, f := range []*os.File{h2c, c2h} {
			if f != nil {
				f.Close()
			}
		}
		x = New(user, nil, nil, cfg)
		x.closers = []io.Closer{user}
	}
	return x, nil
}

// MaxBurst returns 65536: PCIe bursts are not limited by a frame format.
func (x *Link) MaxBurst() int { return x.maxBurst }

// LinkStats returns the traffic so far.
func (x *Link) LinkStats() driver.LinkStats { return x.stats }

// Close closes the device files.
func (x *Link) Close() error {
	var errs []error
	for _, c := range x.closers {
		errs = append(errs, c.Close())
	}
	x.closers = nil
	return errors.Join(errs...)
}

func (x *Link) useDMA(n int, incr bool) bool { return incr && x.dmaMin > 0 && n >= x.dmaMin }

// Read reads words: by DMA for long incrementing bursts, else one 4-byte
// pread per word.
func (x *Link) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x.useDMA(len(dst), incr) {
		b := x.bytes(4 * len(dst))
		n, err := x.c2h.ReadAt(b, x.dmaBase+4*int64(addr))
		x.stats.Requests++
		x.stats.BytesIn += uint64(n)
		if n < len(b) {
			return fmt.Errorf("xdma: c2h read of %d words at %#x: %d bytes: %w", len(dst), addr, n, err)
		}
		for i := range dst {
			dst[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		return nil
	}
	var w [4]byte
	for i := range dst {
		a := addr
		if incr {
			a += uint32(i)
		}
		n, err := x.user.ReadAt(w[:], 4*int64(a))
		x.stats.Requests++
		x.stats.BytesIn += uint64(n)
		if n < 4 {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("xdma: read %#x: %w", a, err)
		}
		dst[i] = binary.LittleEndian.Uint32(w[:])
	}
	return nil
}

// Write writes words: by DMA for long incrementing bursts, else one
// 4-byte pwrite per word.
func (x *Link) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x.useDMA(len(src), incr) {
		b := x.bytes(4 * len(src))
		for i, v := range src {
			binary.LittleEndian.PutUint32(b[4*i:], v)
		}
		n, err := x.h2c.WriteAt(b, x.dmaBase+4*int64(addr))
		x.stats.Requests++
		x.stats.BytesOut += uint64(n)
		if err != nil || n < len(b) {
			return fmt.Errorf("xdma: h2c write of %d words at %#x: %d bytes: %w", len(src), addr, n, err)
		}
		return nil
	}
	var w [4]byte
	for i, v := range src {
		a := addr
		if incr {
			a += uint32(i)
		}
		binary.LittleEndian.PutUint32(w[:], v)
		n, err := x.userW.WriteAt(w[:], 4*int64(a))
		x.stats.Requests++
		x.stats.BytesOut += uint64(n)
		if err != nil {
			return fmt.Errorf("xdma: write %#x: %w", a, err)
		}
	}
	return nil
}

func (x *Link) bytes(n int) []byte {
	if cap(x.buf) < n {
		x.buf = make([]byte, n)
	}
	return x.buf[:n]
}

// Target is a memory-backed stand-in for the XDMA device files of a
// card whose BAR and DMA address space both map a Target at byte address
// 4·addr: User behaves as <dev>_user (only aligned 4-byte accesses, as the
// driver's character device), DMA as both <dev>_h2c_0 and <dev>_c2h_0
// (aligned accesses of any whole number of words).
type Target struct{ Target driver.Target }

var errXDMAAlign = errors.New("xdma: unaligned access")

// User returns the stand-in of <dev>_user.
func (t Target) User() xdmaUser { return xdmaUser{t.Target} }

// DMA returns the stand-in of <dev>_h2c_0 and <dev>_c2h_0.
func (t Target) DMA() xdmaDMA { return xdmaDMA{t.Target} }

type xdmaUser struct{ t driver.Target }

func (u xdmaUser) ReadAt(p []byte, off int64) (int, error) {
	if len(p) != 4 || off%4 != 0 || off < 0 {
		return 0, errXDMAAlign
	}
	binary.LittleEndian.PutUint32(p, u.t.ReadWord(uint32(off/4)))
	return 4, nil
}

func (u xdmaUser) WriteAt(p []byte, off int64) (int, error) {
	if len(p) != 4 || off%4 != 0 || off < 0 {
		return 0, errXDMAAlign
	}
	u.t.WriteWord(uint32(off/4), binary.LittleEndian.Uint32(p))
	return 4, nil
}

type xdmaDMA struct{ t driver.Target }

func (d xdmaDMA) ReadAt(p []byte, off int64) (int, error) {
	if len(p)%4 != 0 || off%4 != 0 || off < 0 {
		return 0, errXDMAAlign
	}
	for i := 0; i < len(p); i += 4 {
		binary.LittleEndian.PutUint32(p[i:], d.t.ReadWord(uint32(off/4)+uint32(i/4)))
	}
	return len(p), nil
}

func (d xdmaDMA) WriteAt(p []byte, off int64) (int, error) {
	if len(p)%4 != 0 || off%4 != 0 || off < 0 {
		return 0, errXDMAAlign
	}
	for i := 0; i < len(p); i += 4 {
		d.t.WriteWord(uint32(off/4)+uint32(i/4), binary.LittleEndian.Uint32(p[i:]))
	}
	return len(p), nil
}
