package encoder

import (
	"math"
	"testing"

	"github.com/htmhw/htmhw/model/sdr"
)

func FuzzRDSE(f *testing.F) {
	f.Add(1.5, uint16(400), uint8(21), 0.25, uint32(7), false)
	f.Add(-3.0, uint16(10), uint8(40), 1e-3, uint32(1), false)
	f.Add(7.0, uint16(1000), uint8(20), 0.0, uint32(3), true)
	f.Add(math.NaN(), uint16(100), uint8(5), 1.0, uint32(9), false)
	f.Add(1e300, uint16(100), uint8(5), 1e-30, uint32(9), false)
	f.Fuzz(func(t *testing.T, x float64, size uint16, activeBits uint8, resolution float64, seed uint32, category bool) {
		p := RDSEParams{Size: int(size), ActiveBits: int(activeBits), Seed: seed, Category: category}
		if !category {
			p.Resolution = resolution
		}
		e, err := NewRDSE(p)
		if err != nil {
			return
		}
		got, err := e.Encode(x, nil)
		bad := math.IsNaN(x) || math.IsInf(x, 0) || (category && !isUint(x))
		if bad != (err != nil) {
			t.Fatalf("Encode(%v): error %v, want error %v", x, err, bad)
		}
		if err != nil {
			if len(got) != 0 {
				t.Fatalf("Encode(%v) returned %v with error %v", x, got, err)
			}
			return
		}
		if err := sdr.Validate(got, e.Size()); err != nil {
			t.Fatalf("Encode(%v): %v", x, err)
		}
		if len(got) < 1 || len(got) > int(activeBits) {
			t.Fatalf("Encode(%v): %d active bits, want 1..%d", x, len(got), activeBits)
		}
		again, _ := e.Encode(x, got[:0:0])
		if sdr.Overlap(got, again) != len(got) || len(again) != len(got) {
			t.Fatalf("Encode(%v) not deterministic: %v then %v", x, got, again)
		}
	})
}

func FuzzScalar(f *testing.F) {
	f.Add(15.0, 10.0, 20.0, uint16(13), uint8(3), 0.0, false, false)
	f.Add(19.5, 10.0, 20.0, uint16(0), uint8(3), 1.0, true, false)
	f.Add(-5.0, 10.0, 20.0, uint16(50), uint8(7), 0.0, false, true)
	f.Add(math.NaN(), 0.0, 24.0, uint16(0), uint8(21), 0.45, true, false)
	f.Fuzz(func(t *testing.T, x, lo, hi float64, size uint16, activeBits uint8, resolution float64, periodic, clip bool) {
		p := ScalarParams{Minimum: lo, Maximum: hi, Size: int(size), ActiveBits: int(activeBits),
			Periodic: periodic, Clip: clip}
		if size == 0 {
			p.Resolution = resolution
		}
		e, err := NewScalar(p)
		if err != nil {
			return
		}
		got, err := e.Encode(x, nil)
		bad := math.IsNaN(x) || (!clip && (x < lo || x > hi))
		if bad != (err != nil) {
			t.Fatalf("Encode(%v) on [%v, %v]: error %v, want error %v", x, lo, hi, err, bad)
		}
		if err != nil {
			if len(got) != 0 {
				t.Fatalf("Encode(%v) returned %v with error %v", x, got, err)
			}
			return
		}
		if err := sdr.Validate(got, e.Size()); err != nil {
			t.Fatalf("Encode(%v) on %+v: %v", x, e.Params(), err)
		}
		if len(got) != int(activeBits) {
			t.Fatalf("Encode(%v): %d active bits, want %d", x, len(got), activeBits)
		}
		// The block is contiguous modulo Size: at most one gap, and only
		// when periodic.
		gaps := 0
		for i := 1; i < len(got); i++ {
			if got[i] != got[i-1]+1 {
				gaps++
			}
		}
		if gaps > 1 || (gaps == 1 && (!periodic || got[0] != 0 || int(got[len(got)-1]) != e.Size()-1)) {
			t.Fatalf("Encode(%v) on %+v: block not contiguous: %v", x, e.Params(), got)
		}
	})
}
