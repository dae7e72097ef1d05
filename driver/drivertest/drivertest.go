// Package drivertest holds fakes and checks for testing transports and
// the Board, as periph.io's spitest does for spi: a Target backed by a
// map, a conformance check of any Bus against it (ExerciseBus), buses that
// wrap a Bus to lose and corrupt words (Lossy) or stop answering (Dead),
// and the small image the driver's tests load (SmallImage).
package drivertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
)

// MapTarget is a driver.Target backed by a map, counting its accesses.
// Unwritten words read as a pattern of their address (addr ^ 0xA5A50000).
// It is safe for concurrent use.
type MapTarget struct {
	mu     sync.Mutex
	m      map[uint32]uint32
	reads  int
	writes int
}

// NewMapTarget returns an empty MapTarget.
func NewMapTarget() *MapTarget { return &MapTarget{m: map[uint32]uint32{}} }

// ReadWord implements driver.Target.
func (t *MapTarget) ReadWord(a uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reads++
	return t.get(a)
}

// WriteWord implements driver.Target.
func (t *MapTarget) WriteWord(a, v uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writes++
	t.m[a] = v
}

// Get returns the word at a without counting a read.
func (t *MapTarget) Get(a uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.get(a)
}

func (t *MapTarget) get(a uint32) uint32 {
	if v, ok := t.m[a]; ok {
		return v
	}
	return a ^ 0xA5A50000
}

// Reads returns the number of ReadWord calls.
func (t *MapTarget) Reads() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reads
}

// Writes returns the number of WriteWord calls.
func (t *MapTarget) Writes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.writes
}

// Context is a context for one test operation: generous, so that a test
// on a loaded machine fails only on a hang. It is cancelled when the test
// ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// ExerciseBus checks word reads and writes, bursts longer than MaxBurst
// and fixed-address accesses on a bus to tg.
func ExerciseBus(t *testing.T, b driver.Bus, tg *MapTarget) {
	t.Helper()
	ctx := Context(t)
	// Single words.
	require.NoError(t, b.Write(ctx, 0x14, []uint32{0xDEADBEEF}, true))
	got := make([]uint32, 1)
	require.NoError(t, b.Read(ctx, 0x14, got, true))
	require.Equal(t, uint32(0xDEADBEEF), got[0])
	require.Equal(t, uint32(0xDEADBEEF), tg.Get(0x14))
	// An unwritten word.
	require.NoError(t, b.Read(ctx, 0x2001, got, true))
	require.Equal(t, uint32(0x2001^0xA5A50000), got[0])
	// A burst of 600 words (3 frames of at most 255).
	src := make([]uint32, 600)
	for i := range src {
		src[i] = uint32(i)*0x01010101 + 7
	}
	require.NoError(t, b.Write(ctx, 0x400, src, true))
	dst := make([]uint32, len(src))
	require.NoError(t, b.Read(ctx, 0x400, dst, true))
	require.Equal(t, src, dst)
	for i, v := range src {
		require.Equal(t, v, tg.Get(0x400+uint32(i)))
	}
	// Fixed address: the last word stays; a fixed read repeats it.
	require.NoError(t, b.Write(ctx, 0x31, []uint32{1, 2, 3}, false))
	rep := make([]uint32, 4)
	require.NoError(t, b.Read(ctx, 0x31, rep, false))
	require.Equal(t, []uint32{3, 3, 3, 3}, rep)
	require.Equal(t, uint32(3), tg.Get(0x31))
	// The top of the address space.
	require.NoError(t, b.Write(ctx, 0x3FFFFFFF, []uint32{42}, true))
	require.NoError(t, b.Read(ctx, 0x3FFFFFFF, got, true))
	require.Equal(t, uint32(42), got[0])
}
