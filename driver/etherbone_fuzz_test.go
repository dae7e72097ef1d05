package driver

import (
	"encoding/binary"
	"testing"
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
		tg := newMapTarget()
		b := &EtherboneBridge{Target: tg}
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
			if len(p) < 16 || binary.BigEndian.Uint16(p) != EtherboneMagic || p[11] != 0 {
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
