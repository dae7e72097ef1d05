package sim

import (
	"slices"
)

// Phases 6 to 10: the temporal memory (docs/SPEC.md section 6) and OUTPUT.

// tmPredict is phase 6: the predicted columns are the columns of
// tm.actseg's segments; the anomaly numerator counts the active columns
// that are not among them (SPEC 6.2).
func (s *Sim) tmPredict() {
	K := uint32(s.p.K)
	s.outPred = s.outPred[:0]
	for _, sg := range s.actSeg {
		c := s.owner(sg) / K
		if n := len(s.outPred); n == 0 || s.outPred[n-1] != c {
			s.outPred = append(s.outPred, c)
		}
	}
	both := 0
	i, j := 0, 0
	for i < len(s.outCols) && j < len(s.outPred) {
		switch a, b := s.outCols[i], s.outPred[j]; {
		case a == b:
			both++
			i++
			j++
		case a < b:
			i++
		default:
			j++
		}
	}
	s.anomDen = uint32(len(s.outCols))
	s.anomNum = s.anomDen - uint32(both)
	na, nc := uint64(len(s.actSeg)), uint64(len(s.outCols))
	s.rd[MemTMActSeg] += na
	s.rd[MemTMSeg] += na
	s.wr[MemOutPred] += uint64(len(s.outPred))
	s.rd[MemOutCols] += nc
	s.rd[MemOutPred] += uint64(len(s.outPred))
}

// tmCells is phase 7: the column loop of SPEC 6.3. The banks of tm.active
// and tm.winner become tm.prevactive and tm.prevwinner (a swap, charged to
// TM_SWAP with the clearing and the new bits); the new cells are collected
// here, in ascending order, and written by tmSwap.
func (s *Sim) tmCells() {
	p := &s.p
	s.prevActive, s.active = s.active, s.prevActive
	s.prevWinner, s.winner = s.winner, s.prevWinner
	s.prevWinners = bitmapList(s.prevWinner, s.prevWinners[:0])
	s.rd[MemTMPrevWinner] += uint64(p.WC)
	s.actCells, s.winCells = s.actCells[:0], s.winCells[:0]
	s.c3 = TMCells3Counts{Act: len(s.outCols), Entries: s.entries, PrevWinners: len(s.prevWinners)}
	s.g.SetState(uint32(s.regs[regGen]))
	s.rd[MemRegs]++

	K := uint32(p.K)
	cols, as, ms := s.outCols, s.actSeg, s.matchSeg
	colOf := func(sg uint32) uint32 { return s.owner(sg) / K }
	ia, is, im := 0, 0, 0
	for {
		col := uint32(p.C)
		if ia < len(cols) {
			col = min(col, cols[ia])
		}
		if is < len(as) {
			col = min(col, colOf(as[is]))
		}
		if im < len(ms) {
			col = min(col, colOf(ms[im]))
		}
		if col == uint32(p.C) {
			break
		}
		s.c3.Visited++
		isActive := ia < len(cols) && cols[ia] == col
		if isActive {
			ia++
			s.rd[MemOutCols]++
		}
		es := is
		for es < len(as) && colOf(as[es]) == col {
			es++
		}
		em := im
		for em < len(ms) && colOf(ms[em]) == col {
			em++
		}
		s.rd[MemTMActSeg] += uint64(es - is)
		s.rd[MemTMMatchSeg] += uint64(em - im)
		s.rd[MemTMSeg] += uint64(es - is + em - im)
		switch {
		case isActive && es > is:
			s.activatePredicted(as[is:es])
		case isActive:
			s.burst(col, ms[im:em])
		case s.learn && p.tmPSD > 0:
			for _, sg := range ms[im:em] {
				s.c3.Ops.Resume++ // punished inside the list walk
				s.punish(sg)
			}
		}
		is, im = es, em
	}
	s.regs[regGen] = uint64(s.g.State())
	s.wr[MemRegs]++
}

// activatePredicted is SPEC 6.4: with learning, adapt (a destroy when
// pruned) and grow, each inside architecture 3's list walk.
func (s *Sim) activatePredicted(segs []uint32) {
	p := &s.p
	for _, sg := range segs {
		cell := s.owner(sg)
		if n := len(s.actCells); n == 0 || s.actCells[n-1] != cell {
			s.actCells = append(s.actCells, cell)
			s.winCells = append(s.winCells, cell)
		}
		if !s.learn {
			continue
		}
		// numPot is read before adapting: it counts last step's activity.
		grow := p.maxNew - int(s.numPot[sg])
		s.rd[MemTMNumPot]++
		s.c3.Ops.Resume++ // adapted inside the list walk
		if s.adapt(sg) && grow > 0 {
			s.grow(sg, grow)
		}
	}
}

// burst is SPEC 6.5: the best matching segment, or the previous winner,
// or the least used cell (a draw); with learning adapt and grow on the
// best matching segment, or create and grow.
func (s *Sim) burst(col uint32, matching []uint32) {
	p := &s.p
	K := uint32(p.K)
	first := col * K
	for c := first; c < first+K; c++ {
		s.actCells = append(s.actCells, c)
	}
	s.c3.Bursts++
	best := none
	for _, sg := range matching {
		if best == none || s.numPot[sg] > s.numPot[best] {
			best = sg
		}
	}
	s.rd[MemTMNumPot] += uint64(len(matching))
	var winner uint32
	if best != none {
		winner = s.owner(best)
	} else {
		winner = s.prevWinnerIn(first)
		if winner == none {
			winner = s.leastUsedCell(first)
		}
	}
	s.winCells = append(s.winCells, winner)
	if !s.learn {
		return
	}
	s.c3.Ops.BLearn++
	if best != none {
		grow := p.maxNew - int(s.numPot[best])
		if s.adapt(best) && grow > 0 {
			s.grow(best, grow)
		}
		return
	}
	n := min(p.maxNew, len(s.prevWinners))
	if n == 0 {
		return
	}
	if sg := s.create(winner); sg != none {
		s.grow(sg, n)
	}
}

// prevWinnerIn returns the lowest previous winner among the K cells from
// first, or none (one read of tm.prevwinner).
func (s *Sim) prevWinnerIn(first uint32) uint32 {
	s.rd[MemTMPrevWinner]++
	for c := first; c < first+uint32(s.p.K); c++ {
		if hasBit(s.prevWinner, c) {
			return c
		}
	}
	return none
}

// leastUsedCell draws once and returns, among the K cells from first with
// the fewest segments (tm.cellsegs), the one at the drawn position.
func (s *Sim) leastUsedCell(first uint32) uint32 {
	K := uint32(s.p.K)
	s.c3.Draws++
	cs := s.cellSegs[first : first+K]
	s.rd[MemTMCellSegs] += uint64(K)
	fewest, ties := cs[0], uint32(0)
	for _, n := range cs {
		switch {
		case n < fewest:
			fewest, ties = n, 1
		case n == fewest:
			ties++
		}
	}
	r := s.g.Below(ties)
	for i, n := range cs {
		if n == fewest {
			if r == 0 {
				return first + uint32(i)
			}
			r--
		}
	}
	panic("sim: least used cell not found")
}

// adapt is SPEC 6.8 on segment sg with (permanenceIncrement,
// permanenceDecrement); it reports whether the segment still exists.
func (s *Sim) adapt(sg uint32) bool {
	p := &s.p
	s.c3.Ops.Adapts++
	base := int(sg) * p.M
	slots := s.syn[base : base+p.M]
	n := s.segCount(sg)
	s.rd[MemTMSeg]++
	for j, w := range slots {
		if w&p.synValid == 0 {
			continue
		}
		cell := s.synCell(w)
		perm := uint32(w & p.permMask)
		if hasBit(s.prevActive, cell) {
			perm = min(perm+p.tmInc, p.pmax)
		} else {
			perm -= min(perm, p.tmDec)
		}
		s.rd[MemTMPrevActive]++
		if perm == 0 {
			s.freeSlot(base+j, cell)
			n--
			s.regs[regSynPruned]++
		} else {
			slots[j] = w&^p.permMask | uint64(perm)
		}
		s.wr[MemTMSyn]++
	}
	s.rd[MemTMSyn] += uint64(p.M)
	return s.prune(sg, n)
}

// punish is SPEC 6.6 on segment sg.
func (s *Sim) punish(sg uint32) {
	p := &s.p
	s.c3.Ops.Adapts++
	base := int(sg) * p.M
	slots := s.syn[base : base+p.M]
	n := s.segCount(sg)
	s.rd[MemTMSeg]++
	for j, w := range slots {
		if w&p.synValid == 0 {
			continue
		}
		cell := s.synCell(w)
		s.rd[MemTMPrevActive]++
		if !hasBit(s.prevActive, cell) {
			continue
		}
		perm := uint32(w & p.permMask)
		perm -= min(perm, p.tmPSD)
		if perm == 0 {
			s.freeSlot(base+j, cell)
			n--
			s.regs[regSynPruned]++
		} else {
			slots[j] = w&^p.permMask | uint64(perm)
		}
		s.wr[MemTMSyn]++
	}
	s.rd[MemTMSyn] += uint64(p.M)
	s.prune(sg, n)
}

// prune writes segment sg's synapse count n and destroys the segment if n
// is below minThreshold; it reports whether the segment still exists.
func (s *Sim) prune(sg uint32, n int) bool {
	if n >= s.p.minT {
		s.setSegCount(sg, n)
		s.wr[MemTMSeg]++
		return true
	}
	s.destroySegment(sg)
	s.regs[regSegPruned]++
	return false
}

// freeSlot clears synapse slot j (presynaptic cell cell): tm.syn word 0,
// and the reverse index. The caller keeps the segment's count.
func (s *Sim) freeSlot(j int, cell uint32) {
	s.syn[j] = 0
	list := s.presyn[cell]
	i := slices.Index(list, uint32(j))
	list[i] = list[len(list)-1]
	s.presyn[cell] = list[:len(list)-1]
}

// age is SPEC 6.10's age of segment sg: (TM iteration − segLastUsed) mod
// 2^32.
func (s *Sim) age(sg uint32) uint32 {
	return uint32(s.regs[regTMIter]) - uint32(s.segLRU[sg])
}

// destroySegment frees every synapse of sg, clears its tm.seg word,
// decrements its cell's tm.cellsegs and pushes it on tm.free.
func (s *Sim) destroySegment(sg uint32) {
	p := &s.p
	s.c3.Ops.Destroys++
	base := int(sg) * p.M
	for j := base; j < base+p.M; j++ {
		if w := s.syn[j]; w&p.synValid != 0 {
			s.freeSlot(j, s.synCell(w))
			s.wr[MemTMSyn]++
		}
	}
	s.rd[MemTMSyn] += uint64(p.M)
	cell := s.owner(sg)
	s.cellSegs[cell]--
	s.rd[MemTMCellSegs]++
	s.wr[MemTMCellSegs]++
	s.seg[sg] = 0
	s.segLRU[sg], s.segSeq[sg] = 0, 0 // a free segment's words are 0 (SPEC 6.10)
	s.wr[MemTMSeg]++
	s.wr[MemTMSegLRU]++
	s.wr[MemTMSegSeq]++
	fc := s.regs[regFreeCount]
	s.free[fc] = uint64(sg)
	s.regs[regFreeCount] = fc + 1
	s.wr[MemTMFree]++
	s.rd[MemRegs]++
	s.wr[MemRegs]++
}

// grow is SPEC 6.7: grow(sg, n).
func (s *Sim) grow(sg uint32, n int) {
	p := &s.p
	s.c3.Ops.Grows++
	base := int(sg) * p.M
	slots := s.syn[base : base+p.M]
	used := s.segCount(sg)
	s.rd[MemTMSeg]++
	// Candidates: previous winners not yet presynaptic to sg.
	for _, w := range slots {
		if w&p.synValid != 0 {
			c := s.synCell(w)
			s.candMark[c/64] |= 1 << (c % 64)
		}
	}
	s.rd[MemTMSyn] += uint64(p.M)
	cand := s.cand[:0]
	for _, c := range s.prevWinners {
		if s.candMark[c/64]>>(c%64)&1 == 0 {
			cand = append(cand, c)
		}
	}
	for _, w := range slots {
		if w&p.synValid != 0 {
			c := s.synCell(w)
			s.candMark[c/64] &^= 1 << (c % 64)
		}
	}
	s.cand = cand
	need := min(n, len(cand))
	// The weakest-synapse passes (SPEC 6.7 step 3): architecture 3's
	// filter pass finds the first weakest synapse; every eviction is
	// followed by another pass (which evicts again while over).
	s.c3.Ops.GEv++
	for over := used + need - p.M; over > 0; over-- {
		s.rd[MemTMSyn] += uint64(p.M)
		weakest := -1
		var wp uint64
		for j, w := range slots {
			if w&p.synValid == 0 || hasBit(s.prevWinner, s.synCell(w)) {
				continue
			}
			if perm := w & p.permMask; weakest < 0 || perm < wp {
				weakest, wp = j, perm
			}
		}
		if weakest < 0 {
			break
		}
		s.freeSlot(base+weakest, s.synCell(slots[weakest]))
		s.wr[MemTMSyn]++
		used--
		s.regs[regSynEvicted]++
		s.c3.Ops.GEv++
	}
	need = min(need, p.M-used)
	slot := 0
	for i := 0; i < len(cand) && need > 0; i++ {
		if int(s.g.Below(uint32(len(cand)-i))) >= need {
			continue
		}
		for slots[slot]&p.synValid != 0 {
			slot++
		}
		c := cand[i]
		slots[slot] = uint64(p.tmInit) | uint64(c)<<p.B | p.synValid
		s.presyn[c] = append(s.presyn[c], uint32(base+slot))
		s.wr[MemTMSyn]++
		used++
		need--
		s.regs[regSynCreated]++
	}
	s.setSegCount(sg, used)
	s.wr[MemTMSeg]++
}

// create is SPEC 6.10: create(cell). It returns the new segment, or none
// when the pool is full and every segment is active or matching. A full
// cell's least recently used segment is found as architecture 3 finds it,
// by a walk of the whole used list (TMCells3Ops.Walked).
func (s *Sim) create(cell uint32) uint32 {
	p := &s.p
	s.c3.Ops.Creates++
	s.rd[MemTMCellSegs]++
	for int(s.cellSegs[cell]) >= p.G {
		// The cell's least recently used segment: the oldest, the earliest
		// created among equals, found by a scan of tm.seg, tm.seglru and
		// tm.segseq (S reads and the last one's latency).
		// Architecture 3 walks the whole used list, newest first.
		s.c3.Ops.Walks++
		s.c3.Ops.Walked += p.S - int(s.regs[regFreeCount])
		list := s.cellSegList[:0]
		for sg, w := range s.seg {
			if w&p.segValid != 0 && uint32(w&p.cellMask) == cell {
				list = append(list, segKey{owner: s.age(uint32(sg)), seq: s.segSeq[sg], s: uint32(sg)})
			}
		}
		s.cellSegList = list
		lru := list[0]
		for _, k := range list[1:] {
			if k.owner > lru.owner || k.owner == lru.owner && k.seq < lru.seq {
				lru = k
			}
		}
		s.rd[MemTMSegLRU] += uint64(len(list))
		s.rd[MemTMSegSeq] += uint64(len(list))
		s.destroySegment(lru.s)
		s.regs[regSegEvictedCell]++
	}
	if s.regs[regFreeCount] == 0 {
		s.c3.Ops.Scans++
		victim := none
		var oldest uint32
		for sg := 0; sg < p.S; sg++ {
			if int(s.numPot[sg]) >= p.minT || int(s.numConn[sg]) >= p.actT {
				continue // in use by this step
			}
			if a := s.age(uint32(sg)); victim == none || a > oldest {
				victim, oldest = uint32(sg), a
			}
		}
		s.rd[MemTMNumPot] += uint64(p.S)
		s.rd[MemTMNumConn] += uint64(p.S)
		s.rd[MemTMSegLRU] += uint64(p.S)
		if victim == none {
			s.regs[regSegNotCreated]++
			return none
		}
		s.destroySegment(victim)
		s.regs[regSegEvictedPool]++
	}
	// Pop the free stack; the popped entry is cleared (an image holds
	// zeros above FREE_COUNT).
	s.c3.Ops.Pops++
	fc := s.regs[regFreeCount] - 1
	sg := uint32(s.free[fc])
	s.free[fc] = 0
	s.regs[regFreeCount] = fc
	s.rd[MemTMFree]++
	s.wr[MemTMFree]++
	s.seg[sg] = uint64(cell) | p.segValid
	s.segLRU[sg] = uint64(uint32(s.regs[regTMIter]))
	s.segSeq[sg] = s.regs[regCreated]
	s.regs[regCreated]++
	s.numPot[sg], s.numConn[sg] = 0, 0
	s.cellSegs[cell]++
	s.regs[regSegCreated]++
	s.wr[MemTMSeg]++
	s.wr[MemTMSegLRU]++
	s.wr[MemTMSegSeq]++
	s.wr[MemTMNumPot]++
	s.wr[MemTMNumConn]++
	s.wr[MemTMCellSegs]++
	s.rd[MemRegs] += 3
	s.wr[MemRegs] += 3
	return sg
}

// tmSwap is phase 8: the new bitmaps. The banks were swapped at the start
// of phase 7 (tm.active → tm.prevactive, tm.winner → tm.prevwinner); here
// the new banks are cleared and the new cells' bits set.
func (s *Sim) tmSwap() {
	p := &s.p
	clear(s.active)
	clear(s.winner)
	for _, c := range s.actCells {
		setBit(s.active, c)
	}
	for _, c := range s.winCells {
		setBit(s.winner, c)
	}
	na, nw := uint64(len(s.actCells)), uint64(len(s.winCells))
	s.wr[MemTMActive] += uint64(p.WC) + na
	s.wr[MemTMWinner] += uint64(p.WC) + nw
	s.rd[MemTMActive] += na
	s.rd[MemTMWinner] += nw
}

// tmDendrite is phase 9 (and RESTORE's dendrite activation): numpot and
// numconn of every segment from tm.active (SPEC 6.9), tm.actseg and
// tm.matchseg in segment order, and with learning segLastUsed of the
// active segments and the TM iteration. It counts the entries of
// architecture 3's per-cell lists (the active or matching segments) for
// the next TM_CELLS.
func (s *Sim) tmDendrite(learn bool) {
	p := &s.p
	for _, sg := range s.touched {
		s.numPot[sg], s.numConn[sg] = 0, 0
	}
	s.touched = s.touched[:0]
	M := uint32(p.M)
	if s.literal {
		for sg := 0; sg < p.S; sg++ {
			if s.seg[sg]&p.segValid == 0 {
				continue
			}
			for _, w := range s.syn[sg*p.M : (sg+1)*p.M] {
				if w&p.synValid == 0 || !hasBit(s.active, s.synCell(w)) {
					continue
				}
				s.count(uint32(sg), w)
			}
		}
	} else {
		for _, c := range s.actCells {
			for _, j := range s.presyn[c] {
				s.count(j/M, s.syn[j])
			}
		}
	}
	used := p.S - int(s.regs[regFreeCount])
	s.rd[MemTMSeg] += uint64(p.S)
	s.rd[MemTMSyn] += uint64(used * p.M)
	s.rd[MemTMActive] += uint64(used * p.M)
	s.wr[MemTMNumPot] += uint64(used)
	s.wr[MemTMNumConn] += uint64(used)

	s.actSeg, s.matchSeg = s.actSeg[:0], s.matchSeg[:0]
	s.entries = 0
	for _, sg := range s.touched {
		a, m := int(s.numConn[sg]) >= p.actT, int(s.numPot[sg]) >= p.minT
		if a {
			s.actSeg = append(s.actSeg, sg)
		}
		if m {
			s.matchSeg = append(s.matchSeg, sg)
		}
		if a || m {
			s.entries++ // an entry of architecture 3's per-cell lists
		}
	}
	s.sortSegs(s.actSeg)
	s.sortSegs(s.matchSeg)
	na, nm := len(s.actSeg), len(s.matchSeg)
	s.wr[MemTMActSeg] += uint64(na)
	s.wr[MemTMMatchSeg] += uint64(nm)
	if learn {
		it := uint64(uint32(s.regs[regTMIter]))
		for _, sg := range s.actSeg {
			s.segLRU[sg] = it
		}
		s.regs[regTMIter] = uint64(uint32(it) + 1)
		s.rd[MemTMActSeg] += uint64(na)
		s.wr[MemTMSegLRU] += uint64(na)
		s.rd[MemRegs]++
		s.wr[MemRegs]++
	}
}

// count adds one synapse (word w) from an active cell to segment sg's
// numpot and numconn.
func (s *Sim) count(sg uint32, w uint64) {
	if s.numPot[sg] == 0 {
		s.touched = append(s.touched, sg)
	}
	s.numPot[sg]++
	if uint32(w&s.p.permMask) >= s.p.tmConn {
		s.numConn[sg]++
	}
}

// sortSegs sorts segments into segment order, (owner cell, creation).
func (s *Sim) sortSegs(list []uint32) {
	if len(list) < 2 {
		return
	}
	keys := s.keys[:0]
	for _, sg := range list {
		keys = append(keys, segKey{owner: s.owner(sg), seq: s.segSeq[sg], s: sg})
	}
	slices.SortFunc(keys, func(a, b segKey) int {
		switch {
		case a.owner != b.owner:
			if a.owner < b.owner {
				return -1
			}
			return 1
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	for i, k := range keys {
		list[i] = k.s
	}
	s.keys = keys
	s.rd[MemTMSeg] += uint64(len(list))
	s.rd[MemTMSegSeq] += uint64(len(list))
}

// output is phase 10: OUT_BUF, PRED_BUF and the anomaly registers, and the
// step counter.
func (s *Sim) output() {
	s.regs[regSteps]++
	s.rd[MemRegs]++
	s.wr[MemRegs]++
	na, np := uint64(len(s.outCols)), uint64(len(s.outPred))
	s.rd[MemOutCols] += na
	s.rd[MemOutPred] += np
}
