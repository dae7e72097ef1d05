package etherbone

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
)

// FuzzEtherboneBridge feeds arbitrary bytes, in arbitrary chunks, to the
// Etherbone bridge: it must not panic, answer only whole packets (headers,
// base address, one word per read), and stop at the first error.
func FuzzEtherboneBridge(f *testing.F) {
	read := appendEtherboneHeader(nil, 0, ebByteEnableAll, 0, 2)
	read = binary.BigEndian.AppendUint32(read, 0)
	read = binary.BigEndian.AppendUint32(read, 0x44)
	read = binary.BigEndian.AppendUint32(read, 0x48)
	write := appendEtherboneHeader(nil, ebFlagWFF, 0x3, 1, 0)
	write = binary.BigEndian.AppendUint32(write, 0x10)
	write = binary.BigEndian.AppendUint32(write, 0x12345678)
	f.Add(append(write, read...), uint8(3))
	f.Add(read[:13], uint8(0))
	f.Add([]byte("GET / HTTP/1.1\r\n"), uint8(7))
	f.Add(appendEtherboneHeader(nil, 0, 0x0f, 0, 0), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		tg := drivertest.NewMapTarget()
		b := &Bridge{Target: tg}
		var out []byte
		step := int(chunk)%32 + 1
		for off := 0; off < len(data); off += step {
			var err error
			out, err = b.Feed(data[off:min(len(data), off+step)], out)
			if err != nil {
				break
			}
		}
		// Parse the answers.
		words := uint64(0)
		for p := out; len(p) > 0; {
			if len(p) < 16 || binary.BigEndian.Uint16(p) != Magic || p[11] != 0 {
				t.Fatalf("bad answer % x", p[:min(len(p), 16)])
			}
			n := int(p[10])
			if n == 0 || len(p) < 16+4*n {
				t.Fatalf("answer of %d words in %d bytes", n, len(p))
			}
			words += uint64(n)
			p = p[16+4*n:]
		}
		if words != b.Stats.Reads {
			t.Fatalf("%d words answered, %d read", words, b.Stats.Reads)
		}
		if len(b.buf) > ebHeaderLen+ebRecordLen+2*(4+4*255) {
			t.Fatalf("%d bytes buffered", len(b.buf))
		}
	})
}

// FuzzEtherboneClient answers a batch of the client's reads with arbitrary
// bytes on a new connection: it must not panic, and it either returns an
// error (and drops the connection) or reads answers that are well formed,
// after at most a greeting (text), each word taken from its place in them.
func FuzzEtherboneClient(f *testing.F) {
	answer := func(words ...uint32) []byte {
		b := appendEtherboneHeader(nil, 0, ebByteEnableAll, len(words), 0)
		b = binary.BigEndian.AppendUint32(b, 0)
		for _, w := range words {
			b = binary.BigEndian.AppendUint32(b, w)
		}
		return b
	}
	f.Add(append(answer(1, 2), answer(3)...))
	f.Add(answer(1, 2)[:9])
	f.Add(append(answer(1), answer(2, 3)...))
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
	f.Add(append([]byte("CommUART:localhost:1234"), append(answer(1, 2), answer(3)...)...))
	f.Add(append([]byte("CommUDP:NoName:1"), answer(1, 2)...))
	f.Fuzz(func(t *testing.T, reply []byte) {
		client, server := net.Pipe()
		defer server.Close()
		go func() {
			// Take the requests, then answer.
			req := make([]byte, 4096)
			_, _ = server.Read(req)
			_, _ = server.Write(reply)
			_ = server.Close()
		}()
		e := &Link{addr: "127.0.0.1:0", cfg: Config{Timeout: 100 * time.Millisecond}}
		e.setConn(client)
		two, one := make([]uint32, 2), make([]uint32, 1)
		err := e.Batch(context.Background(), []driver.Access{
			{Write: true, Addr: 0x14, Data: []uint32{7}},
			{Addr: 0x10, Data: two},
			{Addr: 0x20, Data: one, Fixed: true},
		})
		if err != nil {
			if e.conn != nil {
				t.Fatalf("error %v, the connection kept", err)
			}
			return
		}
		// A greeting is text before the first answer.
		g := e.Greeting()
		if !bytes.HasPrefix(reply, []byte(g)) || len(g) > maxGreeting || strings.ContainsFunc(g, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("greeting %q taken from % x", g, reply[:min(len(reply), 140)])
		}
		reply = reply[len(g):]
		if len(reply) < 2*(ebHeaderLen+ebRecordLen+4)+12 {
			t.Fatalf("%d reply bytes accepted as two answers", len(reply))
		}
		want := []uint32{binary.BigEndian.Uint32(reply[16:]), binary.BigEndian.Uint32(reply[20:]), binary.BigEndian.Uint32(reply[40:])}
		if got := []uint32{two[0], two[1], one[0]}; !slices.Equal(got, want) {
			t.Fatalf("read %x, the reply holds %x", got, want)
		}
	})
}
