package sim

import (
	"fmt"
	"sync"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
)

// Device is the accelerator as its host sees it: the 32-bit Wishbone slave
// of docs/ARCHITECTURE.md section 3 (word addressing), over the cycle-level
// simulator. ReadWord and WriteWord are single bus cycles; a transport or an
// in-process bus turns bursts into sequences of them.
//
// # A plain state machine
//
// Every command runs to completion inside the WriteWord to CTRL that issues
// it: STATUS reads busy (bit 0) never, done (bit 1) always (from power-on:
// the power-on RESTORE is a finished command), and error (bit 2) when ERROR
// is not 0. A host written for real boards, which polls STATUS until busy
// clears, sees every command finished at its first poll. Likewise CRC_SEL
// computes its CRC within the write.
//
// # Readings of section 3.1
//
//   - A device is built for one image's configuration and architecture (a
//     bitstream synthesised for those dimensions, with the configuration's
//     model file at hand): ID, VERSION, CAPS and DIM_* are those of the
//     power-on image. RESTORE rebuilds the simulator from the memories with
//     that configuration; memories of another configuration (cfg words,
//     widths, or derived memories that do not match) are refused with
//     BAD_STATE, and the previous state stays in force.
//   - Memory writes are pending until RESTORE: the memory window reads them
//     back and CRC_VALUE covers them, but STEP refuses with BAD_STATE while
//     memories have been written since the last RESTORE (the working
//     memories no longer match them). A failed RESTORE leaves the written
//     memories as written.
//   - ERROR keeps the first error until CLEAR_ERROR; it records and does not
//     block: later commands still run (only STEP_EXPECT decides whether a
//     STEP computes).
//   - CYCLES holds the cycles of the last command: a STEP's total,
//     RESTORE's count (Stats.RestoreCycles, at least W > 0), and 0 after a
//     command that does not start (refused, CLEAR_ERROR, RESET), as the RTL
//     does (hdl/README.md). A host can thus tell that a RESTORE ran: CYCLES
//     goes from 0 (after RESET or CLEAR_ERROR) to RESTORE's count. A STEP
//     repeated after it computed is refused and zeroes CYCLES, so the host
//     reads CYCLES before issuing anything else, and repeats a STEP only
//     when it has read STEP_LO = n checked by OUT_CRC.
//   - MEM_LOCK reads 0 when unlocked and 1 when locked. Writing arch.MemUnlock
//     ("LOAD") unlocks; writing any other value, 0 included, locks; an
//     accepted STEP command (complement check passed) locks.
//   - The memory window addresses physical words (contract version 4,
//     arch.Window): a memory kept in 16-bit physical words is seen as
//     32-bit units, the others word for word; MEM_ADDR counts units.
//     MEM_SEL and MEM_ADDR read back what was written. Reading MEM_DATA_LO
//     returns the addressed unit; reading MEM_DATA_HI returns unit
//     MEM_ADDR | 1 of cfg and regs (a regs word's high half at an even
//     unit), 0 of the other memories, and then increments MEM_ADDR.
//     Writing MEM_DATA_LO sets a latch; writing MEM_DATA_HI commits the
//     latch to the unit (its parts truncated to their bits, a word to the
//     memory's width; HI's word is not used) and increments MEM_ADDR. A
//     data access with MEM_SEL ≥ 16 or MEM_ADDR beyond the memory's units
//     sets BAD_MEM, reads 0, writes nothing and does not increment; a write
//     to MEM_DATA_HI while locked sets LOCKED, writes nothing and does not
//     increment. The high half of an odd memory's last unit is a spare
//     physical word: it keeps what was written (0 at power-on).
//   - CRC_SEL covers the memory's units (image.UpdateCRC over
//     arch.Window.UnitWidth bits); out of range it sets BAD_MEM and
//     CRC_VALUE reads 0.
//   - IN_BUF is readable. IN_COUNT above arch.InBufWords makes STEP fail with
//     BAD_INPUT; IN_CRC then covers IN_COUNT and the whole IN_BUF.
//   - OUT_BUF and PRED_BUF read 0 beyond OUT_COUNT and PRED_COUNT. An image
//     with more columns than PRED_BUF holds (C > 4096) is refused by
//     NewDevice.
//   - Write-only registers (CTRL, STEP_EXPECT, CRC_SEL) and unmapped
//     addresses read 0; writes to read-only or unmapped addresses are
//     ignored.
//   - RESET returns every register of section 3.1 to its power-on value:
//     ERROR 0, IN_COUNT 0 and IN_BUF cleared, outputs 0, STEP_EXPECT 0,
//     CYCLES 0, MEM_SEL, MEM_ADDR, the data latch and CRC_SEL/CRC_VALUE 0,
//     windows locked. Memories, pending writes included, are unchanged.
//
// A Device is safe for concurrent use: each ReadWord and WriteWord is one
// atomic bus cycle.
type Device struct {
	mu     sync.Mutex
	arch   image.Arch
	config []byte
	names  []string
	widths []int
	dims   [5]uint32 // N, C, K, S, M
	win    []arch.Window
	pad    []uint16 // each memory's spare physical word (arch.Window.Pad)

	s       *Sim
	pending [][]uint64 // memories written since the last RESTORE, or nil

	stepExpect uint32
	errCode    arch.ErrorCode
	cycles     uint64
	inCount    uint32
	inBuf      [arch.InBufWords]uint32
	outCols    []uint32
	outPred    []uint32
	anomNum    uint32
	anomDen    uint32
	locked     bool
	memSel     uint32
	memAddr    uint32
	dataLo     uint32
	crcSel     uint32
	crcValue   uint32
}

// NewDevice powers a device on with an image in its memories (as
// $readmemh loads them), runs RESTORE, and locks the memory windows.
func NewDevice(im *image.Image) (*Device, error) {
	s, err := New(im)
	if err != nil {
		return nil, err
	}
	if s.p.C > arch.PredBufWords {
		return nil, fmt.Errorf("sim: %d columns do not fit PRED_BUF's %d words", s.p.C, arch.PredBufWords)
	}
	d := &Device{arch: im.Arch, config: append([]byte(nil), im.Config...), names: s.names, widths: s.widths, s: s}
	d.dims = [5]uint32{uint32(s.p.N), uint32(s.p.C), uint32(s.p.K), uint32(s.p.S), uint32(s.p.M)}
	for i, w := range s.memories() {
		d.win = append(d.win, arch.NewWindow(arch.Mem(i), s.widths[i], len(w), s.p.wCell))
	}
	d.pad = make([]uint16, len(d.win))
	d.reset()
	return d, nil
}

// Accepts reports whether the device is built for the image's architecture
// and configuration, so that RESTORE can accept its memories.
func (d *Device) Accepts(im *image.Image) bool {
	return im != nil && im.Arch == d.arch && string(im.Config) == string(d.config)
}

// Steps returns STEP_LO/STEP_HI: the steps computed.
func (d *Device) Steps() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.s.Steps()
}

// Image returns the memories as an image (pending writes included), as a
// full read through the memory window would give them.
func (d *Device) Image() *image.Image {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.image()
}

// Sim returns the simulator that computes the device's steps. It is
// replaced by every successful RESTORE. The caller must not step it.
func (d *Device) Sim() *Sim {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.s
}

// reset sets the registers to their power-on values.
func (d *Device) reset() {
	d.stepExpect, d.errCode, d.cycles = 0, arch.CodeNone, 0
	d.inCount = 0
	clear(d.inBuf[:])
	d.outCols, d.outPred = d.outCols[:0], d.outPred[:0]
	d.anomNum, d.anomDen = 0, 0
	d.locked = true
	d.memSel, d.memAddr, d.dataLo, d.crcSel, d.crcValue = 0, 0, 0, 0, 0
}

// mems returns the memories as the window sees them.
func (d *Device) mems() [][]uint64 {
	if d.pending != nil {
		return d.pending
	}
	return d.s.memories()
}

func (d *Device) image() *image.Image {
	im := &image.Image{Arch: d.arch, Config: append([]byte(nil), d.config...)}
	for i, w := range d.mems() {
		im.Sections = append(im.Sections, &image.Section{Name: d.names[i], Width: d.widths[i], Words: append([]uint64(nil), w...)})
	}
	return im
}

func (d *Device) fail(e arch.ErrorCode) {
	if d.errCode == arch.CodeNone {
		d.errCode = e
	}
}

// ReadWord is one Wishbone read cycle at a word address.
func (d *Device) ReadWord(addr uint32) uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case addr >= arch.RegInBuf && addr < arch.RegInBuf+arch.InBufWords:
		return d.inBuf[addr-arch.RegInBuf]
	case addr >= arch.RegOutBuf && addr < arch.RegOutBuf+arch.OutBufWords:
		if i := int(addr - arch.RegOutBuf); i < len(d.outCols) {
			return d.outCols[i]
		}
		return 0
	case addr >= arch.RegPredBuf && addr < arch.RegPredBuf+arch.PredBufWords:
		if i := int(addr - arch.RegPredBuf); i < len(d.outPred) {
			return d.outPred[i]
		}
		return 0
	}
	switch addr {
	case arch.RegID:
		return arch.DeviceID
	case arch.RegVersion:
		return arch.Version
	case arch.RegCaps:
		return d.arch.Caps()
	case arch.RegDimIn, arch.RegDimCols, arch.RegDimCells, arch.RegDimSegs, arch.RegDimSyns:
		return d.dims[addr-arch.RegDimIn]
	case arch.RegStatus:
		st := uint32(arch.StatusDone)
		if d.errCode != arch.CodeNone {
			st |= arch.StatusError
		}
		return st
	case arch.RegStepLo:
		return uint32(d.s.Steps())
	case arch.RegStepHi:
		return uint32(d.s.Steps() >> 32)
	case arch.RegError:
		return uint32(d.errCode)
	case arch.RegCycles:
		return uint32(d.cycles)
	case arch.RegInCount:
		return d.inCount
	case arch.RegOutCount:
		return uint32(len(d.outCols))
	case arch.RegPredCount:
		return uint32(len(d.outPred))
	case arch.RegAnomNum:
		return d.anomNum
	case arch.RegAnomDen:
		return d.anomDen
	case arch.RegInCRC:
		return arch.InCRC(d.inCount, d.inBuf[:min(int(d.inCount), arch.InBufWords)])
	case arch.RegOutCRC:
		return arch.OutCRC(uint32(d.s.Steps()), d.outCols, d.outPred, d.anomNum, d.anomDen)
	case arch.RegMemLock:
		if d.locked {
			return 1
		}
		return 0
	case arch.RegMemSel:
		return d.memSel
	case arch.RegMemAddr:
		return d.memAddr
	case arch.RegMemDataLo, arch.RegMemDataHi:
		if !d.memOK() {
			return 0
		}
		m, u := d.memSel, int(d.memAddr)
		if addr == arch.RegMemDataLo {
			return d.win[m].Unit(d.mems()[m], u, d.pad[m])
		}
		d.memAddr++
		if arch.Mem(m) != arch.MemCfg && arch.Mem(m) != arch.MemRegs {
			return 0
		}
		return d.win[m].Unit(d.mems()[m], u|1, d.pad[m])
	case arch.RegCRCValue:
		return d.crcValue
	}
	return 0
}

// memOK reports whether the window addresses a unit, or sets BAD_MEM.
func (d *Device) memOK() bool {
	if int(d.memSel) >= len(d.win) || int(d.memAddr) >= d.win[d.memSel].Units() {
		d.fail(arch.CodeBadMem)
		return false
	}
	return true
}

// WriteWord is one Wishbone write cycle at a word address.
func (d *Device) WriteWord(addr, v uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if addr >= arch.RegInBuf && addr < arch.RegInBuf+arch.InBufWords {
		d.inBuf[addr-arch.RegInBuf] = v
		return
	}
	switch addr {
	case arch.RegCtrl:
		d.command(v)
	case arch.RegStepExpect:
		d.stepExpect = v
	case arch.RegInCount:
		d.inCount = v
	case arch.RegMemLock:
		d.locked = v != arch.MemUnlock
	case arch.RegMemSel:
		d.memSel = v
	case arch.RegMemAddr:
		d.memAddr = v
	case arch.RegMemDataLo:
		d.dataLo = v
	case arch.RegMemDataHi:
		d.writeMem()
	case arch.RegCRCSel:
		d.crcSel = v
		d.crcValue = 0
		m := d.mems()
		if int(v) >= len(m) {
			d.fail(arch.CodeBadMem)
			return
		}
		w := d.win[v]
		units := w.ToUnits(m[v])
		if w.Pad() { // the last unit's high half is the spare word
			units[len(units)-1] = uint64(w.Unit(m[v], len(units)-1, d.pad[v]))
		}
		d.crcValue = image.UpdateCRC(0, w.UnitWidth(), units)
	}
}

func (d *Device) writeMem() { // (HI's word is not used: the unit is the latch)
	if d.locked {
		d.fail(arch.CodeLocked)
		return
	}
	if !d.memOK() {
		return
	}
	if d.pending == nil {
		live := d.s.memories()
		d.pending = make([][]uint64, len(live))
		for i, w := range live {
			d.pending[i] = append([]uint64(nil), w...)
		}
	}
	d.win[d.memSel].SetUnit(d.pending[d.memSel], int(d.memAddr), d.dataLo, &d.pad[d.memSel])
	d.memAddr++
}

// command runs a CTRL word.
func (d *Device) command(v uint32) {
	c := uint16(v)
	if uint16(v>>16) != ^c {
		d.refuse(arch.CodeBadCmd)
		return
	}
	switch {
	case c&^arch.CmdLearn == arch.CmdStep:
		d.locked = true
		d.step(c&arch.CmdLearn != 0)
	case c == arch.CmdRestore:
		d.restore()
	case c == arch.CmdClearError:
		d.errCode, d.cycles = arch.CodeNone, 0
	case c == arch.CmdReset:
		d.reset()
	default:
		d.refuse(arch.CodeBadCmd)
	}
}

// refuse ends a command that sets an error: nothing changes, and no cycles
// are counted (CYCLES 0).
func (d *Device) refuse(e arch.ErrorCode) {
	d.fail(e)
	d.cycles = 0
}

func (d *Device) step(learn bool) {
	switch {
	case uint32(d.s.Steps()) != d.stepExpect:
		d.refuse(arch.CodeStepMismatch)
		return
	case d.pending != nil:
		d.refuse(arch.CodeBadState)
		return
	case d.inCount > arch.InBufWords:
		d.refuse(arch.CodeBadInput)
		return
	}
	r, err := d.s.Step(d.inBuf[:d.inCount], learn)
	if err != nil {
		d.refuse(arch.CodeBadInput)
		return
	}
	d.outCols = append(d.outCols[:0], r.ActiveColumns...)
	d.outPred = append(d.outPred[:0], r.PredictedColumns...)
	d.anomNum, d.anomDen = r.AnomalyNum, r.AnomalyDen
	d.cycles = r.Total
}

func (d *Device) restore() {
	s, err := d.restored()
	if err != nil {
		d.refuse(arch.CodeBadState)
		return
	}
	s.SetLiteralScan(d.s.literal)
	d.s, d.pending = s, nil
	d.cycles = s.stats.RestoreCycles
}

// RestoreError returns why the memories as they stand (pending writes
// included) would fail RESTORE, or nil: the diagnosis behind BAD_STATE.
func (d *Device) RestoreError() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, err := d.restored()
	return err
}

// restored is RESTORE on the memories as they stand: tm.free above
// FREE_COUNT must hold the used list the host wrote (contract version 4:
// the RTL links it as it stands, so that an image in its state form, those
// entries 0, is refused unless it has no used segment), which RESTORE
// clears.
func (d *Device) restored() (*Sim, error) {
	im, err := d.image().TakeUsedList(true)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	return New(im)
}
