package arch

import (
	"fmt"
	"math/bits"
)

// Mem is a memory index for MEM_SEL and CRC_SEL: the order of
// docs/ARCHITECTURE.md section 2's table, which is also the order of an
// image's sections.
type Mem int

// The memories of section 2.
const (
	MemCfg Mem = iota
	MemRegs
	MemSPPool
	MemSPPoolLen
	MemSPConn
	MemSPDuty
	MemSPBoost
	MemSPBoostTable
	MemTMSeg
	MemTMSegLRU
	MemTMSegSeq
	MemTMFree
	MemTMSyn
	MemTMCellSegs
	MemTMActive
	MemTMWinner
	NumMems        // memories in an image; MEM_SEL and CRC_SEL take 0 to NumMems − 1
	MemSelBits = 4 // bits of a memory index
)

// MemNames are the memories' names (image section names) in MEM_SEL order.
var MemNames = [NumMems]string{"cfg", "regs",
	"sp.pool", "sp.poollen", "sp.conn", "sp.duty", "sp.boost", "sp.boosttable",
	"tm.seg", "tm.seglru", "tm.segseq", "tm.free", "tm.syn", "tm.cellsegs", "tm.active", "tm.winner"}

// String returns the memory's name as ARCHITECTURE.md writes it.
func (m Mem) String() string {
	if m >= 0 && m < NumMems {
		return MemNames[m]
	}
	return fmt.Sprintf("Mem(%d)", int(m))
}

// Fixed depths of section 2's table.
const (
	CfgWords        = 32   // cfg
	RegsWords       = 16   // regs
	BoostTableWords = 1024 // sp.boosttable
)

// cfg word indices (section 2.1): the configuration registers, 32 bits
// each.
const (
	CfgN                       = 0 // N
	CfgC                       = 1 // C
	CfgQ                       = 2 // Q
	CfgNumActive               = 3 // k
	CfgStimulusThreshold       = 4
	CfgB                       = 5 // B
	CfgSynPermConnected        = 6
	CfgSynPermActiveInc        = 7
	CfgSynPermInactiveDec      = 8
	CfgSynPermBelowStimulusInc = 9
	CfgSynPermTrimThreshold    = 10
	CfgMinPctOverlapDutyCycles = 11 // Q0.16
	CfgDutyCyclePeriod         = 12
	CfgUpdatePeriod            = 13
	CfgBoost                   = 14 // boosting on (1) or off (0)
	CfgReserved                = 15 // 0
	CfgActivationThreshold     = 16
	CfgMinThreshold            = 17
	CfgMaxNewSynapseCount      = 18
	CfgG                       = 19 // G, maxSegmentsPerCell
	CfgM                       = 20 // M
	CfgS                       = 21 // S
	CfgK                       = 22 // K
	CfgInitialPermanence       = 23
	CfgConnectedPermanence     = 24
	CfgPermanenceIncrement     = 25
	CfgPermanenceDecrement     = 26
	CfgPredictedSegmentDec     = 27 // predictedSegmentDecrement
	CfgLanesOV                 = 28 // LANES_OV
	CfgLanesSyn                = 29 // LANES_SYN
	CfgDivLat                  = 30 // DIV_LAT
	CfgArchVersion             = 31 // ARCH_VERSION
)

// CfgNames name the cfg words as section 2.1's table writes them (one
// identifier of each entry: the table's text holds it).
var CfgNames = [CfgWords]string{"N", "C", "Q", "k", "stimulusThreshold", "B",
	"synPermConnected", "synPermActiveInc", "synPermInactiveDec", "synPermBelowStimulusInc",
	"synPermTrimThreshold", "minPctOverlapDutyCycles", "dutyCyclePeriod", "updatePeriod", "boosting", "reserved",
	"activationThreshold", "minThreshold", "maxNewSynapseCount", "G", "M", "S", "K",
	"initialPermanence", "connectedPermanence", "permanenceIncrement", "permanenceDecrement",
	"predictedSegmentDecrement", "LANES_OV", "LANES_SYN", "DIV_LAT", "ARCH_VERSION"}

// regs word indices (section 2.2): 64-bit state registers.
const (
	RegsSteps           = 0 // steps computed (STEP_LO, STEP_HI)
	RegsSPIteration     = 1 // SP iteration
	RegsSPMinOverlap    = 2 // SP minOverlap
	RegsTMIteration     = 3 // TM iteration
	RegsTMCreated       = 4 // TM created
	RegsTMGenerator     = 5 // TM generator state
	RegsFreeCount       = 6 // FREE_COUNT: valid entries of tm.free
	RegsSegmentsCreated = 7 // the TM event counters in tm.Stats order, 7 to 14
	RegsSegEvictedCell  = 8
	RegsSegEvictedPool  = 9
	RegsSegmentsPruned  = 10
	RegsSegNotCreated   = 11
	RegsSynapsesCreated = 12
	RegsSynapsesPruned  = 13
	RegsSynapsesEvicted = 14
	RegsReserved        = 15 // 0
	NumEventCounters    = RegsSynapsesEvicted - RegsSegmentsCreated + 1
)

// Dims are the model dimensions of section 1 that the memories' shapes
// depend on.
type Dims struct {
	N, C, Q, K, S, M, B, G int
}

// Layout holds the model dimensions and the derived widths and depths of
// docs/ARCHITECTURE.md section 1 for one region.
type Layout struct {
	N, C, Q, K, NC, S, M, B, G int
	WN, WQ, WCell, WS, WM, WG  int // bits of an input, pool length, cell, segment, synapse count, segment count
	W, WC                      int // words of an input bitmap, of a cell bitmap
}

// BitsFor returns bits(x) of section 1: the bits that hold 0..x, at least 1.
func BitsFor(x int) int { return max(1, bits.Len(uint(x))) }

// NewLayout derives the widths of section 1 from the dimensions.
func NewLayout(d Dims) Layout {
	l := Layout{N: d.N, C: d.C, Q: d.Q, K: d.K, S: d.S, M: d.M, B: d.B, G: d.G}
	l.NC = l.C * l.K
	l.WN, l.WQ, l.WCell, l.WS = BitsFor(l.N-1), BitsFor(l.Q), BitsFor(l.NC-1), BitsFor(l.S-1)
	l.WM, l.WG = BitsFor(l.M), BitsFor(l.G)
	l.W, l.WC = (l.N+31)/32, (l.NC+31)/32
	return l
}

// Width returns the bits per word of memory m (section 2's width column).
func (l Layout) Width(m Mem) int {
	switch m {
	case MemCfg, MemSPConn, MemSPDuty, MemTMSegLRU, MemTMActive, MemTMWinner:
		return 32
	case MemRegs, MemTMSegSeq:
		return 64
	case MemSPPool:
		return l.B + l.WN
	case MemSPPoolLen:
		return l.WQ
	case MemSPBoost, MemSPBoostTable:
		return 16
	case MemTMSeg:
		return l.WCell + 1 + l.WM
	case MemTMFree:
		return l.WS
	case MemTMSyn:
		return l.B + l.WCell + 1
	case MemTMCellSegs:
		return l.WG
	}
	panic(fmt.Sprintf("arch: no memory %d", int(m)))
}

// Depth returns the words of memory m (section 2's depth column).
func (l Layout) Depth(m Mem) int {
	switch m {
	case MemCfg:
		return CfgWords
	case MemRegs:
		return RegsWords
	case MemSPPool:
		return l.C * l.Q
	case MemSPPoolLen, MemSPDuty, MemSPBoost:
		return l.C
	case MemSPConn:
		return l.C * l.W
	case MemSPBoostTable:
		return BoostTableWords
	case MemTMSeg, MemTMSegLRU, MemTMSegSeq, MemTMFree:
		return l.S
	case MemTMSyn:
		return l.S * l.M
	case MemTMCellSegs:
		return l.NC
	case MemTMActive, MemTMWinner:
		return l.WC
	}
	panic(fmt.Sprintf("arch: no memory %d", int(m)))
}

// WordBytes returns the bytes a word of width bits takes in an image file
// and in a CRC_VALUE: ⌈width/8⌉ rounded up to 1, 2, 4 or 8.
func WordBytes(width int) int {
	switch {
	case width <= 8:
		return 1
	case width <= 16:
		return 2
	case width <= 32:
		return 4
	}
	return 8
}
