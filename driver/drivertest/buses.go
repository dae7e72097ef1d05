package drivertest

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"

	"github.com/htmhw/htmhw/driver"
)

// Lossy is a driver.Bus that loses and corrupts words in both
// directions, the way a serial link without checksums does. Every word of a call draws a fault with
// probability rate; a call with a fault suffers one of:
//
//	reads:  the request is lost (error, no access); the reply is lost
//	        (error after the access, whose side effects happen); a word comes
//	        back with 1-2 bits flipped; the address arrives with a bit
//	        flipped (wrong words, no error).
//	writes: the burst is cut at the faulty word, silently or with an error;
//	        the word arrives with 1-2 bits flipped; the address arrives with
//	        a bit flipped (the words go elsewhere, no error).
type Lossy struct {
	driver.Bus
	// Counts counts the faults by kind ("read lost", "write cut", ...).
	Counts map[string]int
	rng    *rand.Rand
	rate   float64
}

// NewLossy returns a Lossy bus over inner whose faults are drawn from a
// PCG generator seeded with seed.
func NewLossy(inner driver.Bus, seed uint64, rate float64) *Lossy {
	return &Lossy{Bus: inner, rng: rand.New(rand.NewPCG(seed, 7)), rate: rate, Counts: map[string]int{}}
}

// ErrLost is the error of a Lossy call whose request or reply is lost.
var ErrLost = errors.New("lossy: no reply")

// fault returns the index of the first faulty word, or -1.
func (l *Lossy) fault(n int) int {
	for i := 0; i < n; i++ {
		if l.rng.Float64() < l.rate {
			return i
		}
	}
	return -1
}

func (l *Lossy) flip(v uint32) uint32 {
	v ^= 1 << l.rng.IntN(32)
	if l.rng.IntN(2) == 0 {
		v ^= 1 << l.rng.IntN(32)
	}
	return v
}

func (l *Lossy) flipAddr(a uint32) uint32 { return a ^ 1<<l.rng.IntN(14) }

// Read implements driver.Bus.
func (l *Lossy) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	k := l.fault(len(dst))
	if k < 0 {
		return l.Bus.Read(ctx, addr, dst, incr)
	}
	switch l.rng.IntN(4) {
	case 0:
		l.Counts["read lost"]++
		return ErrLost
	case 1:
		l.Counts["reply lost"]++
		_ = l.Bus.Read(ctx, addr, dst, incr)
		return ErrLost
	case 2:
		l.Counts["read corrupted"]++
		err := l.Bus.Read(ctx, addr, dst, incr)
		dst[k] = l.flip(dst[k])
		return err
	default:
		l.Counts["read misaddressed"]++
		return l.Bus.Read(ctx, l.flipAddr(addr), dst, incr)
	}
}

// Write implements driver.Bus.
func (l *Lossy) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	k := l.fault(len(src))
	if k < 0 {
		return l.Bus.Write(ctx, addr, src, incr)
	}
	switch l.rng.IntN(4) {
	case 0:
		l.Counts["write cut"]++
		if k > 0 {
			_ = l.Bus.Write(ctx, addr, src[:k], incr)
		}
		return nil
	case 1:
		l.Counts["write cut, error"]++
		if k > 0 {
			_ = l.Bus.Write(ctx, addr, src[:k], incr)
		}
		return ErrLost
	case 2:
		l.Counts["write corrupted"]++
		c := slices.Clone(src)
		c[k] = l.flip(c[k])
		return l.Bus.Write(ctx, addr, c, incr)
	default:
		l.Counts["write misaddressed"]++
		return l.Bus.Write(ctx, l.flipAddr(addr), src, incr)
	}
}

// Dead is a driver.Bus that fails every call after After calls, as a board
// that stopped answering.
type Dead struct {
	driver.Bus
	After int
}

// Read implements driver.Bus.
func (d *Dead) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if d.After--; d.After < 0 {
		return errors.New("timeout")
	}
	return d.Bus.Read(ctx, addr, dst, incr)
}

// Write implements driver.Bus.
func (d *Dead) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if d.After--; d.After < 0 {
		return errors.New("timeout")
	}
	return d.Bus.Write(ctx, addr, src, incr)
}
