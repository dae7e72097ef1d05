package etherbone_test

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/driver/emulator/emulatortest"
	"github.com/htmhw/htmhw/driver/etherbone"
)

func openTCPBus(t *testing.T, tg driver.Target, cfg emulator.ServeConfig, query string) (*emulator.Emulator, *etherbone.Link) {
	t.Helper()
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "tcp://127.0.0.1:0", ServeConfig: cfg})
	b, err := driver.OpenBus(e.URI() + query)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return e, b.(*etherbone.Link)
}

func TestEtherboneTCP(t *testing.T) {
	tg := drivertest.NewMapTarget()
	e, b := openTCPBus(t, tg, emulator.ServeConfig{}, "")
	require.Equal(t, 255, b.MaxBurst())
	drivertest.ExerciseBus(t, b, tg)
	st := b.LinkStats()
	require.Zero(t, st.Timeouts+st.Malformed+st.Resyncs)
	require.Equal(t, st.BytesOut, e.Stats().BytesIn)
}

// TestEtherboneWire checks the bytes against LiteX's format: the packet
// and record headers, big-endian byte addresses, and the answer to a read.
func TestEtherboneWire(t *testing.T) {
	tg := drivertest.NewMapTarget()
	tg.WriteWord(0x11, 0xCAFEF00D)
	br := &etherbone.Bridge{Target: tg}
	// litex_client's read of byte address 0x44: base return address 0.
	req := []byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x44}
	out, err := br.Feed(req, nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 1, 0, 0, 0, 0, 0, 0xCA, 0xFE, 0xF0, 0x0D}, out)
	// A write of two words at byte address 0x100, split anywhere.
	w := []byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 2, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 2}
	for _, c := range w {
		out, err = br.Feed([]byte{c}, out[:0])
		require.NoError(t, err)
		require.Empty(t, out)
	}
	require.Equal(t, uint32(1), tg.Get(0x40))
	require.Equal(t, uint32(2), tg.Get(0x41))
	// Byte enables and wff.
	w = []byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, etherbone.FlagWFF, 0x01, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0xAA, 0, 0, 0, 0xBB}
	_, err = br.Feed(w, nil)
	require.NoError(t, err)
	require.Equal(t, uint32(0xBB), tg.Get(0x40))
	require.Equal(t, uint32(2), tg.Get(0x41))
	// A bad magic is an error.
	_, err = br.Feed([]byte{0x4e, 0x6e, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 0, 1}, nil)
	require.Error(t, err)
	require.Equal(t, uint64(1), br.Stats.Malformed)
}

// TestEtherboneMalformed: a connection that sends a bad packet is closed;
// a truncated packet gets no answer; other connections are served.
func TestEtherboneMalformed(t *testing.T) {
	tg := drivertest.NewMapTarget()
	e := emulatortest.Start(t, tg, emulator.EmulatorConfig{Listen: "tcp://127.0.0.1:0"})
	c, err := net.Dial("tcp", e.Addr())
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Write([]byte("GET / HTTP/1.0\r\n\r\n"))
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(2*time.Second)))
	got, err := io.ReadAll(c)
	require.NoError(t, err, "the server closes the connection")
	require.Equal(t, emulator.EtherboneGreeting(emulator.EmulatorComm, "127.0.0.1", emulatorPort(t, e)), string(got), "the greeting, and nothing else")
	// Truncated: no answer.
	c2, err := net.Dial("tcp", e.Addr())
	require.NoError(t, err)
	defer c2.Close()
	_, err = c2.Write([]byte{0x4e, 0x6f, 0x10, 0x44, 0, 0, 0, 0, 0, 0x0f, 0, 2, 0, 0, 0, 0, 0, 0, 0})
	require.NoError(t, err)
	greet := make([]byte, len(got))
	_, err = io.ReadFull(c2, greet)
	require.NoError(t, err)
	require.NoError(t, c2.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err = c2.Read(make([]byte, 10))
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)
	// A client on another connection is served.
	b, err := driver.OpenBus(e.URI())
	require.NoError(t, err)
	defer b.Close()
	drivertest.ExerciseBus(t, b, tg)
	require.Equal(t, uint64(1), e.Stats().Malformed)
}

// TestEtherboneFaults: with seeded faults, failed reads reconnect and the
// next ones succeed.
func TestEtherboneFaults(t *testing.T) {
	tg := drivertest.NewMapTarget()
	for i := range uint32(64) {
		tg.WriteWord(0x1000+i, i*3)
	}
	e, b := openTCPBus(t, tg, emulator.ServeConfig{Faults: emulator.Faults{Seed: 2, Drop: 0.01, Flip: 0.01}}, "?timeout=5ms")
	ctx := drivertest.Context(t)
	ok, failed, wrong := 0, 0, 0
	for i := 0; ok < 500; i++ {
		got := make([]uint32, 4)
		a := uint32(i % 60)
		if err := b.Read(ctx, 0x1000+a, got, true); err != nil {
			require.True(t, errors.Is(err, driver.ErrTimeout) || errors.Is(err, driver.ErrMalformed) || errors.Is(err, driver.ErrLinkLost), "%v", err)
			failed++
			continue
		}
		ok++
		for k, v := range got {
			if v != (a+uint32(k))*3 {
				wrong++ // a flipped bit in the answer
				break
			}
		}
	}
	st := b.LinkStats()
	t.Logf("%d ok (%d with flipped data), %d failed; client %+v; server %+v", ok, wrong, failed, st, e.Stats())
	require.LessOrEqual(t, st.Timeouts+st.Malformed, uint64(failed))
	require.Greater(t, st.Resyncs, uint64(0))
}

// TestEtherboneWriteFixedPackets: the client sends a fixed-address write
// as one single-word packet per word (litex_server ignores wff), which a
// bridge executes as that many writes of the same register.
func TestEtherboneWriteFixedPackets(t *testing.T) {
	client, server := net.Pipe()
	sent := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(server)
		sent <- b
	}()
	e := etherbone.NewLink(client, etherbone.Config{Timeout: time.Minute})
	require.NoError(t, e.Write(context.Background(), 0x31, []uint32{5, 6, 7}, false))
	require.NoError(t, client.Close())
	got := <-sent

	var want []byte
	for _, v := range []uint32{5, 6, 7} {
		want = etherbone.AppendHeader(want, 0, etherbone.ByteEnableAll, 1, 0)
		want = binary.BigEndian.AppendUint32(want, 4*0x31)
		want = binary.BigEndian.AppendUint32(want, v)
	}
	require.Equal(t, want, got, "three single-word packets")

	tg := drivertest.NewMapTarget()
	br := &etherbone.Bridge{Target: tg}
	out, err := br.Feed(got, nil)
	require.NoError(t, err)
	require.Empty(t, out, "writes are not answered")
	require.Equal(t, uint64(3), br.Stats.Packets)
	require.Equal(t, 3, tg.Writes())
	require.Equal(t, uint32(7), tg.Get(0x31))
}

// TestEtherboneGreeting: text before a connection's first answer is a
// greeting, read and dropped whatever it holds (an "N", an "No" at its
// end, the magic's letters); more than 128 bytes, or a control character,
// is a malformed answer.
func TestEtherboneGreeting(t *testing.T) {
	answer := etherbone.AppendHeader(nil, 0, etherbone.ByteEnableAll, 1, 0)
	answer = binary.BigEndian.AppendUint32(answer, 0)
	answer = binary.BigEndian.AppendUint32(answer, 0x12345678)
	long := strings.Repeat("x", etherbone.MaxGreeting)
	for _, c := range []struct {
		name, greeting string
		ok             bool
	}{
		{"none", "", true},
		{"litex_server", "CommUART:localhost:1234", true},
		{"ends with N", "CommUDP:N", true},
		{"ends with No", "CommUDP:No", true},
		{"holds No", "CommUDP:NoName:1234", true},
		{"UTF-8", "CommUART:hôte:1234", true},
		{"128 bytes", long, true},
		{"129 bytes", long + "x", false},
		{"a newline", "CommUART:localhost:1234\n", false},
		{"a NUL", "Comm\x00", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer server.Close()
			go func() {
				_, _ = server.Read(make([]byte, 64)) // the request
				_, _ = server.Write(append([]byte(c.greeting), answer...))
			}()
			e := etherbone.NewLink(client, etherbone.Config{Timeout: 5 * time.Second})
			got := make([]uint32, 1)
			err := e.Read(context.Background(), 0x10, got, true)
			if !c.ok {
				require.ErrorIs(t, err, driver.ErrMalformed)
				require.Nil(t, e.Conn(), "the connection is dropped")
				require.Equal(t, uint64(1), e.LinkStats().Malformed)
				return
			}
			require.NoError(t, err)
			require.Equal(t, uint32(0x12345678), got[0])
			require.Equal(t, c.greeting, e.Greeting())
			require.Equal(t, uint64(len(c.greeting)+len(answer)), e.LinkStats().BytesIn)
		})
	}
}

// TestEtherboneDialTimeout: connecting has its own timeout, not the reply
// timeout (a 5 ms reply timeout must not bound a dial to a busy host).
func TestEtherboneDialTimeout(t *testing.T) {
	_, b := openTCPBus(t, drivertest.NewMapTarget(), emulator.ServeConfig{}, "?timeout=5ms")
	require.Equal(t, 5*time.Millisecond, b.Config().Timeout)
	require.Equal(t, 10*time.Second, b.Config().DialTimeout)
	_, b = openTCPBus(t, drivertest.NewMapTarget(), emulator.ServeConfig{}, "?timeout=20s&dial=3s")
	require.Equal(t, 3*time.Second, b.Config().DialTimeout)
	for _, bad := range []string{"dial=0", "dial=-1s", "dial=soon"} {
		_, err := driver.OpenBus("tcp://127.0.0.1:1?" + bad)
		require.ErrorContains(t, err, "tcp: dial", bad)
	}
}

// emulatorPort returns the TCP port an emulator listens on.
func emulatorPort(t testing.TB, e *emulator.Emulator) int {
	t.Helper()
	_, port, err := net.SplitHostPort(e.Addr())
	require.NoError(t, err)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return n
}
