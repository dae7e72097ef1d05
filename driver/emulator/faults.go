package emulator

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Faults are the link faults an emulated board injects on its side of the
// link, in both directions (docs/DRIVER.md, "Fault injection"). They are
// reproducible: each direction draws from its own PCG generator seeded
// with (Seed, direction), one draw per byte, so the same byte stream and
// the same seed give the same faults on every run and every platform.
type Faults struct {
	Seed  uint64        // generator seed
	Drop  float64       // probability that a byte is lost
	Flip  float64       // probability that one random bit of a byte is flipped
	Delay time.Duration // latency added to every frame (UARTBone frame, Etherbone packet)
}

// None reports whether the faults change nothing.
func (f Faults) None() bool { return f.Drop == 0 && f.Flip == 0 && f.Delay == 0 }

// String returns the faults in the form ParseFaults reads.
func (f Faults) String() string {
	return fmt.Sprintf("seed=%d,drop=%g,flip=%g,delay=%s", f.Seed, f.Drop, f.Flip, f.Delay)
}

// ParseFaults reads "seed=1,drop=0.01,flip=0.01,delay=5ms". Every key is
// optional; an empty string is no faults. Probabilities are in [0, 1] and
// drop+flip ≤ 1.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return f, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return f, fmt.Errorf("faults %q: %q is not key=value", s, kv)
		}
		var err error
		switch k {
		case "seed":
			f.Seed, err = strconv.ParseUint(v, 0, 64)
		case "drop":
			f.Drop, err = parseProb(v)
		case "flip":
			f.Flip, err = parseProb(v)
		case "delay":
			f.Delay, err = time.ParseDuration(v)
			if err == nil && f.Delay < 0 {
				err = fmt.Errorf("negative delay")
			}
		default:
			return f, fmt.Errorf("faults %q: unknown key %q (have seed, drop, flip, delay)", s, k)
		}
		if err != nil {
			return f, fmt.Errorf("faults %q: %s: %w", s, k, err)
		}
	}
	if f.Drop+f.Flip > 1 {
		return f, fmt.Errorf("faults %q: drop+flip > 1", s)
	}
	return f, nil
}

func parseProb(v string) (float64, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, err
	}
	if !(p >= 0 && p <= 1) {
		return 0, fmt.Errorf("%v is not a probability", p)
	}
	return p, nil
}

// FaultStats count what an injector did.
type FaultStats struct {
	Bytes   uint64 // bytes offered
	Dropped uint64 // bytes lost
	Flipped uint64 // bytes with one bit flipped
}

func (s FaultStats) add(o FaultStats) FaultStats {
	return FaultStats{s.Bytes + o.Bytes, s.Dropped + o.Dropped, s.Flipped + o.Flipped}
}

// Direction names the two directions of a link, seen from the host.
type Direction uint64

const (
	ToBoard   Direction = 0 // host to board (the emulator's input)
	FromBoard Direction = 1 // board to host (the emulator's output)
)

// Injector applies Faults to the bytes of one direction. It is not safe for
// concurrent use, but its counters may be read concurrently.
type Injector struct {
	drop, flip            float64
	rng                   *rand.Rand
	bytes, dropped, flips atomic.Uint64
}

// NewInjector returns the injector of direction d.
func (f Faults) NewInjector(d Direction) *Injector {
	return &Injector{drop: f.Drop, flip: f.Flip, rng: rand.New(rand.NewPCG(f.Seed, 0x68746d6877<<8|uint64(d)))}
}

// Apply applies the faults to p in place and returns the bytes that
// survive (a prefix of p's storage). Each byte takes one draw u in [0,1):
// u < Drop drops it, Drop ≤ u < Drop+Flip flips bit IntN(8) (a second
// draw).
func (in *Injector) Apply(p []byte) []byte {
	if in == nil || (in.drop == 0 && in.flip == 0) {
		if in != nil {
			in.bytes.Add(uint64(len(p)))
		}
		return p
	}
	out := p[:0]
	var dropped, flipped uint64
	for _, b := range p {
		u := in.rng.Float64()
		switch {
		case u < in.drop:
			dropped++
			continue
		case u < in.drop+in.flip:
			b ^= 1 << in.rng.IntN(8)
			flipped++
		}
		out = append(out, b)
	}
	in.bytes.Add(uint64(len(p)))
	in.dropped.Add(dropped)
	in.flips.Add(flipped)
	return out
}

// Stats returns the counts so far.
func (in *Injector) Stats() FaultStats {
	if in == nil {
		return FaultStats{}
	}
	return FaultStats{Bytes: in.bytes.Load(), Dropped: in.dropped.Load(), Flipped: in.flips.Load()}
}
