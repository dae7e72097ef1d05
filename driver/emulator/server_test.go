package driver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mapTarget is a Target backed by a map, recording its accesses.
type mapTarget struct {
	mu     sync.Mutex
	m      map[uint32]uint32
	reads  int
	writes int
}

func newMapTarget() *mapTarget { return &mapTarget{m: map[uint32]uint32{}} }

func (t *mapTarget) ReadWord(a uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reads++
	if v, ok := t.m[a]; ok {
		return v
	}
	return a ^ 0xA5A50000 // unwritten words read as a pattern of their address
}

func (t *mapTarget) WriteWord(a, v uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writes++
	t.m[a] = v
}

func (t *mapTarget) get(a uint32) uint32 { return t.ReadWord(a) }

// startEmulator starts an emulator of tg and stops it at the end of the test.
func startEmulator(t testing.TB, tg Target, cfg EmulatorConfig) *Emulator {
	t.Helper()
	e, err := StartEmulator(context.Background(), tg, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}

// testCtx is a context for one test operation: generous, so that a test
// on a loaded machine fails only on a hang.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// exerciseBus checks word reads and writes, bursts longer than MaxBurst
// and fixed-address accesses on a bus to tg.
func exerciseBus(t *testing.T, b Bus, tg *mapTarget) {
	t.Helper()
	ctx := testCtx(t)
	// Single words.
	require.NoError(t, b.Write(ctx, 0x14, []uint32{0xDEADBEEF}, true))
	got := make([]uint32, 1)
	require.NoError(t, b.Read(ctx, 0x14, got, true))
	require.Equal(t, uint32(0xDEADBEEF), got[0])
	require.Equal(t, uint32(0xDEADBEEF), tg.get(0x14))
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
		require.Equal(t, v, tg.get(0x400+uint32(i)))
	}
	// Fixed address: the last word stays; a fixed read repeats it.
	require.NoError(t, b.Write(ctx, 0x31, []uint32{1, 2, 3}, false))
	rep := make([]uint32, 4)
	require.NoError(t, b.Read(ctx, 0x31, rep, false))
	require.Equal(t, []uint32{3, 3, 3, 3}, rep)
	require.Equal(t, uint32(3), tg.get(0x31))
	// The top of the address space.
	require.NoError(t, b.Write(ctx, 0x3FFFFFFF, []uint32{42}, true))
	require.NoError(t, b.Read(ctx, 0x3FFFFFFF, got, true))
	require.Equal(t, uint32(42), got[0])
}

func TestParseFaults(t *testing.T) {
	f, err := ParseFaults("seed=1,drop=0.01,flip=0.02,delay=5ms")
	require.NoError(t, err)
	require.Equal(t, Faults{Seed: 1, Drop: 0.01, Flip: 0.02, Delay: 5 * time.Millisecond}, f)
	g, err := ParseFaults(f.String())
	require.NoError(t, err)
	require.Equal(t, f, g)
	f, err = ParseFaults("")
	require.NoError(t, err)
	require.True(t, f.None())
	for _, bad := range []string{"drop", "drop=2", "flip=-1", "drop=0.6,flip=0.6", "delay=-1s", "nosuch=1", "seed=x"} {
		_, err := ParseFaults(bad)
		require.Error(t, err, bad)
	}
}

// TestInjectorCounts pins the fault counts of seed 1 on 100,000 bytes in
// each direction (docs/DRIVER.md): the same seed gives the same faults,
// however the bytes are split into chunks.
func TestInjectorCounts(t *testing.T) {
	f := Faults{Seed: 1, Drop: 0.01, Flip: 0.01}
	want := map[Direction]FaultStats{
		ToBoard:   {Bytes: 100000, Dropped: 1008, Flipped: 964},
		FromBoard: {Bytes: 100000, Dropped: 1018, Flipped: 974},
	}
	for d := range want {
		data := make([]byte, 100000)
		for i := range data {
			data[i] = byte(i * 7)
		}
		whole := f.NewInjector(d).Apply(append([]byte(nil), data...))
		in := f.NewInjector(d)
		var chunked []byte
		for off := 0; off < len(data); {
			n := min(1+off%97, len(data)-off)
			chunked = append(chunked, in.Apply(append([]byte(nil), data[off:off+n]...))...)
			off += n
		}
		require.Equal(t, whole, chunked)
		st := in.Stats()
		t.Logf("%d: %+v", d, st)
		require.Equal(t, want[d], st, "direction %d", d)
		require.Equal(t, int(st.Bytes-st.Dropped), len(whole))
	}
}
