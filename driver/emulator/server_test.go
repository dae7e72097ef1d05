package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
)

// startEmulator starts an emulator of tg and stops it at the end of the test.
func startEmulator(t testing.TB, tg driver.Target, cfg EmulatorConfig) *Emulator {
	t.Helper()
	e, err := StartEmulator(context.Background(), tg, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
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
