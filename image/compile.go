package image

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/sp"
	"github.com/htmhw/htmhw/model/tm"
)

// Memories lists the memories of docs/ARCHITECTURE.md section 2 in their
// MEM_SEL order (arch.MemNames).
var Memories = arch.MemNames[:]

// Layout holds the derived widths and depths of docs/ARCHITECTURE.md
// section 1 for one region (package arch's contract).
type Layout = arch.Layout

// NewLayout returns the layout of a region with these parameters; q is the
// SP's pool slots per column.
func NewLayout(p *model.Quantized, q int) Layout {
	return arch.NewLayout(arch.Dims{N: p.SP.NumInputs, C: p.SP.NumColumns, Q: q, K: p.TM.CellsPerColumn,
		S: p.TM.SegmentCapacity, M: p.TM.MaxSynapsesPerSegment, B: int(p.SP.PermBits), G: p.TM.MaxSegmentsPerCell})
}

// checkShapes returns an error naming the first memory of the image whose
// name, width or depth is not the layout's.
func (im *Image) checkShapes(l Layout) error {
	if len(im.Sections) != int(arch.NumMems) {
		return fmt.Errorf("image: %d sections, architecture version %d has %d", len(im.Sections), ArchVersion, arch.NumMems)
	}
	for m := range arch.NumMems {
		got := im.Sections[m]
		name, width, depth := arch.MemNames[m], l.Width(m), l.Depth(m)
		if got.Name != name || got.Width != width || got.Depth() != depth {
			return fmt.Errorf("image: section %d is %q (%d × %d bits), the configuration gives %q (%d × %d bits)",
				m, got.Name, got.Depth(), got.Width, name, depth, width)
		}
	}
	return nil
}

// CfgWords returns the 32 configuration words of ARCHITECTURE.md 2.1.
func CfgWords(p *model.Quantized, l Layout, a Arch) []uint64 {
	boost := 0
	if p.SP.BoostTable != nil {
		boost = 1
	}
	s, t := &p.SP, &p.TM
	var w [arch.CfgWords]int
	w[arch.CfgN], w[arch.CfgC], w[arch.CfgQ] = l.N, l.C, l.Q
	w[arch.CfgNumActive], w[arch.CfgStimulusThreshold], w[arch.CfgB] = s.NumActive, s.StimulusThreshold, l.B
	w[arch.CfgSynPermConnected] = int(s.SynPermConnected)
	w[arch.CfgSynPermActiveInc] = int(s.SynPermActiveInc)
	w[arch.CfgSynPermInactiveDec] = int(s.SynPermInactiveDec)
	w[arch.CfgSynPermBelowStimulusInc] = int(s.SynPermBelowStimulusInc)
	w[arch.CfgSynPermTrimThreshold] = int(s.SynPermTrimThreshold)
	w[arch.CfgMinPctOverlapDutyCycles] = int(s.MinPctOverlapDutyCycles)
	w[arch.CfgDutyCyclePeriod], w[arch.CfgUpdatePeriod] = int(s.DutyCyclePeriod), int(s.UpdatePeriod)
	w[arch.CfgBoost] = boost
	w[arch.CfgActivationThreshold], w[arch.CfgMinThreshold] = t.ActivationThreshold, t.MinThreshold
	w[arch.CfgMaxNewSynapseCount] = t.MaxNewSynapseCount
	w[arch.CfgG], w[arch.CfgM], w[arch.CfgS], w[arch.CfgK] = l.G, l.M, l.S, l.K
	w[arch.CfgInitialPermanence] = int(t.InitialPermanence)
	w[arch.CfgConnectedPermanence] = int(t.ConnectedPermanence)
	w[arch.CfgPermanenceIncrement] = int(t.PermanenceIncrement)
	w[arch.CfgPermanenceDecrement] = int(t.PermanenceDecrement)
	w[arch.CfgPredictedSegmentDec] = int(t.PredictedSegmentDecrement)
	w[arch.CfgLanesOV], w[arch.CfgLanesSyn], w[arch.CfgDivLat] = a.LanesOV, a.LanesSyn, a.DivLat
	w[arch.CfgArchVersion] = arch.Version
	out := make([]uint64, len(w))
	for i, v := range w {
		out[i] = uint64(uint32(v))
	}
	return out
}

// Supports returns an error naming the first part of a model that the
// accelerator (this image format, the simulator and the RTL) does not
// implement yet, or nil. The golden model runs such a model; an image of it
// would silently compute something else.
func Supports(cfg *model.Config) error {
	if cfg.Backtracking() {
		return errors.New("image: tm.algorithm backtracking: the simulator and the RTL implement the plain TM only (docs/SPEC.md, section 12); use the golden model (htmhw run --model, htmhw nab)")
	}
	if cfg.Encoder.RDSE.Kind == model.RDSENuPIC {
		return errors.New("image: encoder.rdse.kind nupic: NuPIC's RDSE keeps a bucket map on the host that images and board runs do not carry yet; use the golden model (htmhw run --model, htmhw nab)")
	}
	return nil
}

// Compile returns the memory image of a region: fresh (as NewRegion makes
// it) or trained. The region's likelihood state is host-side and is not in
// the image.
func Compile(r *model.Region, a Arch) (*Image, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	cfg := r.Config()
	if err := Supports(&cfg); err != nil {
		return nil, err
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	q := r.Quantized()
	ss, ts := r.SP().State(), r.TM().State()
	l := NewLayout(q, ss.Stride)
	im := &Image{Arch: a, Config: cfgJSON}
	// add appends memory m, which must come next in MEM_SEL order, with
	// the width of section 2's table.
	add := func(m arch.Mem, words []uint64) {
		if int(m) != len(im.Sections) || len(words) != l.Depth(m) {
			panic(fmt.Sprintf("image: memory %v added as section %d with %d words, want %d and %d",
				m, len(im.Sections), len(words), m, l.Depth(m)))
		}
		im.Sections = append(im.Sections, &Section{Name: m.String(), Width: l.Width(m), Words: words})
	}
	add(arch.MemCfg, CfgWords(q, l, a))
	st := ts.Stats
	regs := make([]uint64, arch.RegsWords)
	regs[arch.RegsSteps], regs[arch.RegsSPIteration], regs[arch.RegsSPMinOverlap] = r.Steps(), ss.Iteration, uint64(ss.MinOverlap)
	regs[arch.RegsTMIteration], regs[arch.RegsTMCreated] = uint64(ts.Iteration), ts.Created
	regs[arch.RegsTMGenerator], regs[arch.RegsFreeCount] = uint64(ts.Generator), uint64(len(ts.Free))
	copy(regs[arch.RegsSegmentsCreated:arch.RegsSynapsesEvicted+1], []uint64{
		st.SegmentsCreated, st.SegmentsEvictedCell, st.SegmentsEvictedPool, st.SegmentsPruned,
		st.SegmentsNotCreated, st.SynapsesCreated, st.SynapsesPruned, st.SynapsesEvicted,
	})
	add(arch.MemRegs, regs)

	pool := make([]uint64, l.C*l.Q)
	poolLen := make([]uint64, l.C)
	conn := make([]uint64, l.C*l.W)
	for c := 0; c < l.C; c++ {
		poolLen[c] = uint64(ss.PoolLen[c])
		for j := 0; j < int(ss.PoolLen[c]); j++ {
			i := c*l.Q + j
			in, perm := ss.PoolInput[i], ss.Perm[i]
			pool[i] = uint64(perm) | uint64(in)<<l.B
			if perm >= q.SP.SynPermConnected {
				conn[c*l.W+int(in/32)] |= 1 << (in % 32)
			}
		}
	}
	add(arch.MemSPPool, pool)
	add(arch.MemSPPoolLen, poolLen)
	add(arch.MemSPConn, conn)
	duty, boost := make([]uint64, l.C), make([]uint64, l.C)
	for c := range duty {
		duty[c] = uint64(ss.OverlapDuty[c]) | uint64(ss.ActiveDuty[c])<<16
		boost[c] = uint64(ss.Boost[c])
	}
	add(arch.MemSPDuty, duty)
	add(arch.MemSPBoost, boost)
	table := make([]uint64, sp.BoostTableSize)
	for i := range table {
		table[i] = sp.BoostOne
		if q.SP.BoostTable != nil {
			table[i] = uint64(q.SP.BoostTable[i])
		}
	}
	add(arch.MemSPBoostTable, table)

	seg, lru, seq := make([]uint64, l.S), make([]uint64, l.S), make([]uint64, l.S)
	cellSegs := make([]uint64, l.NC)
	syn := make([]uint64, l.S*l.M)
	for s := 0; s < l.S; s++ {
		lru[s], seq[s] = uint64(ts.SegLastUsed[s]), ts.SegSeq[s]
		owner := ts.SegCell[s]
		if owner == tm.None {
			continue
		}
		n := 0
		for j := s * l.M; j < (s+1)*l.M; j++ {
			if pc := ts.SynCell[j]; pc != tm.None {
				syn[j] = uint64(ts.SynPerm[j]) | uint64(pc)<<l.B | 1<<(l.B+l.WCell)
				n++
			}
		}
		seg[s] = uint64(owner) | 1<<l.WCell | uint64(n)<<(l.WCell+1)
		cellSegs[owner]++
	}
	free := make([]uint64, l.S)
	for i, s := range ts.Free {
		free[i] = uint64(s)
	}
	add(arch.MemTMSeg, seg)
	add(arch.MemTMSegLRU, lru)
	add(arch.MemTMSegSeq, seq)
	add(arch.MemTMFree, free)
	add(arch.MemTMSyn, syn)
	add(arch.MemTMCellSegs, cellSegs)
	add(arch.MemTMActive, bitmap(l.WC, ts.ActiveCells))
	add(arch.MemTMWinner, bitmap(l.WC, ts.WinnerCells))
	return im, nil
}

func bitmap(words int, idx []uint32) []uint64 {
	b := make([]uint64, words)
	for _, i := range idx {
		b[i/32] |= 1 << (i % 32)
	}
	return b
}

func fromBitmap(words []uint64) []uint32 {
	var idx []uint32
	for w, v := range words {
		for b := 0; b < 32; b++ {
			if v>>b&1 != 0 {
				idx = append(idx, uint32(w*32+b))
			}
		}
	}
	return idx
}

// ModelConfig returns the model configuration the image was compiled from.
func (im *Image) ModelConfig() (*model.Config, error) {
	cfg, err := model.Parse("image config", im.Config)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	return cfg, nil
}

// Region rebuilds the golden-model region whose state the image holds. It
// checks every section against the configuration: names, widths and depths,
// the cfg words, and the consistency of derived memories (sp.conn with
// sp.pool, tm.cellsegs and the segments' synapse counts with tm.syn).
func (im *Image) Region() (*model.Region, error) {
	cfg, err := im.ModelConfig()
	if err != nil {
		return nil, err
	}
	// The memories' shapes come from the configuration; they are checked
	// against the sections, whose words the file holds, before a region of
	// that size is made, so a configuration claiming a huge region costs
	// nothing unless the file is that large too.
	q, err := cfg.Quantize()
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	l := NewLayout(q, q.SP.Stride())
	if err := im.checkShapes(l); err != nil {
		return nil, err
	}
	r, err := model.NewRegion(cfg)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	ref, err := Compile(r, im.Arch)
	if err != nil {
		return nil, err
	}
	if err := ref.checkShapes(l); err != nil {
		return nil, fmt.Errorf("image: internal error: Compile disagrees with the layout: %w", err)
	}
	for i, w := range im.Section("cfg").Words {
		if w != ref.Section("cfg").Words[i] {
			return nil, fmt.Errorf("image: section \"cfg\": word %d is %d, the configuration gives %d", i, w, ref.Section("cfg").Words[i])
		}
	}
	regs := im.Section("regs").Words

	ss, err := im.spState(l, regs)
	if err != nil {
		return nil, err
	}
	ts, err := im.tmState(l, regs)
	if err != nil {
		return nil, err
	}
	if err := r.SP().SetState(ss); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	if err := r.TM().SetState(ts); err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	r.SetSteps(regs[arch.RegsSteps])
	if err := im.checkImplied(r); err != nil {
		return nil, err
	}
	return r, nil
}

// spState reads the SP's state from the image's sections.
func (im *Image) spState(l Layout, regs []uint64) (sp.State, error) {
	var ss sp.State
	ss.Iteration, ss.MinOverlap, ss.Stride = regs[arch.RegsSPIteration], uint16(regs[arch.RegsSPMinOverlap]), l.Q
	pool, poolLen := im.Section("sp.pool").Words, im.Section("sp.poollen").Words
	ss.PoolLen = make([]uint16, l.C)
	ss.PoolInput, ss.Perm = make([]uint32, l.C*l.Q), make([]uint16, l.C*l.Q)
	permMask := uint64(1)<<l.B - 1
	for c := 0; c < l.C; c++ {
		if poolLen[c] > uint64(l.Q) {
			return ss, fmt.Errorf("image: section \"sp.poollen\": column %d has %d synapses, more than %d slots", c, poolLen[c], l.Q)
		}
		ss.PoolLen[c] = uint16(poolLen[c])
		for j := 0; j < l.Q; j++ {
			w := pool[c*l.Q+j]
			if j >= int(poolLen[c]) {
				if w != 0 {
					return ss, fmt.Errorf("image: section \"sp.pool\": column %d slot %d beyond the pool is not 0", c, j)
				}
				continue
			}
			ss.Perm[c*l.Q+j], ss.PoolInput[c*l.Q+j] = uint16(w&permMask), uint32(w>>l.B)
		}
	}
	duty, boost := im.Section("sp.duty").Words, im.Section("sp.boost").Words
	ss.OverlapDuty, ss.ActiveDuty, ss.Boost = make([]uint16, l.C), make([]uint16, l.C), make([]uint16, l.C)
	for c := 0; c < l.C; c++ {
		ss.OverlapDuty[c], ss.ActiveDuty[c], ss.Boost[c] = uint16(duty[c]), uint16(duty[c]>>16), uint16(boost[c])
	}
	return ss, nil
}

// tmState reads the TM's state from the image's sections.
func (im *Image) tmState(l Layout, regs []uint64) (tm.State, error) {
	var ts tm.State
	ts.Iteration, ts.Created = uint32(regs[arch.RegsTMIteration]), regs[arch.RegsTMCreated]
	ts.Generator = uint32(regs[arch.RegsTMGenerator])
	ts.Stats = tm.Stats{SegmentsCreated: regs[arch.RegsSegmentsCreated], SegmentsEvictedCell: regs[arch.RegsSegEvictedCell],
		SegmentsEvictedPool: regs[arch.RegsSegEvictedPool], SegmentsPruned: regs[arch.RegsSegmentsPruned],
		SegmentsNotCreated: regs[arch.RegsSegNotCreated], SynapsesCreated: regs[arch.RegsSynapsesCreated],
		SynapsesPruned: regs[arch.RegsSynapsesPruned], SynapsesEvicted: regs[arch.RegsSynapsesEvicted]}
	seg, syn := im.Section("tm.seg").Words, im.Section("tm.syn").Words
	ts.SegCell, ts.SegLastUsed, ts.SegSeq = make([]uint32, l.S), make([]uint32, l.S), make([]uint64, l.S)
	ts.SynCell, ts.SynPerm = make([]uint32, l.S*l.M), make([]uint16, l.S*l.M)
	permMask, cellMask := uint64(1)<<l.B-1, uint64(1)<<l.WCell-1
	for s := 0; s < l.S; s++ {
		ts.SegLastUsed[s], ts.SegSeq[s] = uint32(im.Section("tm.seglru").Words[s]), im.Section("tm.segseq").Words[s]
		ts.SegCell[s] = tm.None
		if seg[s]>>l.WCell&1 != 0 {
			ts.SegCell[s] = uint32(seg[s] & cellMask)
		}
		for j := s * l.M; j < (s+1)*l.M; j++ {
			ts.SynCell[j] = tm.None
			if w := syn[j]; w>>(l.B+l.WCell)&1 != 0 {
				ts.SynPerm[j], ts.SynCell[j] = uint16(w&permMask), uint32(w>>l.B&cellMask)
			}
		}
	}
	freeCount := regs[arch.RegsFreeCount]
	if freeCount > uint64(l.S) {
		return ts, fmt.Errorf("image: section \"regs\": free count %d exceeds %d segments", freeCount, l.S)
	}
	for _, f := range im.Section("tm.free").Words[:freeCount] {
		ts.Free = append(ts.Free, uint32(f))
	}
	ts.ActiveCells = fromBitmap(im.Section("tm.active").Words)
	ts.WinnerCells = fromBitmap(im.Section("tm.winner").Words)
	return ts, nil
}

// checkImplied checks that every memory of the image is what the state of
// r implies: the derived ones (sp.conn, tm.seg, tm.cellsegs, the
// counters), the boost table (the configuration's), the bits the state
// does not use (zero) and the rest, which round-trip.
func (im *Image) checkImplied(r *model.Region) error {
	again, err := Compile(r, im.Arch)
	if err != nil {
		return err
	}
	for i, s := range again.Sections {
		a, b := im.Sections[i].Words, s.Words
		for j := range a {
			if a[j] != b[j] {
				return fmt.Errorf("image: section %q: word %d is %#x, the rest of the image implies %#x", s.Name, j, a[j], b[j])
			}
		}
	}
	return nil
}
