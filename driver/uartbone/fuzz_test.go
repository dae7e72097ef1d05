package uartbone

import (
	"testing"
	"time"

	"github.com/htmhw/htmhw/driver/drivertest"
)

// FuzzUARTBoneBridge feeds arbitrary bytes, in arbitrary chunks and at
// arbitrary times, to the UARTBone bridge: it must not panic, answer only
// whole words, and stay within 256 words per frame.
func FuzzUARTBoneBridge(f *testing.F) {
	f.Add([]byte{ReadIncr, 2, 0, 0, 0, 7}, uint8(3), uint16(0))
	f.Add([]byte{WriteIncr, 1, 0, 0, 0, 7, 1, 2, 3, 4, ReadFixed, 1, 0, 0, 0, 7}, uint8(5), uint16(50))
	f.Add([]byte{WriteIncr, 0, 0, 0, 0, 0, 1, 2, 3}, uint8(1), uint16(200))
	f.Add([]byte{0xff, 0, 0}, uint8(0), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, gapMs uint16) {
		tg := drivertest.NewMapTarget()
		b := &Bridge{Target: tg, FrameTimeout: 100 * time.Millisecond}
		now := time.Unix(1000, 0)
		var out []byte
		step := int(chunk)%16 + 1
		for off := 0; off < len(data); off += step {
			p := data[off:min(len(data), off+step)]
			before := len(out)
			out = b.Feed(p, now, out)
			if (len(out)-before)%4 != 0 {
				t.Fatalf("answer of %d bytes", len(out)-before)
			}
			if len(out)-before > 4*256*len(p) {
				t.Fatalf("answer of %d bytes to %d", len(out)-before, len(p))
			}
			now = now.Add(time.Duration(gapMs) * time.Millisecond / 8)
		}
		if got := uint64(len(out) / 4); got != b.Stats.Reads {
			t.Fatalf("%d words answered, %d read", got, b.Stats.Reads)
		}
		if uint64(tg.Writes()) != b.Stats.Writes {
			t.Fatalf("%d writes, %d counted", tg.Writes(), b.Stats.Writes)
		}
	})
}
