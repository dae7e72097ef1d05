package etherbone_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/driver/emulator/emulatortest"
	"github.com/htmhw/htmhw/driver/etherbone"
	"github.com/htmhw/htmhw/sim"
)

// Transcripts of real connections to LiteX's litex_server
// (testdata/litex/README.md says how they were recorded): what LiteX sends
// and expects, replayed against this package's client and server.

// litexGreeting is the greeting of the recording's litex_server:
// litex_server --uart --bind-port 41234 (bind address "localhost").
var litexGreeting = emulator.EtherboneGreeting("CommUART", "localhost", 41234)

// segment is a run of bytes that one side sent.
type segment struct {
	client bool // sent by the client, else by the server
	b      []byte
}

// transcript is a connection's byte streams in the order they crossed.
type transcript []segment

// parseTranscript reads a transcript: "c HEX" lines for bytes the client
// sent, "s HEX" for bytes the server sent, "#" comments; consecutive lines
// of one side are one segment.
func parseTranscript(r io.Reader) (transcript, error) {
	var tr transcript
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		side, h, ok := strings.Cut(line, " ")
		if !ok || (side != "c" && side != "s") {
			return nil, fmt.Errorf("line %d: want \"c HEX\" or \"s HEX\", got %q", n, line)
		}
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		client := side == "c"
		if len(tr) > 0 && tr[len(tr)-1].client == client {
			tr[len(tr)-1].b = append(tr[len(tr)-1].b, b...)
			continue
		}
		tr = append(tr, segment{client, b})
	}
	return tr, sc.Err()
}

func readTranscript(t *testing.T, name string) transcript {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "litex", name))
	require.NoError(t, err)
	defer f.Close()
	tr, err := parseTranscript(f)
	require.NoError(t, err, name)
	require.NotEmpty(t, tr, name)
	return tr
}

// stream returns all the bytes one side sent.
func (tr transcript) stream(client bool) []byte {
	var b []byte
	for _, s := range tr {
		if s.client == client {
			b = append(b, s.b...)
		}
	}
	return b
}

// withoutGreeting returns tr with greet removed from the start of the
// server's stream; it fails if the server's stream does not start with it.
func (tr transcript) withoutGreeting(t *testing.T, greet string) transcript {
	t.Helper()
	out := slices.Clone(tr)
	for i, s := range out {
		if s.client {
			continue
		}
		require.True(t, bytes.HasPrefix(s.b, []byte(greet)), "the server's first bytes %q, want the greeting %q", s.b[:min(len(s.b), 40)], greet)
		out[i].b = s.b[len(greet):]
		return out
	}
	t.Fatal("the server sent nothing")
	return nil
}

// archWords rewrites, in the recorded answers of a session, the words read
// from VERSION and CAPS: the recordings' board was an architecture-2 board
// (VERSION 2, CAPS 0x00120404: 4 lanes, DIV_LAT 18), and the emulator
// serves this build's architecture. It follows the client's read records
// (their addresses, in order) to the server's answers; every other byte
// must match as recorded.
type archWords struct{ pending []uint32 } // read addresses not yet answered

// client notes the read addresses of the client's packets in p.
func (a *archWords) client(p []byte) {
	for len(p) >= etherbone.HeaderLen+etherbone.RecordLen {
		wc, rc := int(p[10]), int(p[11])
		q := p[etherbone.HeaderLen+etherbone.RecordLen:]
		if wc > 0 {
			q = q[4+4*wc:]
		}
		if rc > 0 {
			for i := 0; i < rc; i++ {
				a.pending = append(a.pending, binary.BigEndian.Uint32(q[4+4*i:]))
			}
			q = q[4+4*rc:]
		}
		p = q
	}
}

// server returns the server's packets in p with the words answering reads
// of VERSION and CAPS rewritten from architecture 2's to this build's.
func (a *archWords) server(p []byte) []byte {
	out := slices.Clone(p)
	for off := 0; off+etherbone.HeaderLen+etherbone.RecordLen <= len(out); {
		wc, rc := int(out[off+10]), int(out[off+11])
		d := off + etherbone.HeaderLen + etherbone.RecordLen
		if wc > 0 {
			for i := 0; i < wc && len(a.pending) > 0; i++ {
				w := out[d+4+4*i:]
				switch v := binary.BigEndian.Uint32(w); {
				case a.pending[0] == 4*arch.RegVersion && v == 2:
					binary.BigEndian.PutUint32(w, arch.Version)
				case a.pending[0] == 4*arch.RegCaps && v == 0x00120404:
					binary.BigEndian.PutUint32(w, arch.DefaultParams().Caps())
				}
				a.pending = a.pending[1:]
			}
			d += 4 + 4*wc
		}
		if rc > 0 {
			d += 4 + 4*rc
		}
		off = d
	}
	return out
}

// playClient plays the client's side of tr on c and checks the server's
// answers byte for byte (but archWords' words). The server's first bytes
// must be greet.
func playClient(t *testing.T, c net.Conn, tr transcript, greet string) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	tr = tr.withoutGreeting(t, litexGreeting)
	g := make([]byte, len(greet))
	_, err := io.ReadFull(c, g)
	require.NoError(t, err)
	require.Equal(t, greet, string(g), "greeting")
	off := 0 // of the server's stream
	var aw archWords
	for i, s := range tr {
		if s.client {
			aw.client(s.b)
			_, err := c.Write(s.b)
			require.NoError(t, err, "segment %d", i)
			continue
		}
		got := make([]byte, len(s.b))
		n, err := io.ReadFull(c, got)
		require.NoError(t, err, "segment %d: %d of %d bytes", i, n, len(s.b))
		s.b = aw.server(s.b)
		if !bytes.Equal(got, s.b) {
			k := 0
			for got[k] == s.b[k] {
				k++
			}
			t.Fatalf("segment %d: the server's byte %d (of its stream) is %#02x, LiteX's %#02x:\n got  % x\n want % x",
				i, off+k, got[k], s.b[k], got[max(0, k-8):min(len(got), k+16)], s.b[max(0, k-8):min(len(got), k+16)])
		}
		off += len(s.b)
	}
}

// playServer plays the server's side of tr on c (a connection accepted
// from the client under test): it checks the client's bytes and sends the
// recorded answers. It returns when tr is played and the client has
// closed, or at the first difference.
func playServer(c net.Conn, tr transcript) error {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	off := 0 // of the client's stream
	for i, s := range tr {
		if !s.client {
			if _, err := c.Write(s.b); err != nil {
				return fmt.Errorf("segment %d: %w", i, err)
			}
			continue
		}
		got := make([]byte, len(s.b))
		if n, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("segment %d: %d of %d bytes: %w", i, n, len(s.b), err)
		}
		if !bytes.Equal(got, s.b) {
			k := 0
			for got[k] == s.b[k] {
				k++
			}
			return fmt.Errorf("segment %d: the client's byte %d (of its stream) is %#02x, the recording's %#02x:\n got  % x\n want % x",
				i, off+k, got[k], s.b[k], got[max(0, k-8):min(len(got), k+16)], s.b[max(0, k-8):min(len(got), k+16)])
		}
		off += len(s.b)
	}
	if n, err := c.Read(make([]byte, 1)); err != io.EOF {
		return fmt.Errorf("after the recording: %d more bytes from the client (%v)", n, err)
	}
	return nil
}

// litexBoard returns the target the transcripts were recorded against:
// htmhw emulate --image with the small preset for jumpsup, fresh.
func litexBoard(t *testing.T) driver.Target {
	t.Helper()
	im, _ := drivertest.SmallImage(t, 0)
	dev, err := sim.NewDevice(im)
	require.NoError(t, err)
	return dev
}

// Register word addresses used by the sessions (docs/ARCHITECTURE.md 3.1).
const (
	lxID, lxCtrl, lxStatus, lxStepLo, lxStepExpect = 0x000, 0x010, 0x011, 0x012, 0x014
	lxError, lxInCount, lxOutCount, lxInCRC        = 0x015, 0x020, 0x021, 0x025
	lxMemSel, lxMemAddr, lxMemDataHi               = 0x030, 0x031, 0x033
	lxInBuf, lxOutBuf                              = 0x400, 0x1000
)

// inCRC is IN_CRC of the input indices idx.
func inCRC(idx []uint32) uint32 {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(idx)))
	for _, v := range idx {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return crc32.ChecksumIEEE(b)
}

// htmhwSession is what the client transcript (htmhw-client.txt) recorded:
// this package's Etherbone client on a fresh emulated board (litexBoard)
// behind litex_server. It checks what it reads and returns the greeting.
func htmhwSession(t *testing.T, b *etherbone.Link) string {
	t.Helper()
	ctx := drivertest.Context(t)
	// ID, VERSION, CAPS: one read of 3 words.
	id := make([]uint32, 3)
	require.NoError(t, b.Read(ctx, lxID, id, true))
	require.Equal(t, uint32(0x48544D48), id[0], "ID")
	greeting := b.Greeting()
	// An input and its CRC in one batch (pipelined reads).
	idx := make([]uint32, 21)
	for i := range idx {
		idx[i] = uint32(5 * i)
	}
	crc, step := make([]uint32, 1), make([]uint32, 2)
	require.NoError(t, b.Batch(ctx, []driver.Access{
		{Write: true, Addr: lxInCount, Data: []uint32{uint32(len(idx))}},
		{Write: true, Addr: lxInBuf, Data: idx},
		{Addr: lxInCRC, Data: crc},
		{Addr: lxStepLo, Data: step},
	}))
	require.Equal(t, inCRC(idx), crc[0], "IN_CRC")
	require.Equal(t, []uint32{0, 0}, step, "STEP_LO, STEP_HI")
	// A learning step, then STATUS four times (a fixed read), STEP_LO and
	// OUT_COUNT.
	status, out := make([]uint32, 4), make([]uint32, 1)
	require.NoError(t, b.Batch(ctx, []driver.Access{
		{Write: true, Addr: lxStepExpect, Data: []uint32{0}},
		{Write: true, Addr: lxCtrl, Data: []uint32{0xFEFE0101}},
		{Addr: lxStatus, Data: status, Fixed: true},
		{Addr: lxStepLo, Data: step[:1]},
		{Addr: lxOutCount, Data: out},
	}))
	require.Equal(t, uint32(1), step[0], "STEP_LO after the step")
	require.NotZero(t, out[0], "OUT_COUNT")
	// 600 words of OUT_BUF: records of 255, 255 and 90 reads, sent at once.
	cols := make([]uint32, 600)
	require.NoError(t, b.Read(ctx, lxOutBuf, cols, true))
	require.True(t, slices.IsSorted(cols[:out[0]]) && cols[out[0]-1] < 256, "active columns %v", cols[:out[0]])
	// The memory window: MEM_SEL and MEM_ADDR in one write record, 16
	// fixed reads of MEM_DATA_HI (each advances MEM_ADDR), MEM_ADDR.
	hi, addr := make([]uint32, 16), make([]uint32, 1)
	require.NoError(t, b.Write(ctx, lxMemSel, []uint32{4, 0}, true))
	require.NoError(t, b.Read(ctx, lxMemDataHi, hi, false))
	require.NoError(t, b.Read(ctx, lxMemAddr, addr, true))
	require.Equal(t, uint32(16), addr[0], "MEM_ADDR after 16 reads of MEM_DATA_HI")
	// Fixed writes (one packet a word), a write of 300 words (records of
	// 255 and 45), IN_CRC and ERROR.
	require.NoError(t, b.Write(ctx, lxStepExpect, []uint32{5, 6, 1}, false))
	idx = make([]uint32, 300)
	for i := range idx {
		idx[i] = uint32(2 * i)
	}
	require.NoError(t, b.Write(ctx, lxInCount, []uint32{uint32(len(idx))}, true))
	require.NoError(t, b.Write(ctx, lxInBuf, idx, true))
	errw := make([]uint32, 1)
	require.NoError(t, b.Batch(ctx, []driver.Access{{Addr: lxInCRC, Data: crc}, {Addr: lxError, Data: errw}}))
	require.Equal(t, inCRC(idx), crc[0], "IN_CRC")
	require.Zero(t, errw[0], "ERROR")
	require.Equal(t, greeting, b.Greeting(), "the greeting of the same connection")
	st := b.LinkStats()
	require.Zero(t, st.Timeouts+st.Malformed+st.Resyncs, "%+v", st)
	return greeting
}

// TestLiteXTranscripts checks the recorded transcripts themselves: they
// parse, litex_server greets first with what EtherboneGreeting makes, and
// every packet either side sent is a well-formed LiteX packet.
func TestLiteXTranscripts(t *testing.T) {
	for _, name := range []string{"remoteclient.txt", "htmhw-client.txt", "litex-client-read.txt"} {
		t.Run(name, func(t *testing.T) {
			tr := readTranscript(t, name)
			tr = tr.withoutGreeting(t, litexGreeting)
			for _, client := range []bool{true, false} {
				p := tr.stream(client)
				packets := 0
				for len(p) > 0 {
					require.GreaterOrEqual(t, len(p), etherbone.HeaderLen+etherbone.RecordLen)
					require.True(t, etherbone.IsHeader(p), "% x", p[:etherbone.HeaderLen])
					wc, rc := int(p[10]), int(p[11])
					n := etherbone.HeaderLen + etherbone.RecordLen
					if wc > 0 {
						n += 4 + 4*wc
					}
					if rc > 0 {
						n += 4 + 4*rc
					}
					require.LessOrEqual(t, n, len(p))
					if !client {
						require.Zero(t, rc, "answers only write")
					}
					p = p[n:]
					packets++
				}
				t.Logf("client %v: %d packets", client, packets)
			}
		})
	}
}

// TestLiteXServerReplay plays the client side of LiteX's RemoteClient and
// litex_client.py sessions, and of this package's client session, against
// the emulator serving the board they were recorded with: the emulator
// must greet as litex_server does and answer byte for byte as litex_server
// did (with htmhw emulate --listen pty behind it).
func TestLiteXServerReplay(t *testing.T) {
	for _, name := range []string{"remoteclient.txt", "htmhw-client.txt", "litex-client-read.txt"} {
		t.Run(name, func(t *testing.T) {
			e := emulatortest.Start(t, litexBoard(t), emulator.EmulatorConfig{Listen: "tcp://127.0.0.1:0"})
			greet := emulator.EtherboneGreeting(emulator.EmulatorComm, "127.0.0.1", emulatorPort(t, e))
			c, err := net.Dial("tcp", e.Addr())
			require.NoError(t, err)
			defer c.Close()
			playClient(t, c, readTranscript(t, name), greet)
			require.Zero(t, e.Stats().Malformed)
		})
	}
}

// TestLiteXClientReplay plays litex_server's side of the client session
// (greeting included) to the client: the client must skip the greeting,
// send what it sent to litex_server byte for byte, and read the answers.
// The same session runs against a server whose greeting arrives in two
// parts, around the first request, and one that sends none (an older
// litex_server).
func TestLiteXClientReplay(t *testing.T) {
	recorded := readTranscript(t, "htmhw-client.txt")
	for _, c := range []struct {
		name  string
		tr    transcript
		greet string
	}{
		{"as recorded", recorded, litexGreeting},
		{"greeting in two parts", splitGreeting(recorded.withoutGreeting(t, litexGreeting), litexGreeting), litexGreeting},
		{"no greeting", recorded.withoutGreeting(t, litexGreeting), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			played := make(chan error, 1)
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					played <- err
					return
				}
				played <- playServer(conn, c.tr)
			}()
			b, err := etherbone.Dial(context.Background(), ln.Addr().String(), etherbone.Config{Timeout: 10 * time.Second})
			require.NoError(t, err)
			greeting := htmhwSession(t, b)
			require.NoError(t, b.Close())
			require.NoError(t, <-played)
			require.Equal(t, c.greet, greeting)
		})
	}
}

// splitGreeting returns tr (without a greeting) with greet sent in two
// parts: its first half before the client's first request is read, the
// rest after it, just before the first answer. The client then sees the
// greeting arrive in pieces while it waits for its first answer.
func splitGreeting(tr transcript, greet string) transcript {
	k := len(greet) / 2
	out := transcript{{false, []byte(greet[:k])}}
	done := false
	for _, s := range tr {
		if len(s.b) == 0 {
			continue
		}
		if !done && !s.client {
			out = append(out, segment{false, []byte(greet[k:])})
			done = true
		}
		out = append(out, s)
	}
	return out
}

// TestLiteXLive runs the client session against a litex_server given by
// HTMHW_LITEX_SERVER (host:port), with a fresh emulated board behind it
// (htmhw emulate --listen pty --image of the small preset for jumpsup).
// testdata/litex/record.sh runs it through a recording proxy.
func TestLiteXLive(t *testing.T) {
	addr := os.Getenv("HTMHW_LITEX_SERVER")
	if addr == "" {
		t.Skip("HTMHW_LITEX_SERVER (host:port of a litex_server) is not set")
	}
	b, err := etherbone.Dial(context.Background(), addr, etherbone.Config{Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer b.Close()
	g := htmhwSession(t, b)
	t.Logf("greeting %q", g)
	require.True(t, strings.HasPrefix(g, "Comm"), "greeting %q", g)
}

// BenchmarkLiteXServer measures round trips through a litex_server given
// by HTMHW_LITEX_SERVER (host:port): one read, and a batch of two
// pipelined reads with and without quickAck. litex_server's socket keeps
// Nagle's algorithm on, so without quick acknowledgements the second
// answer waits for the client's delayed ACK of the first.
func BenchmarkLiteXServer(b *testing.B) {
	addr := os.Getenv("HTMHW_LITEX_SERVER")
	if addr == "" {
		b.Skip("HTMHW_LITEX_SERVER (host:port of a litex_server) is not set")
	}
	e, err := etherbone.Dial(context.Background(), addr, etherbone.Config{Timeout: 5 * time.Second})
	require.NoError(b, err)
	defer e.Close()
	ctx := context.Background()
	one, two := make([]uint32, 1), make([]uint32, 1)
	for _, c := range []struct {
		name       string
		noQuickAck bool
		acc        []driver.Access
	}{
		{"read", false, []driver.Access{{Addr: lxID, Data: one}}},
		{"two reads", false, []driver.Access{{Addr: lxID, Data: one}, {Addr: lxStepLo, Data: two}}},
		{"two reads without quickAck", true, []driver.Access{{Addr: lxID, Data: one}, {Addr: lxStepLo, Data: two}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			e.SetNoQuickAck(c.noQuickAck)
			for b.Loop() {
				require.NoError(b, e.Batch(ctx, c.acc))
			}
		})
	}
}
