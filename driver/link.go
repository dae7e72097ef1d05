package driver

import (
	"context"
	"errors"
	"fmt"
)

// Errors of a lossy link. A transport wraps them; the Board retries an
// operation that fails with either (docs/DRIVER.md).
var (
	// ErrTimeout: a reply did not arrive in time. The transport has
	// resynchronised the link before returning it.
	ErrTimeout = errors.New("reply timed out")
	// ErrMalformed: a reply arrived but is not a well-formed answer to the
	// request.
	ErrMalformed = errors.New("malformed reply")
	// ErrLinkLost: the link closed under a request (the board closed an
	// Etherbone connection after a malformed packet). The transport
	// reconnects before the next request.
	ErrLinkLost = errors.New("link lost")
)

// LinkStats count the traffic and the recoveries of a transport.
type LinkStats struct {
	Requests     uint64 // frames or packets sent
	BytesOut     uint64 // bytes sent
	BytesIn      uint64 // bytes received (replies, and stale bytes discarded)
	Timeouts     uint64 // replies that did not arrive in time
	Malformed    uint64 // replies that arrived malformed
	ShortReplies uint64 // UARTBone: replies cut short (the bridge answered; no frame timeout to wait out)
	Resyncs      uint64 // resynchronisations (UARTBone: wait out the bridge's frame timeout and drain; Etherbone: reconnect)
	Stale        uint64 // bytes discarded before a request or while resynchronising
	Late         uint64 // UARTBone: replies that went on arriving after their deadline (the slack then grows)
}

// LinkStatser is implemented by the transports that count their traffic
// (uartbone, etherbone, xdma, spi); Board.Stats reports its bytes.
type LinkStatser interface {
	LinkStats() LinkStats
}

// Target is the register side of a board: the Wishbone slave a bridge
// reads and writes, with word addresses (docs/ARCHITECTURE.md section 3).
// sim.Device implements it. The board side of each transport
// (uartbone.Bridge, etherbone.Bridge, spi.Target, xdma.Target) drives one;
// the emulator's Server serialises their calls.
type Target interface {
	ReadWord(addr uint32) uint32
	WriteWord(addr, v uint32)
}

// StoppedError is the error of a Board operation that did not complete:
// the board stopped answering (Err says what failed last), or the
// operation's context ended (Err wraps context.Canceled or
// context.DeadlineExceeded). LastStep is the number of steps the board had
// completed, as the host knows it, if Known: a caller resumes from there.
type StoppedError struct {
	LastStep uint64
	Known    bool
	Err      error
}

// Interrupted reports whether the operation's context ended, rather than
// the board.
func (e *StoppedError) Interrupted() bool {
	return errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded)
}

func (e *StoppedError) Error() string {
	switch {
	case e.Interrupted() && e.Known:
		return fmt.Sprintf("driver: interrupted after step %d: %v", e.LastStep, e.Err)
	case e.Interrupted():
		return fmt.Sprintf("driver: interrupted: %v", e.Err)
	case e.Known:
		return fmt.Sprintf("driver: board stopped answering after step %d: %v", e.LastStep, e.Err)
	}
	return fmt.Sprintf("driver: board stopped answering: %v", e.Err)
}

func (e *StoppedError) Unwrap() error { return e.Err }
