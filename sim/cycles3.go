package sim

import (
	"fmt"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
)

// Architecture 3's cycle model: the cycles each phase of a STEP of
// htm3_accel takes, as hdl/rtl3/ACCEL.md's cycle table, hdl/rtl3/README.md
// (htm3_sp), hdl/rtl3/TM.md (htm3_tm_cells) and hdl/rtl3/DENDRITE.md
// (htm3_dendrite) state them. The hdl tests compare every formula here with
// the RTL's PHASE_CYCLES at every step; these are the only copies.

// Params3 are the geometry terms of architecture 3's cycle formulas (the
// image's cfg words of the same names).
type Params3 struct {
	N int // input bits
	C int // columns
	Q int // active columns per step
	K int // cells per column
	S int // segment pool capacity
	M int // synapse slots per segment
}

// Params3Of reads the terms of the cycle formulas from an image's cfg
// words.
func Params3Of(im *image.Image) (Params3, error) {
	cfg := im.Section(arch.MemCfg.String())
	if cfg == nil || len(cfg.Words) != arch.CfgWords {
		return Params3{}, fmt.Errorf("sim: the image has no cfg memory of %d words", arch.CfgWords)
	}
	w := func(i int) int { return int(cfg.Words[i]) }
	return Params3{N: w(arch.CfgN), C: w(arch.CfgC), Q: w(arch.CfgQ), K: w(arch.CfgK), S: w(arch.CfgS), M: w(arch.CfgM)}, nil
}

// SP3IterReady is the cycle, counted from LOAD's first, from which
// htm3_sp's iter holds iteration + 1: two passes of 64 cycles over its bits
// (the lowest 0 found, then the bits rewritten). A step without learning
// does not end before it (hdl/rtl3/README.md).
const SP3IterReady = 64 + 64

// SP3DivReady is the cycle, counted from LOAD's first, from which htm3_sp's
// background divider has m and the update-round flag: the two passes over
// iteration (the second feeds the divider), 19 cycles of turn (p: a
// bit-serial compare), 33 bits of 2^32 + p, a wait and a hand-over
// (hdl/rtl3/README.md).
const SP3DivReady = SP3IterReady + 19 + 33 + 2

// SP3PortReady is the cycle, counted from LOAD's first, from which
// htm3_sp's background job no longer reads cfg/regs (its turn's 19 cycles
// after the two passes): SP_LEARN starts no pool pass before it, as the
// passes read the synapses' configuration words there (hdl/rtl3/README.md).
const SP3PortReady = SP3IterReady + 19

// SP3Cycles is hdl/rtl3/README.md's cycle formula of each of htm3_sp's
// phases (LOAD, SP_OVERLAP, SP_INHIBIT, SP_LEARN, SP_DUTY) for a step of
// nIn input bits; active and bumped are the pool lengths of the step's
// active columns and of the columns whose duty cycle is below the minimum.
func SP3Cycles(p Params3, learn bool, nIn int, active, bumped []int) [5]uint64 {
	H := 2 * ((p.N + 31) / 32)
	col := func(ls []int) uint64 {
		var s uint64
		for _, L := range ls {
			s += uint64(4*L + H + 5)
		}
		return s
	}
	wait := func(ready, e uint64) uint64 {
		if e < ready {
			return ready - e
		}
		return 0
	}
	var c [5]uint64
	c[0] = uint64(H + nIn + 2)
	c[1] = uint64(p.C*H + 3)
	c[2] = uint64(p.Q + p.C + 2)
	if !learn {
		c[2] += wait(SP3IterReady, c[0]+c[1]+c[2])
		return c
	}
	c[3] = 1 + wait(SP3PortReady, c[0]+c[1]+c[2]) + col(active)
	c[4] = uint64(2*p.C+6) + wait(SP3DivReady, c[0]+c[1]+c[2]+c[3]) + col(bumped)
	return c
}

// Dend3Cycles is DENDRITE.md's formula: htm3_dendrite's busy cycles for a
// pass over used segments of M slots.
func Dend3Cycles(used, M int) int { return 13 + used*max(M, 4) }

// TMCells3Cycles is TM.md's formula for a pass of htm3_tm_cells without
// learning: NA bitmap words cleared, NCM column-bitmap words read (10
// cycles each: the read, its 8 columns examined one a cycle, the next
// word), visited columns (each walks K lists), list entries, bursts and
// least-used draws.
func TMCells3Cycles(p Params3, visited, entries, bursts, draws int) int {
	NA, NCM := (p.C*p.K+15)/16, (p.C+7)/8
	return 45 + NA + 10*NCM + visited*2*p.K + entries + bursts*(p.K+2) + 3*draws
}

// TMCells3Ops are the segment operations of a pass of htm3_tm_cells with
// learning, the counts of TM.md's learning terms.
type TMCells3Ops struct {
	Resume   int // list walks resumed after an adapt or punish pass inside them
	BLearn   int // bursts with learning
	Adapts   int // adapt and punish passes
	Grows    int // grows
	GEv      int // weakest-synapse passes of the grows (one a grow, and one after each synapse evicted)
	Creates  int // segments created on a cell
	Walks    int // cell-full walks (cell evictions)
	Walked   int // used segments those walks passed
	Scans    int // pool scans (pool evictions and refusals)
	Pops     int // segments taken from the free list
	Destroys int // segments destroyed
}

// TMCells3Counts are the counts of TM.md's formula for one pass of
// htm3_tm_cells, as the simulator counts them while it runs the step's
// column loop (Sim.TMCells3).
type TMCells3Counts struct {
	Act         int // active columns
	Visited     int // columns visited: active, or with an active or matching segment
	Entries     int // entries of the per-cell lists: the active or matching segments
	Bursts      int // active columns without an active segment
	Draws       int // least-used draws: bursts with no matching segment and no previous winner
	PrevWinners int // the step's previous winners
	Ops         TMCells3Ops
}

// Cycles is TM.md's formula on the counts: TMCells3Cycles plus
// TMCells3LearnCycles (whose counts are zero without learning).
func (c TMCells3Counts) Cycles(p Params3) int {
	return TMCells3Cycles(p, c.Visited, c.Entries, c.Bursts, c.Draws) + TMCells3LearnCycles(p, c.PrevWinners, c.Ops)
}

// TMCells3LearnCycles is TM.md's formula for the cycles that learning adds
// to a pass with npw previous winners: per adapt or punish pass 3 + 3M (and
// 1 to resume the list walk when it ran inside it), per burst 1, per grow
// 6 + 3M + 4·npw and per weakest-synapse pass after an eviction 3M + 1, per create 3,
// per cell-full walk 2 + 4 per used segment walked, per pool scan 3S + 2,
// per pop 12, per destroy 14 + M; a pop and a destroy 1 more each when a
// tm.seg word is two parts (Params3.Seg2: both parts written).
func TMCells3LearnCycles(p Params3, npw int, o TMCells3Ops) int {
	x := 0
	if p.Seg2() {
		x = 1
	}
	return o.Resume + o.BLearn + o.Adapts*(3+3*p.M) + o.Grows*(6+3*p.M+4*npw) + (o.GEv-o.Grows)*(3*p.M+1) +
		3*o.Creates + 2*o.Walks + 4*o.Walked + o.Scans*(3*p.S+2) + (12+x)*o.Pops + o.Destroys*(14+x+p.M)
}

// Seg2 reports whether architecture 3 keeps a tm.seg word {count, valid,
// owner} in two 16-bit parts of the segment memory ({owner} and {count,
// valid}, TM.md): when ⌈log2 C·K⌉ + 1 + ⌈log2 (M+1)⌉ exceeds 16 bits
// (hello, nab; not small).
func (p Params3) Seg2() bool {
	bits := func(x int) int { // bits that hold 0..x, at least 1
		b := 1
		for 1<<b <= x {
			b++
		}
		return b
	}
	return bits(p.C*p.K-1)+1+bits(p.M) > 16
}

// accel3CountPass is one pass of htm3_seq over the step count's four
// 16-bit parts on cfg/regs' engine port (ACCEL.md): a part read a cycle,
// written the next.
const accel3CountPass = 5

// accel3RestoreSP is RESTORE's part before the TM's (ACCEL.md): the step
// count's copy made from regs word 0 (one pass). The engines read their
// configuration, and the SP its regs words, in cfg/regs themselves.
const accel3RestoreSP = accel3CountPass

// Accel3RestoreCycles is RESTORE's cycles (ACCEL.md) on an image with used
// segments: the SP's loads, htm3_tm's rebuild (its start and done cycles
// around NC + 1 cycles of clearing (heads, bitmaps) and the winner list,
// 4 cycles a segment of the used list the host wrote into tm.free above
// FREE_COUNT, 1 to end) and a dendrite pass without learning (its start,
// its busy cycles, its done and htm3_tm's).
func Accel3RestoreCycles(p Params3, used int) uint64 {
	rebuild := p.C*p.K + 1 + 4*used + 1
	return accel3RestoreSP + uint64(2+rebuild) + uint64(3+Dend3Cycles(used, p.M))
}

// Accel3Cycles is ACCEL.md's cycle table: the cycles of each phase of a
// STEP of htm3_accel (PHASE_CYCLES' order). htm3_sp's phases (SP3Cycles)
// with LOAD's input check (nIn + 1) and the engine's start (1) in LOAD;
// TM_CELLS the column engine's busy cycles tmCells (TMCells3Cycles plus,
// with learning, TMCells3LearnCycles) and 3 (the hand-over, the start, the
// done); TM_SWAP 1; TM_DENDRITE the dendrite unit's busy cycles over the
// used segments after the step (Dend3Cycles) and 3; OUTPUT one cycle and
// the step count's two passes (regs word 0 := its copy + 1, the copy :=
// regs word 0; the SP engine writes regs words 1 and 2 in cfg/regs itself).
func Accel3Cycles(p Params3, learn bool, nIn int, active, bumped []int, tmCells, used int) [NumPhases]uint64 {
	sp := SP3Cycles(p, learn, nIn, active, bumped)
	var c [NumPhases]uint64
	copy(c[:5], sp[:])
	c[PhaseLoad] += uint64(nIn) + 2
	c[PhaseTMCells] = uint64(tmCells) + 3
	c[PhaseTMSwap] = 1
	c[PhaseTMDendrite] = uint64(Dend3Cycles(used, p.M)) + 3
	c[PhaseOutput] = 1 + 2*accel3CountPass
	return c
}
