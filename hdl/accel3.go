package hdl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
)

// accel3Only are the files of hdl/rtl3 that only the top's builds compile
// (Build, WriteSources): they include htm_arch.vh, and the engines'
// testbench builds (writeSources3) have no include path.
var accel3Only = []string{"htm3_accel.v", "htm3_host.v", "htm3_crc.v", "htm3_seq.v", "htm3_memmap.v", "htm3_tm.v",
	"icebreaker3_top.v", "htm3_host_synth.v"}

// Accel3Layout is where htm3_memmap keeps the image memories that it maps
// onto shared physical memories (hdl/rtl3/ACCEL.md, "Memory map"), in
// 16-bit words: the segment memory's regions on R, S rounded up to a power
// of two (htm3_tm_cells' layout, TM.md), and the banks of tm.active and
// tm.winner. The Verilog mirrors it in htm3_accel (SM_CONN, SM_AW),
// htm3_memmap, htm3_tm and htm3_tm_cells.
type Accel3Layout struct {
	S, C, NC int
	// Conn is sp.conn's words of 16 bits (2·C·⌈N/32⌉).
	Conn int
	// SegW is tm.seg's word width {count, valid, owner}: ⌈log2 NC⌉ + 1 +
	// ⌈log2 (M+1)⌉ bits. Above 16 a word is two parts (Seg2).
	SegW int
}

// NewAccel3Layout is the layout of p's dimensions.
func NewAccel3Layout(p Params) Accel3Layout {
	return Accel3Layout{S: p.S, C: p.C, NC: p.C * p.K, Conn: 2 * p.C * ((p.N + 31) / 32),
		SegW: bitsFor(p.C*p.K-1) + 1 + bitsFor(p.M)}
}

// bitsFor is the bits that hold 0..x, at least 1 (htm3_memmap's bitsf).
func bitsFor(x int) int {
	b := 1
	for 1<<b <= x {
		b++
	}
	return b
}

// Owner is the bits of a tm.seg word's owner: ⌈log2 NC⌉.
func (l Accel3Layout) Owner() int { return bitsFor(l.NC - 1) }

// Seg2 reports whether a tm.seg word is two 16-bit parts: the owner (low
// part, Owner bits) at Seg() + 2s and {count, valid} (high part) at
// Seg() + 2s + 1. Otherwise the word is one part at Seg() + s.
func (l Accel3Layout) Seg2() bool { return l.SegW > 16 }

// R is the segment memory's region size: S rounded up to a power of two.
func (l Accel3Layout) R() int {
	r := 1
	for r < l.S {
		r <<= 1
	}
	return r
}

// Segment memory (SPRAM, 16K x 16 for small) bases.
func (l Accel3Layout) SegSeq() int     { return 0 }
func (l Accel3Layout) SegLRU() int     { return 4 * l.R() }
func (l Accel3Layout) Free() int       { return 10 * l.R() }
func (l Accel3Layout) BoostTable() int { return 11 * l.R() }

// Seg is tm.seg's base: 8R for a word in one part; for two parts a region
// of 2R after sp.boosttable, aligned to 2R (so that the parts' addresses
// are ORs: base | 2s | part).
func (l Accel3Layout) Seg() int {
	if !l.Seg2() {
		return 8 * l.R()
	}
	return alignUp(l.BoostTable()+arch.BoostTableWords, 2*l.R())
}

// alignUp rounds x up to a multiple of a.
func alignUp(x, a int) int { return (x + a - 1) / a * a }

// Words is the segment memory's depth: the regions and sp.boost rounded up
// to a power of two (16,384 for small).
func (l Accel3Layout) Words() int {
	n := 1
	for n < l.SPConn()+l.Conn+l.C+l.C%2 {
		n <<= 1
	}
	return n
}

// Boost is sp.boost's base: its C words at the top of the segment memory,
// on an even word (the window's units are pairs of words: arch.Window; an
// odd C leaves the top word spare).
func (l Accel3Layout) Boost() int { return l.Words() - l.C - l.C%2 }

// Bank is the words of a bank of tm.active's and tm.winner's EBRs (16-bit
// words, two a logical word): 2^⌈log2 ⌈NC/16⌉⌉.
func (l Accel3Layout) Bank() int {
	na, b := (l.NC+15)/16, 1
	for b < na {
		b <<= 1
	}
	return max(b, 2)
}

// SPConn is sp.conn's base, as 16-bit halves, low half first (htm3_sp's
// CONN_BASE, htm3_accel's SM_CONN): after sp.boosttable, aligned to Conn
// rounded up to a power of two, so that the engine ORs its address in.
func (l Accel3Layout) SPConn() int {
	al := 1
	for al < l.Conn {
		al <<= 1
	}
	end := l.BoostTable() + arch.BoostTableWords
	if l.Seg2() {
		end = l.Seg() + 2*l.R()
	}
	return alignUp(end, al)
}

// CfgRegsWords is the cfg/regs EBR's depth: cfg word i at 2i, regs word r
// at 64 + 4r.
const CfgRegsWords = 256

// WriteMemFiles writes the $readmemh files htm3_accel's memories load
// under SIM (+memdir=dir): the image's own files for the memories that
// keep the image's shape (sp.*, tm.syn, tm.cellsegs) and the physical
// images of the shared ones: cfgregs.hex (cfg and regs as 16-bit words),
// segmem.hex (tm.segseq, tm.seglru, tm.seg, tm.free, sp.boosttable,
// sp.conn, sp.boost), tm.active2.hex and tm.winner2.hex (bank 0, the
// current bank after reset).
func WriteMemFiles(im *image.Image, dir string) error {
	if _, err := im.WriteMemFiles(dir, []string{"readmemh"}); err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	p, err := ParamsOf(im)
	if err != nil {
		return err
	}
	sec := func(m arch.Mem) ([]uint64, error) {
		s := im.Section(m.String())
		if s == nil {
			return nil, fmt.Errorf("hdl: the image has no %s", m)
		}
		return s.Words, nil
	}
	put := func(dst []uint64, base, parts int, words []uint64) {
		for i, w := range words {
			for k := 0; k < parts; k++ {
				dst[base+parts*i+k] = (w >> (16 * k)) & 0xFFFF
			}
		}
	}
	cr := make([]uint64, CfgRegsWords)
	cfg, err := sec(arch.MemCfg)
	if err != nil {
		return err
	}
	regs, err := sec(arch.MemRegs)
	if err != nil {
		return err
	}
	put(cr, 0, 2, cfg)
	put(cr, 64, 4, regs)

	l := NewAccel3Layout(p)
	sm := make([]uint64, l.Words())
	for _, x := range []struct {
		m           arch.Mem
		base, parts int
	}{
		{arch.MemTMSegSeq, l.SegSeq(), 4}, {arch.MemTMSegLRU, l.SegLRU(), 2}, {arch.MemTMSeg, l.Seg(), 1},
		{arch.MemTMFree, l.Free(), 1}, {arch.MemSPBoostTable, l.BoostTable(), 1}, {arch.MemSPConn, l.SPConn(), 2},
		{arch.MemSPBoost, l.Boost(), 1},
	} {
		w, err := sec(x.m)
		if err != nil {
			return err
		}
		if x.m == arch.MemTMSeg && l.Seg2() {
			// {owner} and {count, valid}: the parts split at the owner
			o := l.Owner()
			for i, v := range w {
				sm[l.Seg()+2*i] = v & (1<<o - 1)
				sm[l.Seg()+2*i+1] = v >> o
			}
			continue
		}
		put(sm, x.base, x.parts, w)
	}
	act, err := sec(arch.MemTMActive)
	if err != nil {
		return err
	}
	win, err := sec(arch.MemTMWinner)
	if err != nil {
		return err
	}
	aw, ww := make([]uint64, 2*l.Bank()), make([]uint64, 2*l.Bank())
	put(aw, 0, 2, act[:min(len(act), l.Bank()/2)])
	put(ww, 0, 2, win[:min(len(win), l.Bank()/2)])
	for _, f := range []struct {
		name  string
		words []uint64
	}{{"cfgregs", cr}, {"segmem", sm}, {"tm.active2", aw}, {"tm.winner2", ww}} {
		var b strings.Builder
		fmt.Fprintf(&b, "// %s: %d words of 16 bits (htm3_memmap)\n", f.name, len(f.words))
		for _, w := range f.words {
			fmt.Fprintf(&b, "%04x\n", w)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name+".hex"), []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("hdl: %w", err)
		}
	}
	return nil
}
