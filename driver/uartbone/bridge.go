package uartbone

import (
	"time"

	"github.com/htmhw/htmhw/driver"
)

// Bridge is the board side of UARTBone: a byte-level model of
// LiteX's Stream2Wishbone (litex/soc/cores/uart.py), which decodes
// cmd(1) len(1) addr(4, big-endian word address) [len × data(4,
// big-endian)] frames into Wishbone accesses on a Target.
//
// As in LiteX: a command byte other than 0x01–0x04 makes the bridge read
// the length and address and then return to waiting for a command; a
// write frame is not answered; a read frame is answered by len words with
// no header; a frame not complete FrameTimeout after its command byte is
// abandoned (LiteX resets the state machine after 100 ms outside its
// idle state); len 0 never completes in LiteX (its word counter is
// compared with len−1 = 511 in 9 bits), so a write with len 0 writes words
// until the frame timeout, and a read with len 0 is answered with 256
// words (the emulator's stand-in for an answer that runs until the frame
// timeout). Bytes that arrive while a read is being answered are queued,
// where LiteX's PHY would lose them; the host does not send then.
//
// A UARTBoneBridge is not safe for concurrent use.
type Bridge struct {
	Target       driver.Target
	FrameTimeout time.Duration // 0: no timeout
	Stats        BridgeStats

	state  int
	cmd    byte
	length int // words; 0 means unbounded (until the frame timeout)
	addr   uint32
	nAddr  int // address bytes received
	word   uint32
	nData  int // bytes of the current data word received
	words  int // words done in this frame
	start  time.Time
}

// BridgeStats count a bridge's frames.
type BridgeStats struct {
	Frames      uint64 // complete read and write frames
	Reads       uint64 // words read
	Writes      uint64 // words written
	Abandoned   uint64 // frames abandoned at the frame timeout
	BadCommands uint64 // frames with an unknown command byte
}

const (
	ubCmd = iota
	ubLen
	ubAddr
	ubData
)

// UARTBone commands (LiteX litex/soc/cores/uart.py and
// litex/tools/remote/comm_uart.py).
const (
	WriteIncr  = 0x01 // CMD_WRITE_BURST_INCR
	ReadIncr   = 0x02 // CMD_READ_BURST_INCR
	WriteFixed = 0x03 // CMD_WRITE_BURST_FIXED
	ReadFixed  = 0x04 // CMD_READ_BURST_FIXED
)

// FrameTimeout is LiteX's Stream2Wishbone frame timeout
// (WaitTimer(100e-3*clk_freq)).
const FrameTimeout = 100 * time.Millisecond

// InFrame reports whether the bridge is inside a frame (it has a command
// byte and waits for more).
func (b *Bridge) InFrame() bool { return b.state != ubCmd }

// Deadline returns when the current frame will be abandoned, and false if
// the bridge is idle or has no timeout.
func (b *Bridge) Deadline() (time.Time, bool) {
	if b.state == ubCmd || b.FrameTimeout <= 0 {
		return time.Time{}, false
	}
	return b.start.Add(b.FrameTimeout), true
}

// Feed consumes bytes that arrived at time now, executes the frames they
// complete, and appends the answers to out.
func (b *Bridge) Feed(p []byte, now time.Time, out []byte) []byte {
	if d, ok := b.Deadline(); ok && now.After(d) {
		b.Stats.Abandoned++
		b.state = ubCmd
	}
	for _, c := range p {
		switch b.state {
		case ubCmd:
			b.cmd, b.start = c, now
			b.nAddr, b.nData, b.words, b.addr = 0, 0, 0, 0
			b.state = ubLen
		case ubLen:
			b.length = int(c)
			b.state = ubAddr
		case ubAddr:
			b.addr = b.addr<<8 | uint32(c)
			b.nAddr++
			if b.nAddr < 4 {
				break
			}
			switch b.cmd {
			case WriteIncr, WriteFixed:
				b.state = ubData
			case ReadIncr, ReadFixed:
				n := b.length
				if n == 0 {
					n = 256
				}
				for range n {
					v := b.Target.ReadWord(b.addr)
					out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
					if b.cmd == ReadIncr {
						b.addr++
					}
				}
				b.Stats.Reads += uint64(n)
				b.Stats.Frames++
				b.state = ubCmd
			default:
				b.Stats.BadCommands++
				b.state = ubCmd
			}
		case ubData:
			b.word = b.word<<8 | uint32(c)
			b.nData++
			if b.nData < 4 {
				break
			}
			b.nData = 0
			b.Target.WriteWord(b.addr, b.word)
			b.Stats.Writes++
			if b.cmd == WriteIncr {
				b.addr++
			}
			b.words++
			if b.words == b.length {
				b.Stats.Frames++
				b.state = ubCmd
			}
		}
	}
	return out
}
