// Package driver is the host side of the htmhw accelerator: bus bridges to
// its Wishbone registers and memory windows (docs/ARCHITECTURE.md section
// 3) over serial (LiteX UARTBone), TCP (LiteX Etherbone), PCIe (Xilinx
// XDMA) and SPI, an in-process bus to the cycle-level simulator, and the
// Board API that loads images and runs steps exactly once over lossy links.
package driver

import "context"

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
