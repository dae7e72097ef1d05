package xdma

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
)

// TestXDMAStandIn runs the bus checks on the memory-backed stand-in, with
// and without DMA.
func TestXDMAStandIn(t *testing.T) {
	for _, dmaMin := range []int{-1, 1, 64} {
		tg := drivertest.NewMapTarget()
		st := Target{tg}
		x := New(st.User(), st.DMA(), st.DMA(), Config{DMAMin: dmaMin})
		drivertest.ExerciseBus(t, x, tg)
		require.NoError(t, x.Close())
	}
}

// TestXDMAFiles opens xdma://DIR/xdma0 on ordinary files: DIR/xdma0_user,
// with DIR/xdma0_h2c_0 and DIR/xdma0_c2h_0 linked to it (one flat memory,
// as on a card whose BAR and DMA space map the same registers).
func TestXDMAFiles(t *testing.T) {
	dir := t.TempDir()
	dev := filepath.Join(dir, "xdma0")
	require.NoError(t, os.WriteFile(dev+"_user", make([]byte, 4*0x2000), 0o600))
	require.NoError(t, os.Symlink(dev+"_user", dev+"_h2c_0"))
	require.NoError(t, os.Symlink(dev+"_user", dev+"_c2h_0"))
	for _, q := range []string{"", "?dma=off", "?dma=1"} {
		b, err := driver.OpenBus("xdma://" + dev + q)
		require.NoError(t, err)
		x := b.(*Link)
		require.Equal(t, q != "?dma=off", x.h2c != nil)
		ctx := drivertest.Context(t)
		src := make([]uint32, 300)
		for i := range src {
			src[i] = uint32(i)*0x10001 + 5
		}
		require.NoError(t, b.Write(ctx, 0x400, src, true))
		dst := make([]uint32, len(src))
		require.NoError(t, b.Read(ctx, 0x400, dst, true))
		require.Equal(t, src, dst)
		require.NoError(t, b.Write(ctx, 0x10, []uint32{7, 8, 9}, false))
		one := make([]uint32, 2)
		require.NoError(t, b.Read(ctx, 0x10, one, false))
		require.Equal(t, []uint32{9, 9}, one)
		require.NoError(t, b.Close())
	}
	// The file holds the words little-endian at 4·addr.
	raw, err := os.ReadFile(dev + "_user")
	require.NoError(t, err)
	require.Equal(t, uint32(5), binary.LittleEndian.Uint32(raw[4*0x400:]))
	require.Equal(t, uint32(9), binary.LittleEndian.Uint32(raw[4*0x10:]))
	// Without DMA files, the user file alone.
	require.NoError(t, os.Remove(dev+"_h2c_0"))
	b, err := driver.OpenBus("xdma://" + dev)
	require.NoError(t, err)
	require.Nil(t, b.(*Link).h2c)
	got := make([]uint32, 1)
	require.NoError(t, b.Read(drivertest.Context(t), 0x400, got, true))
	require.Equal(t, uint32(5), got[0])
	// Beyond the end of the file: an error, not a panic.
	require.Error(t, b.Read(drivertest.Context(t), 0x100000, got, true))
	require.NoError(t, b.Close())
	_, err = driver.OpenBus("xdma://" + filepath.Join(dir, "nosuch"))
	require.Error(t, err)
}
