package etherbone

import (
	"encoding/binary"
	"fmt"

	"github.com/htmhw/htmhw/driver"
)

// Etherbone framing as LiteX uses it (litex/tools/remote/etherbone.py,
// litex_server.py, litex_client.py): one record per packet, 32-bit
// addresses and data, all big-endian.
//
//	packet header (8): 4e 6f | version<<4 | nr<<2 | pr<<1 | pf | addr_size<<4 | port_size | 00 00 00 00
//	                   = 4e 6f 10 44 00 00 00 00
//	record header (4): flags (bca 0x01, rca 0x02, rff 0x04, cyc 0x10, wca 0x20, wff 0x40),
//	                   byte_enable (0x0f), wcount, rcount
//	writes: base byte address (4), wcount data words (4 each)
//	reads:  base return address (4), rcount byte addresses (4 each)
//
// A read is answered by a packet whose record writes the data (wcount =
// rcount of the request, rcount 0) at the request's base return address;
// a write is not answered.
const (
	Magic            = 0x4e6f
	Port             = 1234 // litex_server's default TCP port
	ebVersionByte    = 0x10 // version 1, nr = pr = pf = 0
	ebSizesByte      = 0x44 // 32-bit addresses and ports
	ebHeaderLen      = 8
	ebRecordLen      = 4
	ebFlagWFF        = 0x40 // write FIFO: every word to the base address
	ebByteEnableAll  = 0x0f
	etherboneMaxWord = 255
)

// appendEtherboneHeader appends the packet and record headers.
func appendEtherboneHeader(b []byte, flags, byteEnable byte, wcount, rcount int) []byte {
	return append(b, 0x4e, 0x6f, ebVersionByte, ebSizesByte, 0, 0, 0, 0, flags, byteEnable, byte(wcount), byte(rcount))
}

// Bridge is the board side of Etherbone over a byte stream
// (litex_server's TCP service with the board behind it). It parses
// packets, executes their records on a Target and answers reads.
//
// A packet with a bad magic, version or address/port size is malformed:
// Feed returns an error and the connection should be closed (a stream has
// no other way to find the next packet). Writes honour the byte enables
// and the wff flag (LiteX's server ignores both and always writes whole
// words to incrementing addresses; its clients send 0x0f and no flags).
// Config-space flags (bca, rca, wca) and probes are ignored. Byte
// addresses are divided by 4.
//
// An EtherboneBridge is not safe for concurrent use.
type Bridge struct {
	Target driver.Target
	Stats  BridgeStats
	buf    []byte
}

// BridgeStats count a bridge's packets.
type BridgeStats struct {
	Packets   uint64 // packets executed
	Reads     uint64 // words read
	Writes    uint64 // words written
	Malformed uint64 // packets with a bad header
}

// Feed consumes stream bytes, executes the packets they complete, and
// appends the answers to out. After an error the bridge is unusable.
func (b *Bridge) Feed(p []byte, out []byte) ([]byte, error) {
	b.buf = append(b.buf, p...)
	for {
		if len(b.buf) < ebHeaderLen+ebRecordLen {
			return out, nil
		}
		h := b.buf
		if binary.BigEndian.Uint16(h) != Magic || h[2]>>4 != 1 || h[3] != ebSizesByte {
			b.Stats.Malformed++
			b.buf = b.buf[:0]
			return out, fmt.Errorf("etherbone: bad packet header % x", h[:ebHeaderLen])
		}
		flags, be := h[8], h[9]
		wcount, rcount := int(h[10]), int(h[11])
		need := ebHeaderLen + ebRecordLen
		if wcount > 0 {
			need += 4 + 4*wcount
		}
		if rcount > 0 {
			need += 4 + 4*rcount
		}
		if len(b.buf) < need {
			return out, nil
		}
		r := b.buf[ebHeaderLen+ebRecordLen : need]
		if wcount > 0 {
			addr := binary.BigEndian.Uint32(r) / 4
			for i := range wcount {
				v := binary.BigEndian.Uint32(r[4+4*i:])
				if be != ebByteEnableAll {
					var mask uint32
					for k := range 4 {
						if be>>k&1 != 0 {
							mask |= 0xff << (8 * k)
						}
					}
					v = v&mask | b.Target.ReadWord(addr)&^mask
				}
				b.Target.WriteWord(addr, v)
				if flags&ebFlagWFF == 0 {
					addr++
				}
			}
			b.Stats.Writes += uint64(wcount)
			r = r[4+4*wcount:]
		}
		if rcount > 0 {
			out = appendEtherboneHeader(out, 0, ebByteEnableAll, rcount, 0)
			out = append(out, r[:4]...) // the base return address
			for i := range rcount {
				v := b.Target.ReadWord(binary.BigEndian.Uint32(r[4+4*i:]) / 4)
				out = binary.BigEndian.AppendUint32(out, v)
			}
			b.Stats.Reads += uint64(rcount)
		}
		b.Stats.Packets++
		n := copy(b.buf, b.buf[need:])
		b.buf = b.buf[:n]
	}
}
