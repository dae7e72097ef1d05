package sim

import (
	"math/bits"
	"slices"
)

// Phases 1 to 5: LOAD and the spatial pooler (docs/SPEC.md section 5).

// load is phase 1: clear in.bits, set the input bits, count the SP
// iteration.
func (s *Sim) load(input []uint32) {
	p := &s.p
	clear(s.inBits)
	s.wr[MemInBits] += uint64(p.W)
	s.inWords = s.inWords[:0]
	for _, x := range input {
		w := int(x / 32)
		if n := len(s.inWords); n == 0 || s.inWords[n-1] != w {
			s.inWords = append(s.inWords, w)
		}
		s.inBits[w] |= 1 << (x % 32)
	}
	n := uint64(len(input))
	s.rd[MemInBits] += n
	s.wr[MemInBits] += n
	// SPEC 5.5: iteration counts every step, learning or not.
	s.regs[regSPIter]++ // 64 bits (SPEC 5.1)
	s.rd[MemRegs]++
	s.wr[MemRegs]++
}

// spOverlap is phase 2: overlap[c] = popcount(sp.conn[c] AND in.bits).
func (s *Sim) spOverlap() {
	p := &s.p
	W := p.W
	for c := 0; c < p.C; c++ {
		row := s.conn[c*W : (c+1)*W]
		n := 0
		for _, w := range s.inWords { // the other words AND to zero
			n += bits.OnesCount64(row[w] & s.inBits[w])
		}
		s.overlap[c] = uint32(n)
	}
	cw := uint64(p.C * W)
	s.rd[MemSPConn] += cw
	s.rd[MemInBits] += cw
	s.wr[MemSPOverlap] += uint64(p.C)
}

// spInhibit is phase 3: the k greatest eligible columns in the order
// (score, column index), into out.cols ascending (SPEC 5.4).
func (s *Sim) spInhibit() {
	p := &s.p
	s.outCols = s.outCols[:0]
	stim := uint32(p.stim)
	k := p.k
	if s.learn && p.boost {
		s.inhibitBoosted()
	} else {
		// Histogram of eligible overlaps (overlaps are at most Q).
		clear(s.hist)
		s.wr[MemSPHist] += uint64(p.Q + 1)
		eligible := uint64(0)
		for _, o := range s.overlap {
			if o >= stim {
				s.hist[o]++
				eligible++
			}
		}
		s.rd[MemSPOverlap] += uint64(p.C)
		s.rd[MemSPHist] += eligible
		s.wr[MemSPHist] += eligible
		// Threshold scan from Q down.
		var above uint32
		t := p.Q
		for ; t >= 0; t-- {
			if above+s.hist[t] >= uint32(k) {
				break
			}
			above += s.hist[t]
		}
		s.rd[MemSPHist] += uint64(p.Q + 1)
		// Selection from column C−1 down: all eligible columns when there
		// are fewer than k (t < 0), else those above t and the highest
		// indexed ones at t.
		ties := uint32(k) - above
		for c := p.C - 1; c >= 0; c-- {
			o := s.overlap[c]
			switch {
			case o < stim:
			case t < 0 || o > uint32(t):
				s.outCols = append(s.outCols, uint32(c))
			case o == uint32(t) && ties > 0:
				ties--
				s.outCols = append(s.outCols, uint32(c))
			}
		}
		s.rd[MemSPOverlap] += uint64(p.C)
		slices.Reverse(s.outCols)
	}
	n := len(s.outCols)
	s.wr[MemOutCols] += uint64(n)
	clear(s.colActive)
	for _, c := range s.outCols {
		s.colActive[c/64] |= 1 << (c % 64)
	}
}

// inhibitBoosted selects by score overlap·boost (learning with boosting
// on). Architecture 3 implements boosting off only (htm3_sp); the
// simulator selects by SPEC 5.4's order and counts the cycles of
// inhibition without boosting (SP3Cycles).
func (s *Sim) inhibitBoosted() {
	p := &s.p
	type key struct {
		score uint64
		c     uint32
	}
	keys := make([]key, 0, p.C)
	for c, o := range s.overlap {
		if o >= uint32(p.stim) {
			keys = append(keys, key{uint64(o) * (s.boostMem[c] & 0xFFFF), uint32(c)})
		}
	}
	s.rd[MemSPOverlap] += uint64(p.C)
	s.rd[MemSPBoost] += uint64(p.C)
	if len(keys) > p.k {
		slices.SortFunc(keys, func(a, b key) int {
			switch {
			case a.score != b.score:
				if a.score > b.score {
					return -1
				}
				return 1
			case a.c > b.c:
				return -1
			case a.c < b.c:
				return 1
			}
			return 0
		})
		keys = keys[:p.k]
	}
	for _, k := range keys {
		s.outCols = append(s.outCols, k.c)
	}
	slices.Sort(s.outCols)
}

func (s *Sim) isActiveCol(c int) bool { return s.colActive[c/64]>>(c%64)&1 != 0 }

// spLearn is phase 4 (learning): per active column, ascending, the pool's
// read-modify-write (SPEC 5.5.1), raise to threshold, trim, and the
// rebuild of its sp.conn row.
func (s *Sim) spLearn() {
	p := &s.p
	inc, dec := p.spInc, p.spDec
	for _, c32 := range s.outCols {
		c := int(c32)
		L := int(s.poolLen[c])
		s.rd[MemSPPoolLen]++
		slots := s.pool[c*p.Q : c*p.Q+L]
		for j, w := range slots {
			perm := uint32(w & p.permMask)
			in := uint32(w >> p.B)
			if s.inBits[in/32]>>(in%32)&1 != 0 {
				perm = min(perm+inc, p.pmax)
			} else {
				perm -= min(perm, dec)
			}
			slots[j] = w&^p.permMask | uint64(perm)
		}
		s.rd[MemSPPool] += uint64(L)
		s.wr[MemSPPool] += uint64(L)
		s.rd[MemInBits] += uint64(L)
		if s.raise(slots) {
			s.nRaised++
		}
		s.trimAndConnect(c, slots)
	}
}

// raise applies SPEC 5.5's raise to threshold to a pool; it reports whether
// the pool was raised.
func (s *Sim) raise(slots []uint64) bool {
	p := &s.p
	t := p.stim
	if t == 0 {
		return false
	}
	n := 0
	for _, w := range slots {
		if uint32(w&p.permMask) >= p.spConn {
			n++
		}
	}
	s.rd[MemSPPool] += uint64(len(slots))
	if n >= t {
		return false
	}
	sorted := s.scratch[:0]
	for _, w := range slots {
		sorted = append(sorted, uint32(w&p.permMask))
	}
	slices.Sort(sorted)
	s.scratch = sorted
	d := p.spConn - sorted[len(sorted)-t]
	for j, w := range slots {
		slots[j] = w&^p.permMask | uint64(min(uint32(w&p.permMask)+d, p.pmax))
	}
	s.rd[MemSPPool] += uint64(len(slots))
	s.wr[MemSPPool] += uint64(len(slots))
	return true
}

// trimAndConnect trims a column's pool (perm < synPermTrimThreshold
// becomes 0) and rewrites its sp.conn row.
func (s *Sim) trimAndConnect(c int, slots []uint64) {
	p := &s.p
	row := s.conn[c*p.W : (c+1)*p.W]
	clear(row)
	s.wr[MemSPConn] += uint64(p.W)
	for j, w := range slots {
		perm := uint32(w & p.permMask)
		if perm < p.spTrim {
			if perm > 0 {
				s.nTrimmed++
			}
			slots[j] = w &^ p.permMask
			s.wr[MemSPPool]++
			continue
		}
		if perm >= p.spConn {
			in := uint32(w >> p.B)
			row[in/32] |= 1 << (in % 32)
			s.rd[MemSPConn]++
			s.wr[MemSPConn]++
		}
	}
	s.rd[MemSPPool] += uint64(len(slots))
}

// spDuty is phase 5 (learning): duty cycles, bumping weak columns, boost
// factors and, on update rounds, the minimum duty cycle (SPEC 5.5.2–5).
// The bumped columns' pool lengths are kept for SP3Cycles.
func (s *Sim) spDuty() {
	p := &s.p
	iter := s.regs[regSPIter]
	// min(iter, dutyPeriod); a wrapped iter (0) counts 2^64 steps (SPEC
	// 5.5.2): period ≥ 1 whatever the registers hold.
	period := uint32(min(iter-1, uint64(p.dutyPeriod)-1)) + 1
	for c := 0; c < p.C; c++ {
		w := s.duty[c]
		od, ad := uint32(w&0xFFFF), uint32(w>>16&0xFFFF)
		var vo, va uint32
		if s.overlap[c] > 0 {
			vo = 0xFFFF
		}
		if s.isActiveCol(c) {
			va = 0xFFFF
		}
		od = (od*(period-1) + vo) / period
		ad = (ad*(period-1) + va) / period
		s.duty[c] = uint64(od) | uint64(ad)<<16
	}
	C := uint64(p.C)
	s.rd[MemSPDuty] += C
	s.wr[MemSPDuty] += C
	s.rd[MemSPOverlap] += C
	s.rd[MemRegs] += 2

	// Bump up weak columns.
	if minOverlap := uint32(s.regs[regMinOverlap]); minOverlap > 0 {
		for c := 0; c < p.C; c++ {
			if uint32(s.duty[c]&0xFFFF) >= minOverlap {
				continue
			}
			L := int(s.poolLen[c])
			s.rd[MemSPPoolLen]++
			slots := s.pool[c*p.Q : c*p.Q+L]
			for j, w := range slots {
				slots[j] = w&^p.permMask | uint64(min(uint32(w&p.permMask)+p.spBelow, p.pmax))
			}
			s.rd[MemSPPool] += uint64(L)
			s.wr[MemSPPool] += uint64(L)
			s.trimAndConnect(c, slots)
			s.nBumped++
			s.bumped = append(s.bumped, L)
		}
	}
	if p.boost {
		for c := 0; c < p.C; c++ {
			s.boostMem[c] = s.boostTable[s.duty[c]>>16&0xFFFF>>6]
		}
		s.rd[MemSPDuty] += C
		s.rd[MemSPBoostTable] += C
		s.wr[MemSPBoost] += C
	}
	if iter%uint64(p.updatePeriod) == 0 {
		var m uint32
		for c := 0; c < p.C; c++ {
			m = max(m, uint32(s.duty[c]&0xFFFF))
		}
		s.regs[regMinOverlap] = uint64(uint16((uint64(m) * uint64(p.minPct)) >> 16))
		s.rd[MemSPDuty] += C
		s.wr[MemRegs]++
	}
}
