package emulator

import "testing"

// FuzzParseFaults: ParseFaults accepts or refuses any string without
// panicking, and what it accepts prints (Faults.String) as a string it
// parses back to the same faults.
func FuzzParseFaults(f *testing.F) {
	for _, s := range []string{"", "none", "seed=1,drop=0.01,flip=0.02,delay=5ms", "drop=1", "flip=1e-5", "seed=0x10", "delay=-1s", "drop=0.6,flip=0.6", "x", "drop=NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		faults, err := ParseFaults(s)
		if err != nil {
			return
		}
		again, err := ParseFaults(faults.String())
		if err != nil {
			t.Fatalf("ParseFaults(%q) = %v, whose String %q does not parse: %v", s, faults, faults.String(), err)
		}
		if again != faults {
			t.Fatalf("ParseFaults(%q) = %+v, round trip %+v", s, faults, again)
		}
	})
}
