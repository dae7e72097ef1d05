//go:build !linux

package etherbone

import "net"

// quickAck does nothing: TCP_QUICKACK is Linux's.
func quickAck(net.Conn) {}
