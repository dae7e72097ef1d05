// Package driver is the host side of the htmhw accelerator: the Board API
// that loads images, runs steps exactly once over lossy links and reads the
// learned state back, over a Bus to the board's Wishbone registers and
// memory windows (docs/ARCHITECTURE.md section 3).
//
// As periph.io splits conn from its drivers, this package holds only the
// interfaces (Bus, Batcher, Target, LinkStatser), the Board and the
// registry of board URI schemes (Open, OpenBus, Register). Each transport
// is a package of its own that registers its scheme when imported:
//
//	driver/uartbone   serial://  LiteX UARTBone over a serial port or pty
//	driver/etherbone  tcp://     LiteX Etherbone over TCP
//	driver/xdma       xdma://    Xilinx XDMA (PCIe) device files
//	driver/spi        spi://     SPI through periph.io
//	driver/simbus     sim://     the cycle-level simulator in this process
//
// so that a program that talks to a real board does not link the
// simulator. The board side of the links (a server, a pty, fault
// injection) is package driver/emulator; fakes for tests are in
// driver/drivertest.
package driver

import (
	"context"

	"github.com/htmhw/htmhw/image"
)

// Bus is a 32-bit Wishbone bus with word addressing: address a is byte
// address 4a. Implementations are the transports (UARTBone, Etherbone,
// XDMA, SPI, the in-process simulator). A Bus is not safe for concurrent
// use.
//
// A Bus moves words; it does not promise they arrive intact. Over a serial
// link bytes are dropped and corrupted and UARTBone has no checksum, so
// the Board checks what matters (docs/ARCHITECTURE.md section 3.2). A
// transport returns an error when a reply does not arrive within its
// timeout, or arrives malformed.
type Bus interface {
	// Read reads len(dst) words from consecutive addresses starting at
	// addr (incr) or len(dst) times from addr (!incr).
	Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error
	// Write writes the words to consecutive addresses starting at addr
	// (incr) or all to addr (!incr).
	Write(ctx context.Context, addr uint32, src []uint32, incr bool) error
	// MaxBurst is the largest number of words one Read or Write may carry
	// (UARTBone: 255).
	MaxBurst() int
	// Close releases the link.
	Close() error
}

// Access is one read or write of a Batch.
type Access struct {
	Write bool
	Addr  uint32
	// Data holds the words to write, or receives the words read.
	Data []uint32
	// Fixed: every word at Addr (a fixed-address burst) instead of
	// consecutive addresses.
	Fixed bool
}

// Batcher is a Bus that carries a sequence of accesses as one exchange on
// its link: write frames travel with the next read request, and on a
// pipelined link all read requests are sent back to back before the
// answers are awaited.
type Batcher interface {
	// Batch performs the accesses in order. A nil error means every
	// write was sent and every read answered (with words that may still
	// be wrong: the Board checks what matters). After an error any write
	// may or may not have arrived, and read destinations hold anything.
	// Accesses may be longer than MaxBurst.
	Batch(ctx context.Context, acc []Access) error
	// Pipelined reports whether Batch sends a read request before the
	// previous one is answered. That is safe only where the board side
	// buffers bytes that arrive while it answers (docs/DRIVER.md):
	// LiteX's UARTBone loses them.
	Pipelined() bool
}

// Provisioner is implemented by buses whose device is made for an image
// (the in-process simulator of package simbus). Board.Load calls Provision first, as one
// would flash a bitstream built for the image's configuration, then loads
// the memories through the memory window as on any board.
type Provisioner interface {
	Provision(im *image.Image) error
}
