package arch

import "fmt"

// Window is how the memory window (MEM_SEL, MEM_ADDR, MEM_DATA_LO/HI) and
// CRC_SEL see one memory of an image in contract version 4
// (docs/ARCHITECTURE.md section 3.4, "The window in physical words"): the
// memories that architecture 3 keeps in 16-bit physical words (the cfg/regs
// EBR, the segment memory, the banks of tm.active and tm.winner) are seen
// as 32-bit units, each two consecutive physical words (low first), so
// that the device needs no translation from the image's words; the others
// (sp.pool, sp.poollen, sp.duty, tm.syn, tm.cellsegs) are seen word for
// word, as the image has them. The host packs and unpacks (ToUnits,
// FromUnits); the CRC of a memory is UpdateCRC over its units, UnitWidth
// bits each.
//
// A memory in 16-bit words keeps each image word in Parts consecutive
// physical words, least significant first: 16 bits each, except a tm.seg
// word wider than 16 bits, which splits at its owner (Split bits: the
// owner, then {count, valid}). Unit u holds parts 2u and 2u + 1 of the
// memory's sequence of parts. A memory of an odd number of parts (tm.seg,
// tm.free, sp.boost with an odd depth in one part a word) has a last unit
// whose high half is a spare physical word: it keeps what was written to
// it (Pad).
type Window struct {
	Width, Depth int // the image's word width and depth
	Parts        int // 16-bit physical words a word; 0: the window sees the words themselves
	Split        int // the low part's bits of a two-part word (16, or tm.seg's owner bits)
}

// NewWindow is the window of memory m, of width × depth bits, in a region
// of wCell-bit cell indices (Layout.WCell: tm.seg's owner).
func NewWindow(m Mem, width, depth, wCell int) Window {
	w := Window{Width: width, Depth: depth}
	switch m {
	case MemSPPool, MemSPPoolLen, MemSPDuty, MemTMSyn, MemTMCellSegs:
		return w
	case MemCfg, MemRegs, MemSPConn, MemSPBoost, MemSPBoostTable, MemTMSeg, MemTMSegLRU, MemTMSegSeq,
		MemTMFree, MemTMActive, MemTMWinner:
	default:
		panic(fmt.Sprintf("arch: no memory %d", int(m)))
	}
	w.Parts, w.Split = (width+15)/16, 16
	if m == MemTMSeg && width > 16 {
		w.Parts, w.Split = 2, wCell
	}
	return w
}

// Window returns memory m's window in this region.
func (l Layout) Window(m Mem) Window { return NewWindow(m, l.Width(m), l.Depth(m), l.WCell) }

// Units returns the window's depth: MEM_ADDR and the CRC run over units
// 0 to Units() − 1.
func (w Window) Units() int {
	if w.Parts == 0 {
		return w.Depth
	}
	return (w.Depth*w.Parts + 1) / 2
}

// UnitWidth returns the bits of a unit: 32 for a memory in 16-bit words,
// else the memory's width.
func (w Window) UnitWidth() int {
	if w.Parts == 0 {
		return w.Width
	}
	return 32
}

// Pad reports whether the last unit's high half is a spare physical word.
func (w Window) Pad() bool { return w.Parts != 0 && w.Depth*w.Parts%2 == 1 }

// partBits returns the bits that part p of a word keeps.
func (w Window) partBits(p int) int {
	switch {
	case w.Parts == 1:
		return w.Width
	case w.Parts == 2 && p == 0:
		return w.Split
	case w.Parts == 2:
		return w.Width - w.Split
	}
	return 16
}

// shift returns the bit of a word where part p starts.
func (w Window) shift(p int) int {
	if w.Parts == 2 && p == 1 {
		return w.Split
	}
	return 16 * p
}

// part returns part j of the memory's sequence of parts (0 beyond it).
func (w Window) part(words []uint64, j int) uint32 {
	i, p := j/w.Parts, j%w.Parts
	if i >= len(words) {
		return 0
	}
	return uint32(words[i]>>w.shift(p)) & (1<<w.partBits(p) - 1)
}

// setPart stores v, masked to the part's bits, as part j; it reports
// whether part j is in the memory.
func (w Window) setPart(words []uint64, j int, v uint32) bool {
	i, p := j/w.Parts, j%w.Parts
	if i >= len(words) {
		return false
	}
	n, s := w.partBits(p), w.shift(p)
	m := uint64(1)<<n - 1
	words[i] = words[i]&^(m<<s) | (uint64(v)&m)<<s
	return true
}

// Unit returns unit u of the memory's words; pad is the spare word's value
// (Pad).
func (w Window) Unit(words []uint64, u int, pad uint16) uint32 {
	if w.Parts == 0 {
		return uint32(words[u])
	}
	hi := w.part(words, 2*u+1)
	if w.Pad() && 2*u+1 == w.Depth*w.Parts {
		hi = uint32(pad)
	}
	return w.part(words, 2*u) | hi<<16
}

// SetUnit writes v into unit u as the device does: each part masked to its
// bits (a word not in parts to the memory's width); a spare half goes to
// *pad.
func (w Window) SetUnit(words []uint64, u int, v uint32, pad *uint16) {
	if w.Parts == 0 {
		words[u] = uint64(v)
		if w.Width < 32 {
			words[u] &= 1<<w.Width - 1
		}
		return
	}
	w.setPart(words, 2*u, v&0xFFFF)
	if !w.setPart(words, 2*u+1, v>>16) && pad != nil {
		*pad = uint16(v >> 16)
	}
}

// ToUnits returns the memory's units (the spare half 0).
func (w Window) ToUnits(words []uint64) []uint64 {
	u := make([]uint64, w.Units())
	for i := range u {
		u[i] = uint64(w.Unit(words, i, 0))
	}
	return u
}

// FromUnits returns the words that units hold (a spare half dropped).
func (w Window) FromUnits(units []uint64) []uint64 {
	words := make([]uint64, w.Depth)
	for i, v := range units {
		w.SetUnit(words, i, uint32(v), nil)
	}
	return words
}
