package etherbone

import "net"

// Internals for the external tests (package etherbone_test), which run
// the client against the emulator (package emulator imports this one).
const (
	FlagWFF       = ebFlagWFF
	ByteEnableAll = ebByteEnableAll
	HeaderLen     = ebHeaderLen
	RecordLen     = ebRecordLen
	MaxGreeting   = maxGreeting
)

var (
	AppendHeader = appendEtherboneHeader
	IsHeader     = isEtherboneHeader
)

// Conn returns the connection, nil after the client dropped it.
func (e *Link) Conn() net.Conn { return e.conn }

// Config returns the configuration.
func (e *Link) Config() Config { return e.cfg }

// SetNoQuickAck turns quickAck off (BenchmarkLiteXServer).
func (e *Link) SetNoQuickAck(off bool) { e.noQuickAck = off }
