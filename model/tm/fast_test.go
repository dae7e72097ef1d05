package tm

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/htmhw/htmhw/model/rng"
	"github.com/htmhw/htmhw/model/sdr"
)

// TestSegmentOf checks the multiplicative division j/m against the
// division for every synapse count per segment the parameters allow, on
// the slots around every multiple boundary near the ends of the 32-bit
// range and on a spread of slots in between.
func TestSegmentOf(t *testing.T) {
	for m := 1; m <= 0xFFFF; m++ {
		tm := &TemporalMemory{m: m, mInv: ^uint64(0)/uint64(m) + 1}
		check := func(j uint32) {
			if got, want := tm.segmentOf(j), j/uint32(m); got != want {
				t.Fatalf("m %d: segmentOf(%d) = %d, want %d", m, j, got, want)
			}
		}
		for _, j := range []uint32{0, 1, uint32(m - 1), uint32(m), uint32(m + 1), math.MaxUint32, math.MaxUint32 - 1} {
			check(j)
		}
		last := math.MaxUint32 / uint32(m) * uint32(m)
		check(last - 1)
		check(last)
		for j := uint32(12345); j < math.MaxUint32-7919*uint32(m); j += 7919 * uint32(m) {
			check(j - 1)
			check(j)
		}
	}
}

// drawWinnersGenerator is drawWinners written with rng.Generator, one
// Below per candidate: the reference.
func drawWinnersGenerator(dst, winners []uint32, mark sdr.Bitset, left int, g *rng.Generator) []uint32 {
	need, k := len(dst), 0
	for _, c := range winners {
		if k == need {
			break
		}
		if mark.Has(c) {
			continue
		}
		if int(g.Below(uint32(left))) < need-k {
			dst[k] = c
			k++
		}
		left--
	}
	return dst[:k]
}

// winnersCase returns n previous winners (0, 3, 6, ...), every marked-th
// one marked (none for 0), and the number left unmarked.
func winnersCase(n, marked int) (winners []uint32, mark sdr.Bitset, left int) {
	winners = make([]uint32, n)
	mark = sdr.NewBitset(3*n + 64)
	for i := range winners {
		winners[i] = uint32(3 * i)
		if marked > 0 && i%marked == 0 {
			mark[winners[i]>>6] |= 1 << (winners[i] & 63)
		} else {
			left++
		}
	}
	return winners, mark, left
}

// TestDrawWinnersIsGenerator checks drawWinners, whose draws are xorshift
// steps on a local state, against selection sampling written with
// rng.Generator: the same cells taken and the same generator state after,
// over marks, candidate counts and numbers needed.
func TestDrawWinnersIsGenerator(t *testing.T) {
	cases := []struct {
		name    string
		winners int // candidates 0, 3, 6, ...
		marked  int // every marked-th winner is marked (0: none)
		need    int
	}{
		{"none needed", 10, 0, 0},
		{"no candidates", 0, 0, 3},
		{"one of one", 1, 0, 1},
		{"one of three", 3, 0, 1},
		{"all of five", 5, 0, 5},
		{"all", 20, 0, 20},
		{"some", 300, 0, 20},
		{"some, marked", 300, 3, 20},
		{"one of many", 555, 0, 1},
		{"many of many", 555, 7, 32},
		{"one block", 64, 0, 2},
		{"one block and one", 65, 0, 64},
		{"more than left", 12, 2, 10},
		{"every one marked", 8, 1, 4},
	}
	for _, tc := range cases {
		for _, seed := range []uint32{1, 42, 0xDEADBEEF, 7, 1 << 31} {
			winners, mark, left := winnersCase(tc.winners, tc.marked)
			need := min(tc.need, left)
			g := rng.New(seed)
			want := drawWinnersGenerator(make([]uint32, need), winners, mark, left, g)
			got, x := drawWinners(make([]uint32, need), winners, mark, left, rng.New(seed).State())
			if !slices.Equal(got, want) || x != g.State() {
				t.Errorf("%s, seed %d: took %v, state %#x; want %v, state %#x", tc.name, seed, got, x, want, g.State())
			}
		}
	}
}

// BenchmarkDrawWinners times grow's draws on the sizes of a trained nab
// region (~550 previous winners, up to 20 needed) with the Generator and
// with drawWinners's local state, side by side.
func BenchmarkDrawWinners(b *testing.B) {
	winners, mark, left := winnersCase(555, 50)
	dst := make([]uint32, 20)
	b.Run("generator", func(b *testing.B) {
		g := rng.New(42)
		for b.Loop() {
			drawWinnersGenerator(dst, winners, mark, left, g)
		}
	})
	b.Run("local", func(b *testing.B) {
		x := rng.New(42).State()
		for b.Loop() {
			_, x = drawWinners(dst, winners, mark, left, x)
		}
	})
}

// TestEverySegmentTouched fills the pool (two segments of two slots) with
// synapses from the two active cells, so that the dendrite pass meets
// every segment before its last entries: its count loops store a segment
// before they know whether it is new, one past the last touched one.
func TestEverySegmentTouched(t *testing.T) {
	for _, m := range []int{1, 2} {
		p := base()
		p.SegmentCapacity, p.MaxSynapsesPerSegment = 2, m
		p.ActivationThreshold, p.MinThreshold = 1, 1
		tm, err := New(p)
		if err != nil {
			t.Fatal(err)
		}
		st := tm.State()
		st.SegCell = []uint32{4, 6}
		st.SegSeq = []uint64{0, 1}
		st.Created = 2
		st.Free = []uint32{}
		st.SynCell, st.SynPerm = st.SynCell[:0], st.SynPerm[:0]
		for range 2 {
			st.SynCell = append(st.SynCell, []uint32{0, 1}[:m]...)
			st.SynPerm = append(st.SynPerm, []uint16{9, 3}[:m]...)
		}
		st.ActiveCells = []uint32{0, 1}
		if err := tm.SetState(st); err != nil {
			t.Fatal(err)
		}
		wantConn := uint16(1)
		for s := uint32(0); s < 2; s++ {
			if got := tm.numPot(s); got != uint16(m) {
				t.Errorf("m %d: segment %d: %d potential synapses, want %d", m, s, got, m)
			}
			if got := tm.numConn(s); got != wantConn {
				t.Errorf("m %d: segment %d: %d connected synapses, want %d", m, s, got, wantConn)
			}
		}
		if got := tm.PredictiveCells(nil); !slices.Equal(got, []uint32{4, 6}) {
			t.Errorf("m %d: predictive cells %v, want [4 6]", m, got)
		}
	}
}

// TestWeakest checks weakest against sorting every eligible key and taking
// the first n, on random segments (free slots, previous winners, tied
// permanences) for every n up to past the segment's size.
func TestWeakest(t *testing.T) {
	g := rng.New(5)
	for round := range 300 {
		m := 1 + int(g.Below(40))
		cells, perms := make([]uint32, m), make([]uint16, m)
		winners := sdr.NewBitset(64)
		for i := range cells {
			cells[i], perms[i] = g.Below(64), uint16(1+g.Below(6))
			if g.Below(5) == 0 {
				cells[i], perms[i] = None, 0
			}
		}
		for range g.Below(20) {
			c := g.Below(64)
			winners[c>>6] |= 1 << (c & 63)
		}
		var all []uint64
		for i, c := range cells {
			if c != None && !winners.Has(c) {
				all = append(all, uint64(perms[i])<<32|uint64(i))
			}
		}
		slices.Sort(all)
		for n := 0; n <= m+1; n++ {
			got := weakest(cells, perms, winners, n, nil)
			if want := all[:min(n, len(all))]; !slices.Equal(got, want) {
				t.Fatalf("round %d, n %d: %v, want %v", round, n, got, want)
			}
		}
	}
}

// TestColumnOf checks the multiplicative division c/cellsPerColumn against
// the division for cells per column 1 to 4,096 and a spread up to 2^32−1,
// on the cells around column boundaries, the last cells and a spread.
func TestColumnOf(t *testing.T) {
	var cpcs []uint32
	for d := uint32(1); d <= 4096; d++ {
		cpcs = append(cpcs, d)
	}
	for d := uint64(4097); d < 1<<32; d = d*5/3 + 1 {
		cpcs = append(cpcs, uint32(d))
	}
	cpcs = append(cpcs, 1<<31, 1<<31+1, math.MaxUint32)
	for _, d := range cpcs {
		tm := &TemporalMemory{cpcInv: ^uint64(0)/uint64(d) + 1}
		check := func(c uint32) {
			if got, want := tm.columnOf(c), c/d; got != want {
				t.Fatalf("cellsPerColumn %d: columnOf(%d) = %d, want %d", d, c, got, want)
			}
		}
		for _, c := range []uint32{0, 1, d - 1, d, d + 1, math.MaxUint32, math.MaxUint32 - 1} {
			check(c)
		}
		last := math.MaxUint32 / d * d
		check(last - 1)
		check(last)
		for c := uint64(12345); c < math.MaxUint32; c += 7919 * uint64(d) {
			check(uint32(c) - 1)
			check(uint32(c))
		}
	}
}

// TestRadixSort checks radixSort against slices.Sort on random keys of
// every width up to keyBitsMax, low bits (flags and segment) random too,
// for lengths 0 to past 256, with repeated and single digit values.
func TestRadixSort(t *testing.T) {
	g := rng.New(11)
	for width := uint(1); width <= keyBitsMax; width++ {
		for _, n := range []int{0, 1, 2, 3, 17, insertionMax, insertionMax + 1, 256, 300, 1000} {
			a := make([]uint64, n)
			for i := range a {
				k := uint64(g.Next())<<32 | uint64(g.Next())
				if g.Below(3) == 0 && i > 0 {
					k = a[i-1] // equal keys stay in order: the same item
				}
				a[i] = k>>(64-width)<<keyShift | k&(1<<keyShift-1)
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y uint64) int {
				return int(x>>keyShift) - int(y>>keyShift)
			})
			got := radixSort(slices.Clone(a), make([]uint64, n), keyShift, width)
			if !slices.Equal(got, want) {
				t.Fatalf("width %d, %d keys: %x, want %x", width, n, got, want)
			}
		}
	}
}

// TestListSegmentsBySort runs two memories side by side on random
// columns, one listing its active and matching segments by the radix sort
// and one by cell marks (keyBits 0), and compares the lists at every step
// and the states at the end. Many segments per cell and a small pool, so
// that segments are created, evicted and their positions move.
func TestListSegmentsBySort(t *testing.T) {
	p := Params{
		NumColumns: 64, CellsPerColumn: 4,
		ActivationThreshold: 2, MinThreshold: 1, MaxNewSynapseCount: 4,
		MaxSegmentsPerCell: 4, MaxSynapsesPerSegment: 5, SegmentCapacity: 800,
		PermBits: 6, InitialPermanence: 30, ConnectedPermanence: 32,
		PermanenceIncrement: 6, PermanenceDecrement: 3, PredictedSegmentDecrement: 1,
		Seed: 3,
	}
	sorted, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	byCell, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	if sorted.keyBits == 0 {
		t.Fatal("keys do not fit: the sort is not tested")
	}
	byCell.keyBits = 0
	g := rng.New(7)
	matching := 0
	for step := range 2000 {
		var cols []uint32
		for c := uint32(0); c < uint32(p.NumColumns); c++ {
			if g.Below(10) == 0 || (step%5 != 4 && c%5 == uint32(step%5)) {
				cols = append(cols, c)
			}
		}
		for _, m := range []*TemporalMemory{sorted, byCell} {
			if err := m.Compute(cols, true); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(sorted.activeSegs, byCell.activeSegs) || !slices.Equal(sorted.matchingSegs, byCell.matchingSegs) {
			t.Fatalf("step %d: active %v matching %v, by cell %v %v", step, sorted.activeSegs, sorted.matchingSegs, byCell.activeSegs, byCell.matchingSegs)
		}
		matching += len(sorted.matchingSegs)
	}
	if matching < 2000 || sorted.Stats().SegmentsEvictedCell == 0 {
		t.Errorf("%d matching segments over the run, %d evictions: too few to test the order", matching, sorted.Stats().SegmentsEvictedCell)
	}
	if a, b := sorted.State(), byCell.State(); !reflect.DeepEqual(a, b) {
		t.Error("the states differ after the run")
	}
}

// TestSegmentOf32 checks countSegments32's division, j/m as (j × m32) >>
// 32 with m32 = ceil(2^32/m), for every m from 2 to 65535 on the slots it
// is used for (j < 2^32/m: New uses it when segments × m × m ≤ 2^32), on
// the slots around the multiples of m at both ends and a spread between.
func TestSegmentOf32(t *testing.T) {
	for m := uint64(2); m <= 0xFFFF; m++ {
		m32 := (1<<32 + m - 1) / m
		top := (1 << 32) / m // slots below top
		check := func(j uint64) {
			if got, want := j*m32>>32, j/m; got != want {
				t.Fatalf("m %d: slot %d gives %d, want %d", m, j, got, want)
			}
		}
		for q := uint64(0); q < 3; q++ {
			for _, j := range []uint64{q * m, q*m + 1, q*m + m - 1} {
				if j < top {
					check(j)
				}
			}
		}
		for q := top / m; q > 0 && q+3 > top/m; q-- {
			for _, j := range []uint64{q*m - 1, q * m, q*m + m - 1} {
				if j < top {
					check(j)
				}
			}
		}
		check(top - 1)
		for j := uint64(12345); j < top; j += 7919 * m {
			check(j - 1)
			check(j)
		}
	}
}

// TestCountSegments32 checks countSegments32 against countSegments on
// random presynaptic lists, short (counted in place) and long (by
// countList32), with connected flags: the same counts and the same
// segments listed in the same order.
func TestCountSegments32(t *testing.T) {
	g := rng.New(4)
	for round := range 50 {
		m, S, cells := 2+int(g.Below(60)), 1+int(g.Below(300)), 1+int(g.Below(40))
		presyn := make([][]uint32, cells)
		for c := range presyn {
			n := int(g.Below(4))
			if g.Below(3) == 0 {
				n = int(g.Below(3 * shortList))
			}
			for range n {
				presyn[c] = append(presyn[c], g.Below(uint32(S*m))|g.Below(2)<<31)
			}
		}
		var active []uint32
		for c := range uint32(cells) {
			if g.Below(2) == 0 {
				active = append(active, c)
			}
		}
		act, touched := make([]uint32, S), make([]uint32, S+1)
		act32, touched32 := make([]uint32, S), make([]uint32, S+1)
		n := countSegments(presyn, active, act, touched, ^uint64(0)/uint64(m)+1)
		n32, _ := countSegments32(presyn, active, act32, touched32, (1<<32+uint64(m)-1)/uint64(m))
		if !slices.Equal(act, act32) || !slices.Equal(touched[:n], touched32[:n32]) {
			t.Fatalf("round %d: counts %v touched %v, want %v %v", round, act32, touched32[:n32], act, touched[:n])
		}
	}
}

// TestPresynFlags checks, after every step of a run whose permanences
// cross the connected threshold often (adaptSegment's flips, applied by
// applyFlips before the dendrite pass) and whose synapses and segments
// are destroyed and their slots used again in the same steps, that every
// used slot's presyn entry is the slot with the connected flag of its
// permanence, and that the lists hold nothing else.
func TestPresynFlags(t *testing.T) {
	p := Params{
		NumColumns: 64, CellsPerColumn: 4,
		ActivationThreshold: 2, MinThreshold: 1, MaxNewSynapseCount: 4,
		MaxSegmentsPerCell: 4, MaxSynapsesPerSegment: 5, SegmentCapacity: 300,
		PermBits: 6, InitialPermanence: 30, ConnectedPermanence: 32,
		PermanenceIncrement: 6, PermanenceDecrement: 3, PredictedSegmentDecrement: 1,
		Seed: 5,
	}
	tm, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	g := rng.New(11)
	flipped := 0
	for step := range 1500 {
		var cols []uint32
		for c := uint32(0); c < uint32(p.NumColumns); c++ {
			if g.Below(10) == 0 || (step%5 != 4 && c%5 == uint32(step%5)) {
				cols = append(cols, c)
			}
		}
		if err := tm.Compute(cols, step%7 != 6); err != nil {
			t.Fatal(err)
		}
		if len(tm.flips) != 0 {
			t.Fatalf("step %d: %d flips left", step, len(tm.flips))
		}
		entries := 0
		for _, list := range tm.presyn {
			entries += len(list)
		}
		if entries != tm.NumSynapses() {
			t.Fatalf("step %d: %d presyn entries, %d synapses", step, entries, tm.NumSynapses())
		}
		for j, c := range tm.synCell {
			if c == None {
				continue
			}
			want := uint32(j)
			if tm.synPerm[j] >= p.ConnectedPermanence {
				want |= connBit
			}
			if got := tm.presyn[c][tm.synPos[j]]; got != want {
				t.Fatalf("step %d: slot %d's entry %#x, want %#x", step, j, got, want)
			}
		}
		for _, list := range tm.presyn {
			for _, e := range list {
				flipped += int(e >> 31)
			}
		}
	}
	st := tm.Stats()
	if flipped == 0 || st.SynapsesPruned == 0 || st.SegmentsEvictedPool+st.SegmentsEvictedCell == 0 {
		t.Fatalf("run too tame: %d connected entries seen, %+v", flipped, st)
	}
}
