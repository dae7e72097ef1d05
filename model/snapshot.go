package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/htmhw/htmhw/model/encoder"
	"github.com/htmhw/htmhw/model/sp"
	"github.com/htmhw/htmhw/model/tm"
)

// Snapshot format (docs/SPEC.md, "Snapshots"): all integers little-endian.
//
//	magic "HTMHWSNP", version uint32
//	config: uint32 length, JSON (the resolved Config)
//	steps uint64
//	SP state, TM state, likelihood state (each as written below)
//	a NuPIC RDSE's state, when the configuration has one (saveNuPIC)
//	CRC-32 (IEEE) of every byte before it
const (
	snapshotMagic   = "HTMHWSNP"
	SnapshotVersion = 1 // the snapshot format version Save writes and Load reads
)

// Save writes the region's whole state: its configuration, every
// permanence, segment and synapse, the duty cycles, the generator state,
// the previous active and winner cells and the likelihood's history.
// LoadRegion of it gives a region that continues exactly as this one would.
func (r *Region) Save(w io.Writer) error {
	if r.btm != nil {
		return errors.New("model: snapshot: the backtracking TM's state (docs/SPEC.md, section 12) is not in the snapshot format yet")
	}
	var b bytes.Buffer
	b.WriteString(snapshotMagic)
	cfg, err := json.Marshal(r.cfg)
	if err != nil {
		return fmt.Errorf("model: snapshot: %w", err)
	}
	e := &snapEncoder{w: &b}
	e.u32(SnapshotVersion)
	e.u32(uint32(len(cfg)))
	b.Write(cfg)
	e.u64(r.steps)

	s := r.sp.State()
	e.u64(s.Iteration)
	e.u32(uint32(s.Stride))
	e.put(s.PoolLen, s.PoolInput, s.Perm, s.OverlapDuty, s.ActiveDuty, s.Boost)
	e.put(s.MinOverlap)

	t := r.tm.State()
	e.u32(t.Iteration)
	e.u32(t.Generator)
	e.u64(t.Created)
	e.put(t.SegCell, t.SegLastUsed, t.SegSeq, t.SynCell, t.SynPerm)
	for _, list := range [][]uint32{t.Free, t.ActiveCells, t.WinnerCells} {
		e.u32(uint32(len(list)))
		e.put(list)
	}
	e.put(t.Stats)

	if r.lik == nil {
		e.u32(0)
	} else {
		var lb bytes.Buffer
		if err := r.lik.Save(&lb); err != nil {
			return fmt.Errorf("model: snapshot: likelihood: %w", err)
		}
		e.u32(uint32(lb.Len()))
		b.Write(lb.Bytes())
	}
	if n := r.enc.NuPIC(); n != nil {
		saveNuPIC(e, n.State())
	}
	e.u32(crc32.ChecksumIEEE(b.Bytes()))
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("model: snapshot: %w", err)
	}
	return nil
}

// LoadRegion reads a snapshot written by Save. It refuses, with the
// reason, a snapshot of another format version, a corrupt or truncated one,
// and one whose state does not fit its configuration.
func LoadRegion(rd io.Reader) (*Region, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	if len(data) < len(snapshotMagic)+8 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, errors.New("model: snapshot: not an htmhw snapshot (bad magic)")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != SnapshotVersion {
		return nil, fmt.Errorf("model: snapshot: format version %d, this build reads version %d", v, SnapshotVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, errors.New("model: snapshot: checksum mismatch (corrupt or truncated)")
	}
	d := &decoder{b: body[12:]}
	cfgBytes := d.bytes(int(d.u32()))
	if d.err != nil {
		return nil, fmt.Errorf("model: snapshot: config: %w", d.err)
	}
	cfg, err := Parse("snapshot config", cfgBytes)
	if err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	// The state's size comes from the configuration; a snapshot too short
	// to hold it is refused before a region of that size is made.
	q, err := cfg.Quantize()
	if err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	if need := stateBytes(q); int64(len(d.b)) < need {
		return nil, fmt.Errorf("model: snapshot: truncated: the configuration's state takes at least %d bytes, the snapshot holds %d", need, len(d.b))
	}
	r, err := NewRegion(cfg)
	if err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	r.steps = d.u64()

	spp := r.sp.State() // sizes come from the configuration, never from the data
	var s sp.State
	s.Iteration = d.u64()
	s.Stride = int(d.u32())
	if s.Stride != spp.Stride {
		return nil, fmt.Errorf("model: snapshot: sp has %d slots per column, configuration gives %d", s.Stride, spp.Stride)
	}
	C := len(spp.PoolLen)
	s.PoolLen, s.PoolInput, s.Perm = make([]uint16, C), make([]uint32, C*s.Stride), make([]uint16, C*s.Stride)
	s.OverlapDuty, s.ActiveDuty, s.Boost = make([]uint16, C), make([]uint16, C), make([]uint16, C)
	d.get(s.PoolLen, s.PoolInput, s.Perm, s.OverlapDuty, s.ActiveDuty, s.Boost, &s.MinOverlap)

	p := r.q.TM
	S, SM := p.SegmentCapacity, p.SegmentCapacity*p.MaxSynapsesPerSegment
	var t tm.State
	t.Iteration, t.Generator, t.Created = d.u32(), d.u32(), d.u64()
	t.SegCell, t.SegLastUsed, t.SegSeq = make([]uint32, S), make([]uint32, S), make([]uint64, S)
	t.SynCell, t.SynPerm = make([]uint32, SM), make([]uint16, SM)
	d.get(t.SegCell, t.SegLastUsed, t.SegSeq, t.SynCell, t.SynPerm)
	for _, list := range []*[]uint32{&t.Free, &t.ActiveCells, &t.WinnerCells} {
		n := int(d.u32())
		if n > max(S, p.NumCells()) {
			return nil, fmt.Errorf("model: snapshot: tm list of %d entries exceeds the configuration's sizes", n)
		}
		*list = make([]uint32, n)
		d.get(*list)
	}
	d.get(&t.Stats)
	likLen := int(d.u32())
	likBytes := d.bytes(likLen)
	var nupicState *encoder.NuPICRDSEState
	if r.enc.NuPIC() != nil {
		nupicState = loadNuPIC(d, cfg.Encoder.RDSE.ActiveBits)
	}
	if d.err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", d.err)
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("model: snapshot: %d unexpected bytes after the state", len(d.b))
	}
	if nupicState != nil {
		n, err := encoder.LoadNuPICRDSE(cfg.Encoder.RDSE.NuPICParams(), *nupicState)
		if err != nil {
			return nil, fmt.Errorf("model: snapshot: %w", err)
		}
		r.enc.nupic = n
	}
	if err := r.sp.SetState(s); err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	if err := r.tm.SetState(t); err != nil {
		return nil, fmt.Errorf("model: snapshot: %w", err)
	}
	switch {
	case (likLen > 0) != (r.lik != nil):
		return nil, errors.New("model: snapshot: likelihood state does not match the configuration")
	case r.lik != nil:
		if err := r.lik.Load(bytes.NewReader(likBytes)); err != nil {
			return nil, fmt.Errorf("model: snapshot: likelihood: %w", err)
		}
		if have, want := r.lik.Params(), cfg.Likelihood.Params(); have != want {
			return nil, fmt.Errorf("model: snapshot: likelihood state has parameters %+v, the configuration gives %+v", have, want)
		}
	}
	return r, nil
}

// stateBytes returns the fewest bytes of a snapshot's state after its
// configuration: steps, the SP state, the TM state with empty lists, no
// likelihood.
func stateBytes(q *Quantized) int64 {
	C, Q := int64(q.SP.NumColumns), int64(q.SP.Stride())
	S, M := int64(q.TM.SegmentCapacity), int64(q.TM.MaxSynapsesPerSegment)
	spBytes := 8 + 4 + C*2 + C*Q*(4+2) + C*3*2 + 2
	tmBytes := 4 + 4 + 8 + S*(4+4+8) + S*M*(4+2) + 3*4 + int64(binary.Size(tm.Stats{}))
	return 8 + spBytes + tmBytes + 4
}

// saveNuPIC writes a NuPIC RDSE's state (docs/SPEC.md, section 9): whether
// the offset is set, the offset's float64 bits, the lowest and highest
// bucket, the generator (seed, 31 words, fptr, rptr), then every bucket's
// w bits in NuPIC's order, lowest bucket first.
func saveNuPIC(e *snapEncoder, s encoder.NuPICRDSEState) {
	has := uint32(0)
	if s.HasOffset {
		has = 1
	}
	e.u32(has)
	e.u64(math.Float64bits(s.Offset))
	e.u32(uint32(s.MinIndex))
	e.u32(uint32(s.MaxIndex))
	e.u64(s.Random.Seed)
	e.put(s.Random.Words)
	e.u32(uint32(s.Random.Fptr))
	e.u32(uint32(s.Random.Rptr))
	for _, b := range s.Buckets {
		e.put(b)
	}
}

// loadNuPIC reads what saveNuPIC writes; LoadNuPICRDSE checks it.
func loadNuPIC(d *decoder, w int) *encoder.NuPICRDSEState {
	var s encoder.NuPICRDSEState
	s.HasOffset = d.u32() != 0
	s.Offset = math.Float64frombits(d.u64())
	lo, hi := d.u32(), d.u32()
	s.Random.Seed = d.u64()
	d.get(&s.Random.Words)
	s.Random.Fptr, s.Random.Rptr = int(d.u32()), int(d.u32())
	if d.err != nil || lo > hi || hi >= encoder.NuPICMaxBuckets {
		if d.err == nil {
			d.err = fmt.Errorf("nupic rdse bucket range [%d, %d]", lo, hi)
		}
		return nil
	}
	s.MinIndex, s.MaxIndex = int(lo), int(hi)
	for range hi - lo + 1 {
		b := make([]uint32, w)
		d.get(b)
		s.Buckets = append(s.Buckets, b)
	}
	return &s
}

type snapEncoder struct{ w *bytes.Buffer }

func (e *snapEncoder) u32(v uint32) { _ = binary.Write(e.w, binary.LittleEndian, v) }
func (e *snapEncoder) u64(v uint64) { _ = binary.Write(e.w, binary.LittleEndian, v) }
func (e *snapEncoder) put(vs ...any) {
	for _, v := range vs {
		_ = binary.Write(e.w, binary.LittleEndian, v)
	}
}

// decoder reads little-endian values, remembering the first error (a
// truncated snapshot) so that callers check once.
type decoder struct {
	b   []byte
	err error
}

var errTruncated = errors.New("truncated")

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errTruncated
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (d *decoder) get(vs ...any) {
	for _, v := range vs {
		n := binary.Size(v)
		if b := d.bytes(n); b != nil {
			_, _ = binary.Decode(b, binary.LittleEndian, v)
		}
	}
}
