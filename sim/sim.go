// Package sim is the cycle-level simulator of the htmhw accelerator: it
// executes docs/ARCHITECTURE.md on a memory image, phase by phase, over the
// image's own memories (flat word arrays with the documented bit fields),
// and counts the cycles of every phase by architecture 3's cycle formulas
// (cycles3.go: the RTL's, hdl/rtl3) and the word accesses of every memory.
//
// Its results are bit-identical to the golden model's (docs/SPEC.md): the
// active and predicted columns, the anomaly pair, and every memory word
// (Sim.Image equals image.Compile of the golden region after the same
// steps).
//
// # Where the simulator takes shortcuts
//
// The simulator computes exactly what the architecture computes, but it is
// free to compute it faster when the result cannot differ:
//
//   - SP_OVERLAP ANDs only the non-zero input words (the others contribute
//     nothing to a popcount).
//   - TM_DENDRITE follows a reverse index (presynaptic cell → synapse slots)
//     instead of scanning every used segment: the counts do not depend on
//     the loop's order (SPEC 6.9). The index is derived from tm.syn and kept
//     equal to it; SetLiteralScan(true) switches to the literal scan, which
//     the tests compare against.
//   - A cell's segments, needed when the cell is full (SPEC 6.10), are found
//     by scanning tm.seg.
//
// Cycle counts are always those of the architecture's schedule, not of the
// shortcut.
//
// # Cycles
//
// A STEP's phase cycles are Accel3Cycles (ACCEL.md's table): htm3_sp's
// formulas on the step's input count and the pool lengths of its active
// and bumped columns, the column engine's (TM.md) on the counts the
// simulator makes as it runs the column loop (Sim.TMCells3: visited
// columns, list entries, bursts, draws and every segment operation), and
// the dendrite unit's on the used segments after the step. TM_PREDICT is
// part of the column engine's pass and reads 0. RESTORE's cycles are
// Accel3RestoreCycles on the used segments. Boosting, which htm3_sp does
// not implement, is simulated bit-exactly and costs the cycles of
// inhibition without it. The package hdl tests check every formula against
// the RTL at every step.
//
// # Readings of ARCHITECTURE.md
//
//   - TM_SWAP: the banks of tm.active/tm.winner become tm.prevactive/
//     tm.prevwinner at the start of TM_CELLS (which needs the previous
//     step's cells); the new banks are cleared and the new cells' bits set
//     while TM_CELLS runs.
//   - A popped tm.free entry is written 0 (images hold zeros above
//     FREE_COUNT), and a destroyed segment's tm.seglru and tm.segseq words
//     are written 0 (SPEC 6.10).
//
// # Memory access counts
//
// A documented approximation: one read and/or one write per word access a
// phase makes, counted per memory (including the working memories). A
// read-modify-write counts one read and one write; a bitmap bit set counts
// one read and one write of its word; scans count every word they read
// (the dendrite scan: S words of tm.seg, Σ_used M of tm.syn and as many
// bitmap reads of tm.active); a bank swap (TM_SWAP) moves no word.
package sim

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model/rng"
)

// Phase is one phase of a STEP (ARCHITECTURE.md section 4).
type Phase int

// The phases, in schedule order.
const (
	PhaseLoad       Phase = arch.PhaseLoad
	PhaseSPOverlap  Phase = arch.PhaseSPOverlap
	PhaseSPInhibit  Phase = arch.PhaseSPInhibit
	PhaseSPLearn    Phase = arch.PhaseSPLearn
	PhaseSPDuty     Phase = arch.PhaseSPDuty
	PhaseTMPredict  Phase = arch.PhaseTMPredict
	PhaseTMCells    Phase = arch.PhaseTMCells
	PhaseTMSwap     Phase = arch.PhaseTMSwap
	PhaseTMDendrite Phase = arch.PhaseTMDendrite
	PhaseOutput     Phase = arch.PhaseOutput
	NumPhases       Phase = arch.NumPhases
)

var phaseNames = arch.PhaseNames

// String returns the phase's name as ARCHITECTURE.md writes it.
func (p Phase) String() string {
	if p >= 0 && p < NumPhases {
		return phaseNames[p]
	}
	return fmt.Sprintf("Phase(%d)", int(p))
}

// Mem identifies a memory: the image's memories in MEM_SEL order
// (arch.Mem), then the working memories of ARCHITECTURE.md section 2.
type Mem int

// The memories.
const (
	MemCfg          = Mem(arch.MemCfg)
	MemRegs         = Mem(arch.MemRegs)
	MemSPPool       = Mem(arch.MemSPPool)
	MemSPPoolLen    = Mem(arch.MemSPPoolLen)
	MemSPConn       = Mem(arch.MemSPConn)
	MemSPDuty       = Mem(arch.MemSPDuty)
	MemSPBoost      = Mem(arch.MemSPBoost)
	MemSPBoostTable = Mem(arch.MemSPBoostTable)
	MemTMSeg        = Mem(arch.MemTMSeg)
	MemTMSegLRU     = Mem(arch.MemTMSegLRU)
	MemTMSegSeq     = Mem(arch.MemTMSegSeq)
	MemTMFree       = Mem(arch.MemTMFree)
	MemTMSyn        = Mem(arch.MemTMSyn)
	MemTMCellSegs   = Mem(arch.MemTMCellSegs)
	MemTMActive     = Mem(arch.MemTMActive)
	MemTMWinner     = Mem(arch.MemTMWinner)
)

// The working memories, after the image's.
const (
	MemInBits = Mem(arch.NumMems) + iota
	MemSPOverlap
	MemSPHist
	MemTMPrevActive
	MemTMPrevWinner
	MemTMNumPot
	MemTMNumConn
	MemTMActSeg
	MemTMMatchSeg
	MemOutCols
	MemOutPred
	NumMems
)

var workNames = [NumMems - MemInBits]string{"in.bits", "sp.overlap", "sp.hist", "tm.prevactive", "tm.prevwinner",
	"tm.numpot", "tm.numconn", "tm.actseg", "tm.matchseg", "out.cols", "out.pred"}

// String returns the memory's name as ARCHITECTURE.md writes it.
func (m Mem) String() string {
	switch {
	case m >= 0 && m < MemInBits:
		return arch.Mem(m).String()
	case m >= MemInBits && m < NumMems:
		return workNames[m-MemInBits]
	}
	return fmt.Sprintf("Mem(%d)", int(m))
}

// regs words (ARCHITECTURE.md 2.2).
const (
	regSteps          = arch.RegsSteps
	regSPIter         = arch.RegsSPIteration
	regMinOverlap     = arch.RegsSPMinOverlap
	regTMIter         = arch.RegsTMIteration
	regCreated        = arch.RegsTMCreated
	regGen            = arch.RegsTMGenerator
	regFreeCount      = arch.RegsFreeCount
	regSegCreated     = arch.RegsSegmentsCreated
	regSegEvictedCell = arch.RegsSegEvictedCell
	regSegEvictedPool = arch.RegsSegEvictedPool
	regSegPruned      = arch.RegsSegmentsPruned
	regSegNotCreated  = arch.RegsSegNotCreated
	regSynCreated     = arch.RegsSynapsesCreated
	regSynPruned      = arch.RegsSynapsesPruned
	regSynEvicted     = arch.RegsSynapsesEvicted
)

// Errors of a STEP (the ERROR register's codes).
var (
	ErrBadInput = errors.New("sim: BAD_INPUT: an input index is not below N or the indices are not ascending")
)

// Result is what one STEP computes. Its slices are reused by the next Step.
type Result struct {
	ActiveColumns    []uint32 // OUT_BUF: active columns, ascending
	PredictedColumns []uint32 // PRED_BUF: columns predicted for this step, ascending
	AnomalyNum       uint32   // ANOM_NUM: active columns that were not predicted
	AnomalyDen       uint32   // ANOM_DEN: active columns
	Cycles           [NumPhases]uint64
	Total            uint64 // the CYCLES register: the sum of Cycles
}

// Stats are counters since New.
type Stats struct {
	Steps         uint64
	Cycles        [NumPhases]uint64 // per phase, summed over the steps
	Total         uint64            // all steps' cycles
	RestoreCycles uint64            // the RESTORE command run by New
	Reads, Writes [NumMems]uint64   // word accesses per memory (steps and RESTORE)
}

// params are the cfg words (ARCHITECTURE.md 2.1) and the derived widths.
type params struct {
	N, C, Q, k, stim, B                   int
	spConn, spInc, spDec, spBelow, spTrim uint32
	minPct, dutyPeriod, updatePeriod      uint32
	boost                                 bool
	actT, minT, maxNew, G, M, S, K        int
	tmInit, tmConn, tmInc, tmDec, tmPSD   uint32
	NC, W, WC, wN, wQ, wCell, wS, wM, wG  int
	pmax                                  uint32
	p3                                    Params3 // the terms of the cycle formulas
	segValid, synValid                    uint64
	cellMask, permMask                    uint64
}

const none = ^uint32(0)

// Sim is a simulated accelerator holding one region's memories.
type Sim struct {
	arch   image.Arch
	config []byte
	names  []string
	widths []int
	p      params

	// The image's memories.
	cfg, regs                                       []uint64
	pool, poolLen, conn, duty, boostMem, boostTable []uint64
	seg, segLRU, segSeq, free, syn, cellSegs        []uint64
	active, winner                                  []uint64

	// Working memories.
	inBits                 []uint64
	overlap                []uint32
	hist                   []uint32
	prevActive, prevWinner []uint64
	numPot, numConn        []uint16
	actSeg, matchSeg       []uint32
	outCols, outPred       []uint32
	anomNum, anomDen       uint32

	// Simulator-side structures (derived from the memories).
	presyn      [][]uint32 // cell → synapse slots (the dendrite shortcut)
	touched     []uint32   // segments whose numPot/numConn are non-zero
	literal     bool       // TM_DENDRITE scans literally
	inWords     []int      // non-zero words of in.bits
	colActive   []uint64   // active columns as a bitmap (C bits)
	prevWinners []uint32   // tm.prevwinner as a list, ascending
	actCells    []uint32   // new active cells, ascending
	winCells    []uint32   // new winner cells, ascending
	candMark    []uint64   // scratch bitmap over cells
	cand        []uint32
	scratch     []uint32
	keys        []segKey
	cellSegList []segKey
	g           rng.Generator
	// Event counters for the tests.
	nRaised, nBumped, nTrimmed uint64
	learn                      bool
	// Architecture 3's counts: the last TM_CELLS pass's, the entries of
	// the per-cell lists that the last dendrite pass leaves, and the pool
	// lengths of the step's active and bumped columns.
	c3              TMCells3Counts
	entries         int
	actLens, bumped []int

	rd, wr [NumMems]uint64
	stats  Stats
	res    Result
}

type segKey struct {
	owner uint32 // the owner cell (or the age, when choosing a cell's LRU)
	seq   uint64
	s     uint32
}

// New loads an image's memories, checks them (the image must be what
// image.Compile makes for its configuration: image.Image.Region's checks;
// tm.free above FREE_COUNT either 0 or RESTORE's used list,
// image.Image.TakeUsedList) and runs RESTORE (ARCHITECTURE.md 3.3).
func New(im *image.Image) (*Sim, error) {
	if im == nil {
		return nil, errors.New("sim: nil image")
	}
	if err := im.Arch.Validate(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	// RESTORE's used list (contract version 4): tm.free above FREE_COUNT
	// holds it as a host writes it, or 0 (the image's state form, whose
	// list the host would write); RESTORE leaves those entries 0.
	im, err := im.TakeUsedList(false)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	// Region checks names, widths, depths, the cfg words and every derived
	// memory against the configuration.
	if _, err := im.Region(); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if len(im.Sections) != int(arch.NumMems) {
		return nil, fmt.Errorf("sim: image has %d memories, want %d", len(im.Sections), arch.NumMems)
	}
	s := &Sim{arch: im.Arch, config: append([]byte(nil), im.Config...)}
	words := make([][]uint64, len(im.Sections))
	for i, sec := range im.Sections {
		if sec.Name != arch.MemNames[i] {
			return nil, fmt.Errorf("sim: memory %d is %q, want %q", i, sec.Name, arch.MemNames[i])
		}
		s.names = append(s.names, sec.Name)
		s.widths = append(s.widths, sec.Width)
		words[i] = append([]uint64(nil), sec.Words...)
	}
	s.cfg, s.regs = words[MemCfg], words[MemRegs]
	s.pool, s.poolLen, s.conn = words[MemSPPool], words[MemSPPoolLen], words[MemSPConn]
	s.duty, s.boostMem, s.boostTable = words[MemSPDuty], words[MemSPBoost], words[MemSPBoostTable]
	s.seg, s.segLRU, s.segSeq = words[MemTMSeg], words[MemTMSegLRU], words[MemTMSegSeq]
	s.free, s.syn, s.cellSegs = words[MemTMFree], words[MemTMSyn], words[MemTMCellSegs]
	s.active, s.winner = words[MemTMActive], words[MemTMWinner]
	if err := s.loadParams(im); err != nil {
		return nil, err
	}
	p := &s.p
	s.inBits = make([]uint64, p.W)
	s.overlap = make([]uint32, p.C)
	s.hist = make([]uint32, p.Q+1)
	s.prevActive = make([]uint64, p.WC)
	s.prevWinner = make([]uint64, p.WC)
	s.numPot = make([]uint16, p.S)
	s.numConn = make([]uint16, p.S)
	s.colActive = make([]uint64, (p.C+63)/64)
	s.candMark = make([]uint64, (p.NC+63)/64)
	s.presyn = make([][]uint32, p.NC)
	for j, w := range s.syn {
		if w&p.synValid != 0 {
			c := s.synCell(w)
			s.presyn[c] = append(s.presyn[c], uint32(j))
		}
	}
	s.restore()
	return s, nil
}

// loadParams reads the cfg words and derives the widths.
func (s *Sim) loadParams(im *image.Image) error {
	c := func(i int) uint32 { return uint32(s.cfg[i]) }
	p := &s.p
	p.N, p.C, p.Q, p.k = int(c(arch.CfgN)), int(c(arch.CfgC)), int(c(arch.CfgQ)), int(c(arch.CfgNumActive))
	p.stim, p.B = int(c(arch.CfgStimulusThreshold)), int(c(arch.CfgB))
	p.spConn, p.spInc, p.spDec = c(arch.CfgSynPermConnected), c(arch.CfgSynPermActiveInc), c(arch.CfgSynPermInactiveDec)
	p.spBelow, p.spTrim = c(arch.CfgSynPermBelowStimulusInc), c(arch.CfgSynPermTrimThreshold)
	p.minPct, p.dutyPeriod = c(arch.CfgMinPctOverlapDutyCycles), c(arch.CfgDutyCyclePeriod)
	p.updatePeriod, p.boost = c(arch.CfgUpdatePeriod), c(arch.CfgBoost) != 0
	p.actT, p.minT, p.maxNew = int(c(arch.CfgActivationThreshold)), int(c(arch.CfgMinThreshold)), int(c(arch.CfgMaxNewSynapseCount))
	p.G, p.M, p.S, p.K = int(c(arch.CfgG)), int(c(arch.CfgM)), int(c(arch.CfgS)), int(c(arch.CfgK))
	p.tmInit, p.tmConn = c(arch.CfgInitialPermanence), c(arch.CfgConnectedPermanence)
	p.tmInc, p.tmDec, p.tmPSD = c(arch.CfgPermanenceIncrement), c(arch.CfgPermanenceDecrement), c(arch.CfgPredictedSegmentDec)
	if v := c(arch.CfgArchVersion); v != arch.Version {
		return fmt.Errorf("sim: cfg ARCH_VERSION %d, this simulator implements %d", v, arch.Version)
	}
	// The widths of ARCHITECTURE.md section 1 from the cfg words.
	cl := arch.NewLayout(arch.Dims{N: p.N, C: p.C, Q: p.Q, K: p.K, S: p.S, M: p.M, B: p.B, G: p.G})
	p.NC, p.W, p.WC = cl.NC, cl.W, cl.WC
	p.wN, p.wQ, p.wCell, p.wS, p.wM, p.wG = cl.WN, cl.WQ, cl.WCell, cl.WS, cl.WM, cl.WG
	p.pmax = 1<<p.B - 1
	p.p3 = Params3{N: p.N, C: p.C, Q: p.Q, K: p.K, S: p.S, M: p.M}
	p.cellMask, p.permMask = 1<<p.wCell-1, 1<<p.B-1
	p.segValid, p.synValid = 1<<p.wCell, 1<<(p.B+p.wCell)
	// Cross-check with the image package's layout.
	cfg, err := im.ModelConfig()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	q, err := cfg.Quantize()
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	l := image.NewLayout(q, p.Q)
	if l.WN != p.wN || l.WCell != p.wCell || l.WS != p.wS || l.WM != p.wM || l.WG != p.wG || l.W != p.W || l.WC != p.WC {
		return fmt.Errorf("sim: derived widths differ from package image's layout %+v", l)
	}
	for m := arch.Mem(0); m < arch.NumMems; m++ {
		if s.widths[m] != cl.Width(m) {
			return fmt.Errorf("sim: memory %v is %d bits wide, the cfg words give %d", m, s.widths[m], cl.Width(m))
		}
	}
	return nil
}

// SetLiteralScan makes TM_DENDRITE scan every used segment's synapse slots
// as the hardware does, instead of following the reverse index. Results and
// counts are the same; only the simulator's speed differs.
func (s *Sim) SetLiteralScan(on bool) { s.literal = on }

// Image returns the current memories as an image: the same sections, in the
// same order and widths, as image.Compile makes.
func (s *Sim) Image() *image.Image {
	im := &image.Image{Arch: s.arch, Config: append([]byte(nil), s.config...)}
	for i, w := range s.memories() {
		im.Sections = append(im.Sections, &image.Section{Name: s.names[i], Width: s.widths[i], Words: append([]uint64(nil), w...)})
	}
	return im
}

func (s *Sim) memories() [][]uint64 {
	return [][]uint64{s.cfg, s.regs, s.pool, s.poolLen, s.conn, s.duty, s.boostMem, s.boostTable,
		s.seg, s.segLRU, s.segSeq, s.free, s.syn, s.cellSegs, s.active, s.winner}
}

// Stats returns the counters since New.
func (s *Sim) Stats() Stats {
	st := s.stats
	st.Reads, st.Writes = s.rd, s.wr
	return st
}

// Steps returns the steps computed (regs word 0, STEP_LO/STEP_HI).
func (s *Sim) Steps() uint64 { return s.regs[regSteps] }

// N returns the number of input bits (the encoder's size).
func (s *Sim) N() int { return s.p.N }

// ActiveCells returns the active cells of the last step (tm.active),
// ascending.
func (s *Sim) ActiveCells() []uint32 { return bitmapList(s.active, nil) }

// WinnerCells returns the winner cells of the last step (tm.winner),
// ascending.
func (s *Sim) WinnerCells() []uint32 { return bitmapList(s.winner, nil) }

// PredictiveCells returns the cells predicted for the next step: the owners
// of tm.actseg's segments, ascending.
func (s *Sim) PredictiveCells() []uint32 {
	var out []uint32
	for _, sg := range s.actSeg {
		c := s.owner(sg)
		if n := len(out); n == 0 || out[n-1] != c {
			out = append(out, c)
		}
	}
	return out
}

// TMCells3 returns the counts of TM.md's formula for the last step's pass
// of architecture 3's column engine (htm3_tm_cells), as the simulator
// made the step's operations.
func (s *Sim) TMCells3() TMCells3Counts { return s.c3 }

// NumSegments returns the segments in use, S − FREE_COUNT.
func (s *Sim) NumSegments() int { return s.p.S - int(s.regs[regFreeCount]) }

// NumSynapses returns the synapses in use: the sum of tm.seg's counts.
func (s *Sim) NumSynapses() int {
	n := 0
	for _, w := range s.seg {
		if w&s.p.segValid != 0 {
			n += int(w >> (s.p.wCell + 1))
		}
	}
	return n
}

// Step runs one STEP (phases 1 to 10) on the input indices (ascending, each
// below N) with or without learning. A bad input is refused with
// ErrBadInput and changes nothing. The result is reused by the next Step.
func (s *Sim) Step(input []uint32, learn bool) (*Result, error) {
	p := &s.p
	for i, x := range input {
		if int(x) >= p.N || i > 0 && x <= input[i-1] {
			return nil, fmt.Errorf("%w (index %d: %d)", ErrBadInput, i, x)
		}
	}
	r := &s.res
	s.learn = learn
	s.bumped = s.bumped[:0]
	s.load(input)
	s.spOverlap()
	s.spInhibit()
	if learn {
		s.spLearn()
		s.spDuty()
	}
	s.tmPredict()
	s.tmCells()
	s.tmSwap()
	s.tmDendrite(learn)
	s.output()
	r.ActiveColumns, r.PredictedColumns = s.outCols, s.outPred
	r.AnomalyNum, r.AnomalyDen = s.anomNum, s.anomDen
	s.actLens = s.actLens[:0]
	for _, c := range s.outCols {
		s.actLens = append(s.actLens, int(s.poolLen[c]))
	}
	r.Cycles = Accel3Cycles(p.p3, learn, len(input), s.actLens, s.bumped, s.c3.Cycles(p.p3), s.NumSegments())
	r.Total = 0
	for ph, c := range r.Cycles {
		r.Total += c
		s.stats.Cycles[ph] += c
	}
	s.stats.Total += r.Total
	s.stats.Steps++
	return r, nil
}

// restore is the RESTORE command: in.bits cleared, tm.prevactive and
// tm.prevwinner left for the next step (tm.winner's cells listed: the next
// step's previous winners), and a dendrite activation without learning
// over tm.active. Its cycles are Accel3RestoreCycles on the used segments.
func (s *Sim) restore() {
	clear(s.inBits)
	s.wr[MemInBits] += uint64(s.p.W)
	s.rd[MemTMWinner] += uint64(s.p.WC)
	s.actCells = bitmapList(s.active, s.actCells[:0])
	s.tmDendrite(false)
	s.stats.RestoreCycles = Accel3RestoreCycles(s.p.p3, s.NumSegments())
}

// Field access.

func (s *Sim) owner(sg uint32) uint32 { return uint32(s.seg[sg] & s.p.cellMask) }
func (s *Sim) synCell(w uint64) uint32 {
	return uint32(w >> s.p.B & s.p.cellMask)
}
func (s *Sim) segCount(sg uint32) int { return int(s.seg[sg] >> (s.p.wCell + 1)) }
func (s *Sim) setSegCount(sg uint32, n int) {
	s.seg[sg] = s.seg[sg]&(s.p.segValid|s.p.cellMask) | uint64(n)<<(s.p.wCell+1)
}

func hasBit(b []uint64, i uint32) bool { return b[i/32]>>(i%32)&1 != 0 }
func setBit(b []uint64, i uint32)      { b[i/32] |= 1 << (i % 32) }

// bitmapList appends the set bits of a 32-bit-word bitmap to dst.
func bitmapList(b []uint64, dst []uint32) []uint32 {
	for w, v := range b {
		for v != 0 {
			t := bits.TrailingZeros64(v)
			dst = append(dst, uint32(w*32+t))
			v &= v - 1
		}
	}
	return dst
}
