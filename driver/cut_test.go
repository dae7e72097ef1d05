package driver

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCutAccesses(t *testing.T) {
	d := make([]uint32, 10)
	acc := []Access{
		{Write: true, Addr: 0x10, Data: d[0:3]},
		{Addr: 0x20, Data: d[3:8]},
		{Addr: 0x30, Data: d[8:10], Fixed: true},
	}
	type cut struct {
		addrs []uint32 // of the piece's accesses
		lens  []int
		rest  int // accesses left
	}
	for _, c := range []struct {
		limit int
		want  []cut // successive pieces until nothing is left
	}{
		{0, []cut{{[]uint32{0x10, 0x20, 0x30}, []int{3, 5, 2}, 0}}},
		{10, []cut{{[]uint32{0x10, 0x20, 0x30}, []int{3, 5, 2}, 0}}},
		{3, []cut{{[]uint32{0x10}, []int{3}, 2}, {[]uint32{0x20}, []int{3}, 2}, {[]uint32{0x23, 0x30}, []int{2, 1}, 1}, {[]uint32{0x30}, []int{1}, 0}}},
		{4, []cut{{[]uint32{0x10, 0x20}, []int{3, 1}, 2}, {[]uint32{0x21}, []int{4}, 1}, {[]uint32{0x30}, []int{2}, 0}}},
		{1, []cut{{[]uint32{0x10}, []int{1}, 3}, {[]uint32{0x11}, []int{1}, 3}, {[]uint32{0x12}, []int{1}, 2}, {[]uint32{0x20}, []int{1}, 2},
			{[]uint32{0x21}, []int{1}, 2}, {[]uint32{0x22}, []int{1}, 2}, {[]uint32{0x23}, []int{1}, 2}, {[]uint32{0x24}, []int{1}, 1},
			{[]uint32{0x30}, []int{1}, 1}, {[]uint32{0x30}, []int{1}, 0}}},
	} {
		t.Run(fmt.Sprint("limit=", c.limit), func(t *testing.T) {
			rest := acc
			total := 0
			for i, w := range c.want {
				piece, r, words := cutAccesses(nil, rest, c.limit)
				var addrs []uint32
				var lens []int
				n := 0
				for _, a := range piece {
					addrs, lens = append(addrs, a.Addr), append(lens, len(a.Data))
					n += len(a.Data)
				}
				require.Equal(t, w.addrs, addrs, "piece %d", i)
				require.Equal(t, w.lens, lens, "piece %d", i)
				require.Equal(t, n, words, "piece %d", i)
				require.Len(t, r, w.rest, "piece %d", i)
				total += words
				rest = r
			}
			require.Empty(t, rest)
			require.Equal(t, 10, total)
		})
	}
	// acc itself is not changed.
	require.Equal(t, uint32(0x20), acc[1].Addr)
	require.Len(t, acc[1].Data, 5)
}
