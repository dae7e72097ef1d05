package etherbone

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestQuickAck: quickAck turns TCP_QUICKACK on for a TCP connection and
// ignores other connections.
func TestQuickAck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	quickAck(c)
	rc, err := c.(*net.TCPConn).SyscallConn()
	require.NoError(t, err)
	var v int
	var gerr error
	require.NoError(t, rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK) }))
	require.NoError(t, gerr)
	require.Equal(t, 1, v)
	p, q := net.Pipe()
	defer p.Close()
	defer q.Close()
	quickAck(p) // not TCP: nothing to do
}
