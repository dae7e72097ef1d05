package etherbone

import (
	"net"

	"golang.org/x/sys/unix"
)

// quickAck asks Linux to acknowledge what arrives on c at once rather than
// after its delayed-ACK timer (up to 40 ms). litex_server's sockets keep
// Nagle's algorithm, so its answer to the second of two pipelined reads
// waits until the first answer is acknowledged; a client that only waits
// acknowledges late. The setting does not stay on (Linux leaves quick-ACK
// mode when the connection looks interactive), so it is made before every
// answer is read.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1)
	})
}
