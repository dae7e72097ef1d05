package arch

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWindow checks each memory's window on a small region and on one
// whose tm.seg word is two parts: units and depths, the layout of the
// parts in a unit, and that units round-trip to the words.
func TestWindow(t *testing.T) {
	small := NewLayout(Dims{N: 120, C: 256, Q: 60, K: 4, S: 1024, M: 16, B: 8, G: 8})
	odd := NewLayout(Dims{N: 40, C: 31, Q: 9, K: 3, S: 7, M: 5, B: 8, G: 4})
	wide := NewLayout(Dims{N: 1000, C: 2048, Q: 60, K: 32, S: 4096, M: 32, B: 8, G: 8})
	for _, tc := range []struct {
		name         string
		l            Layout
		m            Mem
		parts, units int
		unitWidth    int
		pad          bool
	}{
		{"small cfg", small, MemCfg, 2, 32, 32, false},
		{"small regs", small, MemRegs, 4, 32, 32, false},
		{"small sp.pool", small, MemSPPool, 0, 256 * 60, small.Width(MemSPPool), false},
		{"small sp.conn", small, MemSPConn, 2, 256 * 4, 32, false},
		{"small sp.boost", small, MemSPBoost, 1, 128, 32, false},
		{"small sp.boosttable", small, MemSPBoostTable, 1, 512, 32, false},
		{"small tm.seg", small, MemTMSeg, 1, 512, 32, false},
		{"small tm.segseq", small, MemTMSegSeq, 4, 2048, 32, false},
		{"small tm.free", small, MemTMFree, 1, 512, 32, false},
		{"small tm.syn", small, MemTMSyn, 0, 1024 * 16, small.Width(MemTMSyn), false},
		{"small tm.active", small, MemTMActive, 2, 32, 32, false},
		{"odd tm.seg", odd, MemTMSeg, 1, 4, 32, true},
		{"odd sp.boost", odd, MemSPBoost, 1, 16, 32, true},
		{"odd tm.seglru", odd, MemTMSegLRU, 2, 7, 32, false},
		{"wide tm.seg", wide, MemTMSeg, 2, 4096, 32, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.l.Window(tc.m)
			require.Equal(t, tc.parts, w.Parts)
			require.Equal(t, tc.units, w.Units())
			require.Equal(t, tc.unitWidth, w.UnitWidth())
			require.Equal(t, tc.pad, w.Pad())
			r := rand.New(rand.NewPCG(1, uint64(tc.m)))
			words := make([]uint64, w.Depth)
			for i := range words {
				words[i] = r.Uint64()
				if w.Width < 64 {
					words[i] &= 1<<w.Width - 1
				}
			}
			units := w.ToUnits(words)
			require.Len(t, units, w.Units())
			require.Equal(t, words, w.FromUnits(units))
			var pad uint16
			for u := range units {
				w.SetUnit(words, u, 0xFFFFFFFF, &pad)
			}
			if w.Pad() {
				require.Equal(t, uint16(0xFFFF), pad)
			}
			for i, v := range words {
				want := uint64(1)<<min(w.Width, 32) - 1
				if w.Parts != 0 {
					want = ^uint64(0) >> (64 - w.Width)
				}
				require.Equal(t, want, v, "word %d", i)
			}
		})
	}
}

// TestWindowParts checks where a word's parts go: least significant first,
// 16 bits each, and a two-part tm.seg word split at its owner.
func TestWindowParts(t *testing.T) {
	regs := NewWindow(MemRegs, 64, 2, 10)
	u := regs.ToUnits([]uint64{0x4444333322221111, 0x8888777766665555})
	require.Equal(t, []uint64{0x22221111, 0x44443333, 0x66665555, 0x88887777}, u)
	seg := NewWindow(MemTMSeg, 20, 2, 13) // owner 13 bits, {count, valid} 7
	u = seg.ToUnits([]uint64{0x7F<<13 | 0x1ABC, 5<<13 | 7})
	require.Equal(t, []uint64{0x7F<<16 | 0x1ABC, 5<<16 | 7}, u)
	free := NewWindow(MemTMFree, 10, 3, 10)
	require.Equal(t, []uint64{0x0002_0001, 0x0000_0003}, free.ToUnits([]uint64{1, 2, 3}))
	var pad uint16
	words := []uint64{0, 0, 0}
	free.SetUnit(words, 1, 0xABCD_FFFF, &pad)
	require.Equal(t, []uint64{0, 0, 0x3FF}, words)
	require.Equal(t, uint16(0xABCD), pad)
	require.Equal(t, uint32(0xABCD_03FF), free.Unit(words, 1, pad))
}
