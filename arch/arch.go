// Package arch is the hardware contract of the htmhw accelerator: the
// register map, commands, status bits, error codes, memory numbering, the
// cfg and regs word layouts, the derived widths and depths, and the
// architecture version and parameters of docs/ARCHITECTURE.md.
//
// It is the one source of these numbers. Packages sim, image, driver and
// hdl import it; the Verilog header the RTL includes (hdl/rtl3/htm_arch.vh)
// and the C++ header of the Verilator harness (hdl/harness/htm_arch.h) are
// generated from it (VerilogHeader, CHeader; go generate in hdl), and its
// tests check docs/ARCHITECTURE.md's tables against it.
//
// The package imports only the standard library.
package arch

import (
	"fmt"
	"hash/crc32"
)

// Version is ARCH_VERSION, the architecture version of
// docs/ARCHITECTURE.md (its title): the VERSION register, cfg word
// CfgArchVersion and the image header carry it. Any change to a memory
// layout, the register map or the schedule bumps it.
const Version = 4

// Params are the architecture parameters of docs/ARCHITECTURE.md section
// 1, in cfg words 28 to 30, the image header and the CAPS register.
//
// Architecture 2 had lanes and a pipelined divider; architecture 3 has one
// datapath: one connected-bitmap half-word and one synapse slot a cycle,
// and a bit-serial divider in the background whose wait the cycle formulas
// state. The three fields keep their places (so that the cfg layout, the
// image header and CAPS do not move) and hold 1 each, the only values
// Validate accepts: other values describe architecture 2's lanes.
type Params struct {
	LanesOV  int // LANES_OV: connected-bitmap words per cycle in SP overlap (1)
	LanesSyn int // LANES_SYN: synapse slots per cycle in TM phases (1)
	DivLat   int // DIV_LAT: duty-cycle divider latency (1: serial, in the background)
}

// The architecture parameters (section 1's table): architecture 3's only
// values.
const (
	DefaultLanesOV  = 1
	DefaultLanesSyn = 1
	DefaultDivLat   = 1
)

// DefaultParams returns the architecture parameters.
func DefaultParams() Params {
	return Params{LanesOV: DefaultLanesOV, LanesSyn: DefaultLanesSyn, DivLat: DefaultDivLat}
}

// Validate checks that the parameters are architecture 3's.
func (a Params) Validate() error {
	for _, f := range []struct {
		name    string
		v, want int
	}{{"LANES_OV", a.LanesOV, DefaultLanesOV}, {"LANES_SYN", a.LanesSyn, DefaultLanesSyn}, {"DIV_LAT", a.DivLat, DefaultDivLat}} {
		if f.v != f.want {
			return fmt.Errorf("arch: architecture parameter %s %d: architecture %d has one datapath, %s is %d",
				f.name, f.v, Version, f.name, f.want)
		}
	}
	return nil
}

// CAPS register fields (section 3.1): each parameter in 8 bits.
const (
	CapsLanesOVShift  = 0
	CapsLanesSynShift = 8
	CapsDivLatShift   = 16
	CapsFieldBits     = 8
	CapsFieldMask     = 1<<CapsFieldBits - 1
)

// Caps returns the CAPS register's value for the parameters.
func (a Params) Caps() uint32 {
	return uint32(a.LanesOV)&CapsFieldMask<<CapsLanesOVShift |
		uint32(a.LanesSyn)&CapsFieldMask<<CapsLanesSynShift |
		uint32(a.DivLat)&CapsFieldMask<<CapsDivLatShift
}

// ParamsFromCaps decodes a CAPS register value.
func ParamsFromCaps(caps uint32) Params {
	return Params{
		LanesOV:  int(caps >> CapsLanesOVShift & CapsFieldMask),
		LanesSyn: int(caps >> CapsLanesSynShift & CapsFieldMask),
		DivLat:   int(caps >> CapsDivLatShift & CapsFieldMask),
	}
}

// AddrBits is the width of a bus word address: the Wishbone slave decodes
// word addresses 0 to 1<<AddrBits − 1 (section 3.1's map ends at PRED_BUF).
const AddrBits = 14

// Register word addresses of docs/ARCHITECTURE.md section 3.1 (word
// addressing: address a is byte address 4a), and hdl/README.md's
// PHASE_CYCLES.
const (
	RegID          = 0x000 // R: DeviceID
	RegVersion     = 0x001 // R: Version
	RegCaps        = 0x002 // R: Params.Caps
	RegDimIn       = 0x003 // R: N
	RegDimCols     = 0x004 // R: C
	RegDimCells    = 0x005 // R: K
	RegDimSegs     = 0x006 // R: S
	RegDimSyns     = 0x007 // R: M
	RegCtrl        = 0x010 // W: CtrlWord of a command
	RegStatus      = 0x011 // R: Status* bits
	RegStepLo      = 0x012 // R: steps computed, bits [0,32)
	RegStepHi      = 0x013 // R: steps computed, bits [32,64)
	RegStepExpect  = 0x014 // W: the STEP_LO the next STEP must find
	RegError       = 0x015 // R: an ErrorCode
	RegCycles      = 0x016 // R: cycles of the last command
	RegInCount     = 0x020 // RW: number of input indices
	RegOutCount    = 0x021 // R: number of active columns
	RegPredCount   = 0x022 // R: number of predicted columns
	RegAnomNum     = 0x023 // R: raw anomaly numerator
	RegAnomDen     = 0x024 // R: raw anomaly denominator
	RegInCRC       = 0x025 // R: InCRC of IN_COUNT and IN_BUF
	RegOutCRC      = 0x026 // R: OutCRC of the outputs
	RegMemLock     = 0x027 // RW: 1 locked, 0 unlocked; MemUnlock unlocks
	RegMemSel      = 0x030 // RW: memory index (Mem)
	RegMemAddr     = 0x031 // RW: unit index in that memory (Window)
	RegMemDataLo   = 0x032 // RW: the unit (Window)
	RegMemDataHi   = 0x033 // RW: cfg/regs unit MEM_ADDR | 1, else 0; a write commits the latch
	RegCRCSel      = 0x034 // W: memory index; starts a CRC
	RegCRCValue    = 0x035 // R: CRC-32 of the selected memory's units
	RegPhaseCycles = 0x040 // R: NumPhases words, cycles per phase (hdl/README.md)
	RegInBuf       = 0x400 // W (and R): InBufWords input indices
	RegOutBuf      = 0x1000
	RegPredBuf     = 0x2000

	InBufWords   = 0x400  // IN_BUF's capacity in input indices
	OutBufWords  = 0x1000 // OUT_BUF's capacity in column indices
	PredBufWords = 0x1000 // PRED_BUF's capacity in column indices
)

// Register values.
const (
	// DeviceID is the ID register's value: "HTMH".
	DeviceID = 0x48544D48

	// CTRL commands (bits [0,16) of the word; bits [16,32) hold their
	// complement, CtrlWord).
	CmdStep       = 1
	CmdRestore    = 2
	CmdClearError = 4
	CmdReset      = 8
	CmdLearn      = 0x100 // with CmdStep: learn
	CmdBits       = 16    // bits of a command; the word's high half is its complement

	// STATUS bits.
	StatusBusy  = 1 << StatusBusyBit
	StatusDone  = 1 << StatusDoneBit
	StatusError = 1 << StatusErrorBit

	StatusBusyBit  = 0 // a command runs
	StatusDoneBit  = 1 // the last command finished
	StatusErrorBit = 2 // ERROR is not 0

	// MemUnlock written to MEM_LOCK unlocks the memory windows ("LOAD").
	MemUnlock = 0x4C4F4144
)

// CtrlWord returns the CTRL word of a command: c with its complement in
// the high half.
func CtrlWord(c uint16) uint32 { return uint32(c) | uint32(^c)<<16 }

// ErrorCode is the value of the ERROR register (section 3.1).
type ErrorCode uint32

// The ERROR codes of docs/ARCHITECTURE.md section 3.1.
const (
	CodeNone         ErrorCode = 0
	CodeStepMismatch ErrorCode = 1 // STEP found STEP_LO ≠ STEP_EXPECT
	CodeBadInput     ErrorCode = 2 // an input index ≥ N, not ascending, or IN_COUNT > IN_BUF
	CodeBusy         ErrorCode = 3 // command while busy
	CodeBadMem       ErrorCode = 4 // MEM_SEL or MEM_ADDR out of range on a data access
	CodeBadCmd       ErrorCode = 5 // CTRL halves not complements, or no such command
	CodeLocked       ErrorCode = 6 // MEM_DATA_HI written while the windows are locked
	CodeBadState     ErrorCode = 7 // RESTORE found the memories inconsistent, or STEP after memory writes without RESTORE
	NumErrorCodes              = 8
	ErrorBits                  = 3 // bits the codes need
)

var errorNames = [NumErrorCodes]string{"NONE", "STEP_MISMATCH", "BAD_INPUT", "BUSY", "BAD_MEM", "BAD_CMD", "LOCKED", "BAD_STATE"}

// String returns the code's name as ARCHITECTURE.md writes it.
func (e ErrorCode) String() string {
	if e < NumErrorCodes {
		return errorNames[e]
	}
	return fmt.Sprintf("ERROR(%d)", uint32(e))
}

// Register describes one register, or one buffer of Words registers, of the
// map: what docs/ARCHITECTURE.md section 3.1 (and hdl/README.md for
// PHASE_CYCLES) lists, in address order.
type Register struct {
	Name   string // as the documentation writes it
	Addr   uint32 // the first word address
	Words  uint32 // 1, or the words of a buffer
	Access string // "R", "W" or "RW"
}

// Registers is the register map in address order.
var Registers = []Register{
	{"ID", RegID, 1, "R"},
	{"VERSION", RegVersion, 1, "R"},
	{"CAPS", RegCaps, 1, "R"},
	{"DIM_IN", RegDimIn, 1, "R"},
	{"DIM_COLS", RegDimCols, 1, "R"},
	{"DIM_CELLS", RegDimCells, 1, "R"},
	{"DIM_SEGS", RegDimSegs, 1, "R"},
	{"DIM_SYNS", RegDimSyns, 1, "R"},
	{"CTRL", RegCtrl, 1, "W"},
	{"STATUS", RegStatus, 1, "R"},
	{"STEP_LO", RegStepLo, 1, "R"},
	{"STEP_HI", RegStepHi, 1, "R"},
	{"STEP_EXPECT", RegStepExpect, 1, "W"},
	{"ERROR", RegError, 1, "R"},
	{"CYCLES", RegCycles, 1, "R"},
	{"IN_COUNT", RegInCount, 1, "RW"},
	{"OUT_COUNT", RegOutCount, 1, "R"},
	{"PRED_COUNT", RegPredCount, 1, "R"},
	{"ANOM_NUM", RegAnomNum, 1, "R"},
	{"ANOM_DEN", RegAnomDen, 1, "R"},
	{"IN_CRC", RegInCRC, 1, "R"},
	{"OUT_CRC", RegOutCRC, 1, "R"},
	{"MEM_LOCK", RegMemLock, 1, "RW"},
	{"MEM_SEL", RegMemSel, 1, "RW"},
	{"MEM_ADDR", RegMemAddr, 1, "RW"},
	{"MEM_DATA_LO", RegMemDataLo, 1, "RW"},
	{"MEM_DATA_HI", RegMemDataHi, 1, "RW"},
	{"CRC_SEL", RegCRCSel, 1, "W"},
	{"CRC_VALUE", RegCRCValue, 1, "R"},
	{"PHASE_CYCLES", RegPhaseCycles, NumPhases, "R"},
	{"IN_BUF", RegInBuf, InBufWords, "W"},
	{"OUT_BUF", RegOutBuf, OutBufWords, "R"},
	{"PRED_BUF", RegPredBuf, PredBufWords, "R"},
}

// Phases of a STEP in the schedule order of docs/ARCHITECTURE.md section 4:
// PHASE_CYCLES word p holds phase p's cycles.
const (
	PhaseLoad = iota
	PhaseSPOverlap
	PhaseSPInhibit
	PhaseSPLearn
	PhaseSPDuty
	PhaseTMPredict
	PhaseTMCells
	PhaseTMSwap
	PhaseTMDendrite
	PhaseOutput
	NumPhases
)

// PhaseNames are the phases' names as ARCHITECTURE.md writes them.
var PhaseNames = [NumPhases]string{"LOAD", "SP_OVERLAP", "SP_INHIBIT", "SP_LEARN", "SP_DUTY",
	"TM_PREDICT", "TM_CELLS", "TM_SWAP", "TM_DENDRITE", "OUTPUT"}

// InCRC is IN_CRC: the CRC-32 (IEEE) of IN_COUNT then the input indices,
// each word as 4 bytes little-endian.
func InCRC(count uint32, idx []uint32) uint32 {
	h := crc32.NewIEEE()
	var b [4]byte
	put := func(w uint32) {
		b[0], b[1], b[2], b[3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
		h.Write(b[:])
	}
	put(count)
	for _, w := range idx {
		put(w)
	}
	return h.Sum32()
}

// OutCRC is OUT_CRC: the CRC-32 of STEP_LO, OUT_COUNT, OUT_BUF, PRED_COUNT,
// PRED_BUF, ANOM_NUM, ANOM_DEN, each word as 4 bytes little-endian.
func OutCRC(stepLo uint32, cols, pred []uint32, num, den uint32) uint32 {
	b := make([]byte, 0, 4*(5+len(cols)+len(pred)))
	put := func(w uint32) { b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24)) }
	put(stepLo)
	put(uint32(len(cols)))
	for _, w := range cols {
		put(w)
	}
	put(uint32(len(pred)))
	for _, w := range pred {
		put(w)
	}
	put(num)
	put(den)
	return crc32.ChecksumIEEE(b)
}
