package sp

// Table tests of the spatial pooler against docs/SPEC.md, section 5. Every
// expected value below is worked out by hand from the specification (the
// derivation is in the comment next to it); none is read back from the code.

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/rng"
)

// base is a tiny pooler: 8 inputs, 4 columns, 4-bit permanences (P = 15),
// connected at 8. potentialRadius 8 with wrap-around gives every column all
// 8 inputs as neighbourhood (2r+1 ≥ N), and potentialPct 1 puts all of them
// in the pool, so every pool is inputs 0..7 (stride 8).
func base() Params {
	return Params{
		NumInputs: 8, NumColumns: 4,
		PotentialRadius: 8, PotentialPct: 1 << 16, WrapAround: true,
		NumActive: 2, StimulusThreshold: 1,
		PermBits: 4, SynPermConnected: 8, SynPermActiveInc: 3, SynPermInactiveDec: 2,
		SynPermBelowStimulusInc: 1, SynPermTrimThreshold: 0,
		MinPctOverlapDutyCycles: 0, DutyCyclePeriod: 1000, UpdatePeriod: 1000,
		Seed: 1,
	}
}

// fullState is the state of a base-like pooler (every pool = inputs 0..7)
// with the given permanences (one row of 8 per column) and per-column duty
// cycles and boosts.
func fullState(iter uint64, perms [][]uint16, od, ad, boost []uint16, minOverlap uint16) State {
	C := len(perms)
	st := State{
		Iteration: iter, Stride: 8,
		PoolLen:     make([]uint16, C),
		PoolInput:   make([]uint32, 0, 8*C),
		Perm:        make([]uint16, 0, 8*C),
		OverlapDuty: slices.Clone(od),
		ActiveDuty:  slices.Clone(ad),
		Boost:       slices.Clone(boost),
		MinOverlap:  minOverlap,
	}
	for c, row := range perms {
		st.PoolLen[c] = 8
		for j := range uint32(8) {
			st.PoolInput = append(st.PoolInput, j)
		}
		st.Perm = append(st.Perm, row...)
	}
	return st
}

func rep[T any](v T, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// newWith builds a pooler with parameters p (pools must be all 8 inputs)
// and installs the given permanences, duty cycles and boosts.
func newWith(t *testing.T, p Params, st State) *SpatialPooler {
	t.Helper()
	s, err := New(p)
	require.NoError(t, err)
	require.Equal(t, 8, s.State().Stride)
	require.NoError(t, s.SetState(st))
	return s
}

// overlapPerms gives column c permanence 15 (connected) on its first ov[c]
// inputs and 0 elsewhere: with all 8 inputs active its overlap is ov[c].
func overlapPerms(ov []int) [][]uint16 {
	perms := make([][]uint16, len(ov))
	for c, o := range ov {
		perms[c] = make([]uint16, 8)
		for j := 0; j < o; j++ {
			perms[c][j] = 15
		}
	}
	return perms
}

var allInputs = []uint32{0, 1, 2, 3, 4, 5, 6, 7}

// SPEC 5.2 step 1: centre m = ⌊(2c+1)·N/(2C)⌋; wrap: (m+d) mod N, d = −r..r
// (all N when 2r+1 ≥ N); no wrap: max(0, m−r) .. min(N−1, m+r); ascending.
func TestNeighbourhood(t *testing.T) {
	cases := []struct {
		name    string
		n, C, r int
		wrap    bool
		c       int
		want    []uint32
	}{
		// m = ⌊1·8/8⌋ = 1 → 0,1,2.
		{"wrap inside", 8, 4, 1, true, 0, []uint32{0, 1, 2}},
		// m = ⌊7·8/8⌋ = 7 → 6,7,8 mod 8 = 0 → ascending 0,6,7.
		{"wrap past the end", 8, 4, 1, true, 3, []uint32{0, 6, 7}},
		// m = ⌊1·10/8⌋ = 1, r = 2 → −1,0,1,2,3 → 9,0,1,2,3 → ascending.
		{"wrap past the start", 10, 4, 2, true, 0, []uint32{0, 1, 2, 3, 9}},
		// m = ⌊7·10/8⌋ = 8, r = 2 → 6,7,8,9,10 mod 10 = 0.
		{"wrap c=3 of 4, N=10", 10, 4, 2, true, 3, []uint32{0, 6, 7, 8, 9}},
		// m = 7 → 6..8 clipped to 6..7.
		{"clipped at the end", 8, 4, 1, false, 3, []uint32{6, 7}},
		// m = 1, r = 2 → −1..3 clipped to 0..3.
		{"clipped at the start", 10, 4, 2, false, 0, []uint32{0, 1, 2, 3}},
		// m = ⌊3·10/8⌋ = 3, r = 2 → 1..5.
		{"no wrap inside", 10, 4, 2, false, 1, []uint32{1, 2, 3, 4, 5}},
		// 2r+1 = 5 ≥ N = 5: all inputs.
		{"wrap 2r+1 = N", 5, 2, 2, true, 1, []uint32{0, 1, 2, 3, 4}},
		// 2r+1 = 7 ≥ 5: all inputs, no duplicates.
		{"wrap 2r+1 > N", 5, 2, 3, true, 0, []uint32{0, 1, 2, 3, 4}},
		// 2r+1 = 5 = N−1: m = ⌊1·6/2⌋ = 3 → 1..5, input 0 left out.
		{"wrap 2r+1 = N−1", 6, 1, 2, true, 0, []uint32{1, 2, 3, 4, 5}},
		// No wrap, radius larger than N: clipped to 0..N−1.
		{"clipped both ends", 5, 2, 10, false, 1, []uint32{0, 1, 2, 3, 4}},
		// r = 0: the centre alone, m = ⌊5·8/8⌋ = 5.
		{"radius 0", 8, 4, 0, true, 2, []uint32{5}},
		// More columns than inputs: c = 5 of 8 over 4 inputs, m = ⌊11·4/16⌋ = 2.
		{"more columns than inputs", 4, 8, 0, false, 5, []uint32{2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Params{NumInputs: tc.n, NumColumns: tc.C, PotentialRadius: tc.r, WrapAround: tc.wrap}
			assert.Equal(t, tc.want, p.neighbourhood(tc.c, nil))
		})
	}
}

// SPEC 5.2 step 2: need = (|hood|·potentialPct₁₆ + 32768) >> 16.
func TestPoolSize(t *testing.T) {
	cases := []struct {
		hood int
		pct  uint32
		want int
	}{
		{4, 32768, 2}, // 4·0.5 = 2
		{3, 32768, 2}, // 1.5 rounds half up: (98304+32768)>>16 = 2
		{5, 32768, 3}, // 2.5 → 3
		{3, 21845, 1}, // (65535+32768)>>16 = 1
		{1, 32767, 0}, // (32767+32768) = 65535 >> 16 = 0
		{1, 32768, 1}, // 65536 >> 16 = 1
		{7, 65536, 7}, // potentialPct 1: the whole neighbourhood
		{10, 9830, 1}, // 0.15·10 = 1.4999 → (98300+32768)>>16 = 1
		{10, 9831, 2}, // (98310+32768) = 131078 >> 16 = 2
		{100, 1, 0},   // (100+32768)>>16 = 0
		{65536, 65536, 65536},
	}
	for _, tc := range cases {
		p := Params{PotentialPct: tc.pct}
		assert.Equal(t, tc.want, p.poolSize(tc.hood), "hood %d pct %d", tc.hood, tc.pct)
	}
}

// seed42 is the configuration of the initialisation tests: 8 inputs, 4
// columns, no wrap, r = 2, potentialPct 0.5. Neighbourhoods (5.2 step 1):
// c0 m=1 → 0..3 (pool 2); c1 m=3 → 1..5 (pool ⌊2.5+½⌋ = 3); c2 m=5 → 3..7
// (pool 3); c3 m=7 → 5..7 (pool ⌊1.5+½⌋ = 2). Stride = 3.
func seed42(bits uint, conn uint16, stim int, trim uint16) Params {
	return Params{
		NumInputs: 8, NumColumns: 4, PotentialRadius: 2, PotentialPct: 32768,
		NumActive: 1, StimulusThreshold: stim, PermBits: bits, SynPermConnected: conn,
		SynPermActiveInc: 1, SynPermInactiveDec: 1, SynPermTrimThreshold: trim,
		DutyCyclePeriod: 1000, UpdatePeriod: 50, Seed: 42,
	}
}

// SPEC 5.2 and section 3: the pools and initial permanences replayed by hand
// from seed 42, whose first four draws the SPEC lists (0xCB528376,
// 0xFCBDD3E8, 0x9EDEE188, 0x1F17DF1F); the later draws are xorshift32 steps
// of the same register, computed independently of the Go code.
//
// Column 0, hood [0 1 2 3], need 2:
//
//	d1 0xCB528376 below(4) = 3 ≥ 2 skip 0
//	d2 0xFCBDD3E8 below(3) = 2 ≥ 2 skip 1
//	d3 0x9EDEE188 below(2) = 1 < 2 take 2 (need 1)
//	d4 0x1F17DF1F below(1) = 0 < 1 take 3 (need 0, stop)
//	d5 0x7A7DE1C5 coin 0 → d6 0x0EE17E07 below(P−conn+1) → perm of input 2
//	d7 0x05105C77 coin 0 → d8 0xDD49DC38 below(P−conn+1) → perm of input 3
//
// With P = 15, conn = 8: below(8) = top 3 bits: d6 → 0, d8 → 6, so 8, 14.
// With P = 255, conn = 200: below(56): d6 → ⌊0x0EE17E07·56/2³²⌋ = 3 → 203,
// d8 → 48 → 248.
// Column 1, hood [1..5], need 3: d9 0x3F1B44BF below(5)=1 take 1; d10
// 0xA61D6059 below(4)=2 skip 2; d11 0x48DEEF12 below(3)=0 take 3; d12
// 0x32A0540C below(2)=0 take 4; then (coin, below) pairs d13..d18:
// coin 0 (0x3C18CB9C), coin 0 (0x77A2E6E9), coin 1 (0x855709ED).
// 4 bits: 8+4 = 12, 8+2 = 10, below(8) of 0xE939E0D8 = 7.
// 8 bits: 200+29, 200+14, below(200) of 0xE939E0D8 = 182.
// Column 2, hood [3..7], need 3: d19..d23 take 3, take 4, skip 5, skip 6,
// take 7; coins 1, 0, 1 → 4 bits 5, 10, 6; 8 bits 132, 217, 155.
// Column 3, hood [5 6 7], need 2: d30 below(3)=1 take 5, d31 below(2)=0
// take 6; coins 1, 0 → 4 bits 3, 12; 8 bits 76, 230.
//
// Raise to threshold (stimulusThreshold 2, 8 bits, conn 200): columns 0 and
// 1 have ≥ 2 connected. Column 2: [132 217 155], one connected; p_t = the
// 2nd largest = 155, +45 → [177 255(262 saturated) 200]. Column 3: [76 230],
// p_t = 76, +124 → [200 255(354 saturated)].
// Trim 180: 177 → 0; 182 survives (≥ 180).
func TestInitialisation(t *testing.T) {
	inputs := []uint32{2, 3, 0, 1, 3, 4, 3, 4, 7, 5, 6, 0}
	cases := []struct {
		name string
		p    Params
		perm []uint16
	}{
		{"4 bits", seed42(4, 8, 0, 0), []uint16{8, 14, 0, 12, 10, 7, 5, 10, 6, 3, 12, 0}},
		{"8 bits", seed42(8, 200, 0, 0), []uint16{203, 248, 0, 229, 214, 182, 132, 217, 155, 76, 230, 0}},
		{"8 bits raised", seed42(8, 200, 2, 0), []uint16{203, 248, 0, 229, 214, 182, 177, 255, 200, 200, 255, 0}},
		{"8 bits raised and trimmed", seed42(8, 200, 2, 180), []uint16{203, 248, 0, 229, 214, 182, 0, 255, 200, 200, 255, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(tc.p)
			require.NoError(t, err)
			want := State{
				Iteration: 0, Stride: 3,
				PoolLen:     []uint16{2, 3, 3, 2},
				PoolInput:   inputs,
				Perm:        tc.perm,
				OverlapDuty: []uint16{0, 0, 0, 0},
				ActiveDuty:  []uint16{0, 0, 0, 0},
				Boost:       []uint16{4096, 4096, 4096, 4096},
			}
			assert.Equal(t, want, s.State())
		})
	}
}

// SPEC 5.2 "Draws": c ascending; within a column the pool's draws, then two
// per pool synapse. This replays the whole initialisation with rng.Below on
// a wrap-around configuration (column 4's neighbourhood wraps) and compares
// pools and permanences of every column.
func TestInitialisationReplay(t *testing.T) {
	p := Params{
		NumInputs: 16, NumColumns: 5, PotentialRadius: 3, PotentialPct: 39322, // 0.6
		WrapAround: true, NumActive: 2, PermBits: 6, SynPermConnected: 20,
		DutyCyclePeriod: 10, UpdatePeriod: 50, Seed: 7,
	}
	s, err := New(p)
	require.NoError(t, err)
	st := s.State()
	// Every hood has 7 inputs: need = (7·39322 + 32768) >> 16 = 4 (4.2).
	require.Equal(t, 4, st.Stride)
	// Centres ⌊(2c+1)·16/10⌋ = 1, 4, 8, 11, 14.
	hoods := [][]uint32{
		{0, 1, 2, 3, 4, 14, 15}, // 1−3 .. 1+3 mod 16
		{1, 2, 3, 4, 5, 6, 7},
		{5, 6, 7, 8, 9, 10, 11},
		{8, 9, 10, 11, 12, 13, 14},
		{0, 1, 11, 12, 13, 14, 15}, // 14−3 .. 14+3 mod 16
	}
	g := rng.New(7)
	const P, conn = 63, 20
	for c, hood := range hoods {
		need := 4
		var pool []uint32
		for i := 0; i < len(hood) && need > 0; i++ { // draw i: below(|hood|−i)
			if int(g.Below(uint32(len(hood)-i))) < need {
				pool = append(pool, hood[i])
				need--
			}
		}
		var perm []uint16
		for range pool { // two draws: coin (top bit), then below
			if g.Next()>>31 == 0 {
				perm = append(perm, uint16(conn+g.Below(P-conn+1)))
			} else {
				perm = append(perm, uint16(g.Below(conn)))
			}
		}
		require.Len(t, pool, 4)
		assert.Equal(t, pool, st.PoolInput[4*c:4*c+4], "column %d pool", c)
		assert.Equal(t, perm, st.Perm[4*c:4*c+4], "column %d permanences", c)
	}
}

// SPEC 5.3: overlap = connected synapses (perm ≥ conn) on active inputs;
// eligible when overlap ≥ stimulusThreshold. k = C so every eligible column
// is active.
func TestOverlapAndEligibility(t *testing.T) {
	// Column 0 is connected on inputs 0, 2, 4, 5, 7 (input 1 at 7 = conn−1
	// is not, input 5 at 8 = conn is); column 1 on inputs 6, 7.
	perms := [][]uint16{{8, 7, 15, 0, 9, 8, 3, 8}, {0, 0, 0, 0, 0, 0, 8, 8}}
	cases := []struct {
		input    []uint32
		stim     int
		overlaps []uint32
		active   []uint32
	}{
		{[]uint32{0, 1, 2, 3}, 1, []uint32{2, 0}, []uint32{0}},
		{[]uint32{1, 3, 6}, 1, []uint32{0, 1}, []uint32{1}},
		{allInputs, 1, []uint32{5, 2}, []uint32{0, 1}},
		{[]uint32{}, 1, []uint32{0, 0}, []uint32{}},
		{[]uint32{1}, 1, []uint32{0, 0}, []uint32{}},  // perm conn−1: not connected
		{[]uint32{5}, 1, []uint32{1, 0}, []uint32{0}}, // perm = conn: connected
		{[]uint32{}, 0, []uint32{0, 0}, []uint32{0, 1}},
		{allInputs, 2, []uint32{5, 2}, []uint32{0, 1}},
		{[]uint32{0, 1, 2, 3}, 2, []uint32{2, 0}, []uint32{0}},
		{[]uint32{1, 3, 6}, 2, []uint32{0, 1}, []uint32{}},
		{[]uint32{6, 7}, 2, []uint32{1, 2}, []uint32{1}},
	}
	for _, tc := range cases {
		p := base()
		p.NumColumns, p.NumActive, p.StimulusThreshold = 2, 2, tc.stim
		s := newWith(t, p, fullState(0, perms, rep[uint16](0, 2), rep[uint16](0, 2), rep[uint16](4096, 2), 0))
		active, err := s.Compute(tc.input, false)
		require.NoError(t, err)
		assert.Equal(t, tc.overlaps, s.Overlaps(), "input %v", tc.input)
		assert.Equal(t, tc.active, append([]uint32{}, active...), "input %v stim %d", tc.input, tc.stim)
	}
}

// SPEC 5.4: the k eligible columns greatest in (score, index); score =
// overlap·boost only when learning with a boost table; fewer than k
// eligible → all of them.
func TestInhibition(t *testing.T) {
	table := make([]uint16, BoostTableSize)
	for i := range table {
		table[i] = 4096
	}
	cases := []struct {
		name   string
		ov     []int
		boost  []uint16
		k      int
		stim   int
		learn  bool
		table  bool
		active []uint32
	}{
		{"all tied: highest indices", []int{3, 3, 3, 3}, nil, 2, 1, false, false, []uint32{2, 3}},
		{"best, then tie to higher index", []int{5, 3, 3, 1}, nil, 2, 1, false, false, []uint32{0, 2}},
		{"fewer than k eligible", []int{0, 0, 2, 0}, nil, 2, 1, false, false, []uint32{2}},
		{"none eligible", []int{0, 0, 0, 0}, nil, 2, 1, false, false, []uint32{}},
		{"stim 0: zero overlaps eligible", []int{0, 0, 0, 0}, nil, 2, 0, false, false, []uint32{2, 3}},
		{"stim 3 excludes 2s", []int{2, 2, 4, 3}, nil, 3, 3, false, false, []uint32{2, 3}},
		{"tie above the cut", []int{1, 4, 4, 4}, nil, 2, 1, false, false, []uint32{2, 3}},
		{"k = 3 with ties below", []int{4, 1, 1, 1}, nil, 3, 1, false, false, []uint32{0, 2, 3}},
		{"exactly k eligible", []int{0, 7, 0, 1}, nil, 2, 1, false, false, []uint32{1, 3}},
		{"learning without a table ignores boost", []int{2, 3, 2, 1}, []uint16{8192, 4096, 4096, 16384}, 2, 1, true, false, []uint32{1, 2}},
		// Scores 2·8192, 3·4096, 2·4096, 1·16384 = 16384, 12288, 8192, 16384.
		{"boosted scores, tie of 16384", []int{2, 3, 2, 1}, []uint16{8192, 4096, 4096, 16384}, 2, 1, true, true, []uint32{0, 3}},
		{"table but not learning: overlaps", []int{2, 3, 2, 1}, []uint16{8192, 4096, 4096, 16384}, 2, 1, false, true, []uint32{1, 2}},
		// 4·4096 = 2·8192 = 1·16384 = 8·2048: all 16384 → indices 3, 2.
		{"boosted all equal", []int{4, 2, 1, 8}, []uint16{4096, 8192, 16384, 2048}, 2, 1, true, true, []uint32{2, 3}},
		// Scores 0, 4096, 0, 0: column 1, then 0-score tie → 3.
		{"boosted zero scores eligible", []int{0, 1, 0, 0}, rep[uint16](4096, 4), 2, 0, true, true, []uint32{1, 3}},
		{"boosted fewer than k", []int{0, 0, 3, 0}, rep[uint16](4096, 4), 2, 1, true, true, []uint32{2}},
		// 524280, 524272, 458745, 65535 → k = 1 → column 0.
		{"large boosts", []int{8, 8, 7, 1}, []uint16{65535, 65534, 65535, 65535}, 1, 1, true, true, []uint32{0}},
		// Boost 0 makes a score 0 but the column stays eligible: 0, 0, 3·4096, 0.
		{"zero boost", []int{5, 5, 3, 0}, []uint16{0, 0, 4096, 4096}, 2, 1, true, true, []uint32{1, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			p.NumActive, p.StimulusThreshold = tc.k, tc.stim
			if tc.table {
				p.BoostTable = table
			}
			boost := tc.boost
			if boost == nil || !tc.table {
				boost = rep[uint16](4096, 4)
			}
			s := newWith(t, p, fullState(0, overlapPerms(tc.ov), rep[uint16](0, 4), rep[uint16](0, 4), boost, 0))
			if !tc.table && tc.boost != nil {
				// Without a table SetState refuses factors other than 1.0;
				// plant them to show that inhibition ignores them.
				copy(s.boost, tc.boost)
			}
			active, err := s.Compute(allInputs, tc.learn)
			require.NoError(t, err)
			assert.Equal(t, tc.active, append([]uint32{}, active...))
		})
	}
}

// SPEC 5.5 step 1 (adapt, saturating at 0 and P, then trim) and step 2 on a
// first step (period = min(1, dutyCyclePeriod) = 1: the duty cycle is v).
func TestAdapt(t *testing.T) {
	start := []uint16{15, 14, 13, 4, 1, 0, 8, 7}
	cases := []struct {
		name   string
		input  []uint32
		trim   uint16
		perm   []uint16
		od, ad uint16
	}{
		// Inputs 0..3 active (+3): 15 (18 saturated), 15 (17), 15 (16), 7;
		// inactive (−2): 1 → 0 (saturated), 0 → 0, 8 → 6, 7 → 5.
		// Overlap 3 (inputs 0, 1, 2 connected): active, both duties 0xFFFF.
		{"saturation", []uint32{0, 1, 2, 3}, 0, []uint16{15, 15, 15, 7, 0, 0, 6, 5}, 0xFFFF, 0xFFFF},
		// Then trim 6: 5 → 0; 6 stays (not below 6).
		{"trim 6", []uint32{0, 1, 2, 3}, 6, []uint16{15, 15, 15, 7, 0, 0, 6, 0}, 0xFFFF, 0xFFFF},
		// Trim at P: everything below 15 goes.
		{"trim P", []uint32{0, 1, 2, 3}, 15, []uint16{15, 15, 15, 0, 0, 0, 0, 0}, 0xFFFF, 0xFFFF},
		// Inputs 3 and 4 are not connected: overlap 0, not eligible, not
		// active: nothing adapts, duties stay 0.
		{"inactive column", []uint32{3, 4}, 6, start, 0, 0},
		// Input 6 (perm 8) connected and active: +3 → 11; the others −2.
		{"single input", []uint32{6}, 0, []uint16{13, 12, 11, 2, 0, 0, 11, 5}, 0xFFFF, 0xFFFF},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			p.NumColumns, p.NumActive, p.SynPermTrimThreshold = 1, 1, tc.trim
			s := newWith(t, p, fullState(0, [][]uint16{start}, []uint16{0}, []uint16{0}, []uint16{4096}, 0))
			_, err := s.Compute(tc.input, true)
			require.NoError(t, err)
			want := fullState(1, [][]uint16{tc.perm}, []uint16{tc.od}, []uint16{tc.ad}, []uint16{4096}, 0)
			assert.Equal(t, want, s.State())
		})
	}
}

// SPEC 5.5 step 1, raise to threshold: if fewer than t connected, add
// conn − p_t (p_t = t-th largest) to every permanence, saturating at P.
// Called directly: after adaptation it cannot trigger, because an active
// column had ≥ t connected active synapses and those only grew.
func TestRaiseToThreshold(t *testing.T) {
	cases := []struct {
		t          int
		perm, want []uint16
	}{
		{2, []uint16{7, 3, 9, 0}, []uint16{8, 4, 10, 1}},      // sorted 0 3 7 9, p_t = 7, +1
		{3, []uint16{15, 2, 5, 0}, []uint16{15, 8, 11, 6}},    // p_t = 2, +6, 21 → 15
		{2, []uint16{5, 5, 5, 0}, []uint16{8, 8, 8, 3}},       // p_t = 5 (tie), +3
		{2, []uint16{8, 9, 0, 0}, []uint16{8, 9, 0, 0}},       // 2 connected: unchanged
		{0, []uint16{0, 0, 0, 0}, []uint16{0, 0, 0, 0}},       // t = 0: never
		{4, []uint16{0, 0, 0, 0}, []uint16{8, 8, 8, 8}},       // p_t = 0, +8
		{1, []uint16{7, 0, 0, 0}, []uint16{8, 1, 1, 1}},       // p_t = 7, +1
		{3, []uint16{14, 1, 1, 13}, []uint16{15, 8, 8, 15}},   // 2 connected, p_t = 1, +7
		{1, []uint16{8, 0, 0, 0}, []uint16{8, 0, 0, 0}},       // already 1 connected
		{4, []uint16{15, 15, 15, 7}, []uint16{15, 15, 15, 8}}, // p_t = 7, +1, 16 → 15
	}
	for _, tc := range cases {
		p := base()
		p.NumInputs, p.NumColumns, p.NumActive, p.PotentialRadius, p.StimulusThreshold = 4, 1, 1, 4, tc.t
		s, err := New(p)
		require.NoError(t, err)
		st := s.State()
		require.Equal(t, 4, st.Stride)
		st.Perm = slices.Clone(tc.perm)
		require.NoError(t, s.SetState(st))
		s.raiseToThreshold(0)
		assert.Equal(t, tc.want, s.State().Perm, "t=%d perm %v", tc.t, tc.perm)
	}
}

// SPEC 5.5 step 2: period = min(iteration, dutyCyclePeriod) with iteration
// already counting this step; duty ← ⌊(duty·(period−1) + v)/period⌋.
func TestDutyCycleStep(t *testing.T) {
	cases := []struct {
		iter0  uint64 // iteration before the step
		period uint32 // dutyCyclePeriod
		old    uint16
		active bool
		want   uint16
	}{
		{0, 1000, 12345, true, 0xFFFF}, // period min(1, 1000) = 1: duty = v
		{0, 1000, 12345, false, 0},
		{9, 1000, 1000, false, 900},            // period 10: 9000/10
		{9, 1000, 1000, true, 7453},            // (9000+65535)/10 = 7453.5 → 7453
		{99, 10, 7, false, 6},                  // period 10: 63/10 = 6.3 → 6
		{5, 2, 1, false, 0},                    // 1/2 → 0: decays to exactly 0
		{3, 5, 3, false, 2},                    // period min(4, 5) = 4: 9/4 → 2
		{5000, 1000, 0xFFFF, true, 0xFFFF},     // active every step stays at 0xFFFF
		{100000, 65535, 0xFFFF, true, 0xFFFF},  // 65535·65534 + 65535 = 65535² fits 32 bits
		{100000, 65535, 0xFFFF, false, 0xFFFE}, // 65535·65534/65535
		{1, 1, 40000, false, 0},                // dutyCyclePeriod 1: duty = v
		{1, 3, 40000, true, 52767},             // period 2: (40000+65535)/2 = 52767.5
		// The iteration wraps to 0, which counts 2^64 steps: period
		// dutyCyclePeriod, not a division by 0.
		{math.MaxUint64, 1000, 1000, false, 999},
		{math.MaxUint64, 1, 40000, true, 0xFFFF},
	}
	for _, tc := range cases {
		p := base()
		p.NumColumns, p.NumActive, p.DutyCyclePeriod = 1, 1, tc.period
		all15 := [][]uint16{rep[uint16](15, 8)}
		s := newWith(t, p, fullState(tc.iter0, all15, []uint16{tc.old}, []uint16{tc.old}, []uint16{4096}, 0))
		input := []uint32{}
		wantPerm := all15
		if tc.active {
			// Input 0 active: overlap 1, the column is active; input 0 stays
			// at 15 (saturated), the 7 others lose 2.
			input = []uint32{0}
			wantPerm = [][]uint16{{15, 13, 13, 13, 13, 13, 13, 13}}
		}
		_, err := s.Compute(input, true)
		require.NoError(t, err)
		want := fullState(tc.iter0+1, wantPerm, []uint16{tc.want}, []uint16{tc.want}, []uint16{4096}, 0)
		assert.Equal(t, want, s.State(), "%+v", tc)
	}
}

type spStep struct {
	input  []uint32
	active []uint32
	want   State
}

func runSteps(t *testing.T, s *SpatialPooler, steps []spStep) {
	t.Helper()
	for i, st := range steps {
		active, err := s.Compute(st.input, true)
		require.NoError(t, err)
		assert.Equal(t, st.active, append([]uint32{}, active...), "step %d active", i+1)
		assert.Equal(t, st.want, s.State(), "step %d state", i+1)
	}
}

// SPEC 5.5 steps 1–2 over five steps with dutyCyclePeriod 3: two columns,
// column 0 connected (15) on inputs 0..3, column 1 on inputs 4..7, k = 1.
func TestDutyCycleSequence(t *testing.T) {
	p := base()
	p.NumColumns, p.NumActive, p.DutyCyclePeriod = 2, 1, 3
	c0 := []uint16{15, 15, 15, 15, 0, 0, 0, 0}
	c1 := []uint16{0, 0, 0, 0, 15, 15, 15, 15}
	b := []uint16{4096, 4096}
	s := newWith(t, p, fullState(0, [][]uint16{c0, c1}, []uint16{0, 0}, []uint16{0, 0}, b, 0))
	runSteps(t, s, []spStep{
		// 1: overlaps 2, 0 → {0}; col 0 inputs 0,1 → 15, 2,3 → 13. Period 1.
		{[]uint32{0, 1}, []uint32{0}, fullState(1,
			[][]uint16{{15, 15, 13, 13, 0, 0, 0, 0}, c1},
			[]uint16{65535, 0}, []uint16{65535, 0}, b, 0)},
		// 2: overlaps 0, 1 → {1}; col 1 input 4 → 15, 5..7 → 13. Period 2:
		// 65535/2 = 32767 (toward zero) for all four.
		{[]uint32{4}, []uint32{1}, fullState(2,
			[][]uint16{{15, 15, 13, 13, 0, 0, 0, 0}, {0, 0, 0, 0, 15, 13, 13, 13}},
			[]uint16{32767, 32767}, []uint16{32767, 32767}, b, 0)},
		// 3: nothing active. Period 3: 32767·2/3 = 21844.67 → 21844.
		{[]uint32{}, []uint32{}, fullState(3,
			[][]uint16{{15, 15, 13, 13, 0, 0, 0, 0}, {0, 0, 0, 0, 15, 13, 13, 13}},
			[]uint16{21844, 21844}, []uint16{21844, 21844}, b, 0)},
		// 4: overlaps 1, 1, tie → column 1; col 1: input 0 (active) 0 → 3,
		// input 4 → 15, 5..7 → 11. Period 3: overlap (43688+65535)/3 = 36407
		// both; active col 0 43688/3 = 14562.
		{[]uint32{0, 4}, []uint32{1}, fullState(4,
			[][]uint16{{15, 15, 13, 13, 0, 0, 0, 0}, {3, 0, 0, 0, 15, 11, 11, 11}},
			[]uint16{36407, 36407}, []uint16{14562, 36407}, b, 0)},
		// 5: overlaps 1, 0 → {0}; col 0: 15, 13, 11, 11. Overlap col 0
		// (72814+65535)/3 = 46116, col 1 72814/3 = 24271; active col 0
		// (29124+65535)/3 = 31553, col 1 24271.
		{[]uint32{0}, []uint32{0}, fullState(5,
			[][]uint16{{15, 13, 11, 11, 0, 0, 0, 0}, {3, 0, 0, 0, 15, 11, 11, 11}},
			[]uint16{46116, 24271}, []uint16{31553, 24271}, b, 0)},
	})
}

// SPEC 5.5 steps 3 and 5: minOverlap is recomputed when iteration mod
// updatePeriod = 0, after the bump of the same step; bump adds
// synPermBelowStimulusInc (saturating) to weak columns, then trims.
func TestMinDutyCycleAndBump(t *testing.T) {
	p := base()
	p.NumColumns, p.NumActive = 2, 1
	p.UpdatePeriod, p.MinPctOverlapDutyCycles = 2, 32768 // 0.5
	p.SynPermTrimThreshold = 2
	b := []uint16{4096, 4096}
	c1 := []uint16{0, 1, 1, 1, 14, 14, 14, 14} // never overlaps input 0
	s := newWith(t, p, fullState(0, [][]uint16{{15, 15, 15, 15, 1, 1, 1, 1}, c1}, []uint16{0, 0}, []uint16{0, 0}, b, 0))
	in := []uint32{0}
	runSteps(t, s, []spStep{
		// 1: col 0 active: 15, 13×3, 1 → 0 ×4. minOverlap 0: no bump.
		{in, []uint32{0}, fullState(1, [][]uint16{{15, 13, 13, 13, 0, 0, 0, 0}, c1},
			[]uint16{65535, 0}, []uint16{65535, 0}, b, 0)},
		// 2: col 0: 15, 11×3. Bump sees minOverlap 0 (nothing); then
		// 2 mod 2 = 0: minOverlap = (65535·32768) >> 16 = 32767.
		{in, []uint32{0}, fullState(2, [][]uint16{{15, 11, 11, 11, 0, 0, 0, 0}, c1},
			[]uint16{65535, 0}, []uint16{65535, 0}, b, 32767)},
		// 3: col 0: 15, 9×3. Col 1 overlapDuty 0 < 32767: +1 → 1, 2, 2, 2,
		// 15×4, then trim < 2: 0, 2, 2, 2, 15×4. Col 0 (65535) is not weak.
		{in, []uint32{0}, fullState(3, [][]uint16{{15, 9, 9, 9, 0, 0, 0, 0}, {0, 2, 2, 2, 15, 15, 15, 15}},
			[]uint16{65535, 0}, []uint16{65535, 0}, b, 32767)},
		// 4: col 0: 15, 7×3. Col 1 bumped again: 0→1→0 (trim), 3, 15 (saturated).
		// 4 mod 2 = 0: minOverlap recomputed, still 32767.
		{in, []uint32{0}, fullState(4, [][]uint16{{15, 7, 7, 7, 0, 0, 0, 0}, {0, 3, 3, 3, 15, 15, 15, 15}},
			[]uint16{65535, 0}, []uint16{65535, 0}, b, 32767)},
	})

	// minPctOverlapDutyCycles 0.25 of 50000: (50000·16384) >> 16 = 12500;
	// of 65535: 16383.75 → 16383. The maximum is over columns.
	for _, tc := range []struct {
		pct  uint32
		od   []uint16
		want uint16
	}{
		{16384, []uint16{50000, 3}, 12500},
		{16384, []uint16{7, 65535}, 16383},
		{65536, []uint16{1234, 4321}, 4321},
		{1, []uint16{65535, 0}, 0},
	} {
		p := base()
		p.NumColumns, p.NumActive, p.MinPctOverlapDutyCycles = 2, 1, tc.pct
		s, err := New(p)
		require.NoError(t, err)
		copy(s.overlapDuty, tc.od)
		s.updateMinDutyCycle()
		assert.Equal(t, tc.want, s.minOverlap, "pct %d od %v", tc.pct, tc.od)
	}
}

// SPEC 5.5 step 4 and 5.7: boost[c] = boostTable[activeDuty >> 6] after the
// duty cycles are updated; without a table, boosts are untouched.
func TestBoostLookup(t *testing.T) {
	table := make([]uint16, BoostTableSize)
	for i := range table {
		table[i] = uint16(1000 + i)
	}
	cases := []struct {
		old    uint16
		active bool
		duty   uint16 // (old + v)/2 with period 2
		boost  uint16
	}{
		{127, false, 63, 1000},      // 63 >> 6 = 0
		{128, false, 64, 1001},      // 64 >> 6 = 1
		{129, false, 64, 1001},      // 64.5 → 64
		{65535, false, 32767, 1511}, // 32767 >> 6 = 511
		{0, true, 32767, 1511},
		{1, true, 32768, 1512},     // 32768 >> 6 = 512
		{65535, true, 65535, 2023}, // 1023
	}
	for _, tc := range cases {
		for _, withTable := range []bool{true, false} {
			p := base()
			p.NumColumns, p.NumActive, p.DutyCyclePeriod = 1, 1, 2
			if withTable {
				p.BoostTable = table
			}
			all15 := [][]uint16{rep[uint16](15, 8)}
			// Iteration 5 → 6: period min(6, 2) = 2.
			s := newWith(t, p, fullState(5, all15, []uint16{tc.old}, []uint16{tc.old}, []uint16{4096}, 0))
			input, wantPerm := []uint32{}, all15
			if tc.active {
				input, wantPerm = []uint32{0}, [][]uint16{{15, 13, 13, 13, 13, 13, 13, 13}}
			}
			_, err := s.Compute(input, true)
			require.NoError(t, err)
			boost := uint16(4096)
			if withTable {
				boost = tc.boost
			}
			want := fullState(6, wantPerm, []uint16{tc.duty}, []uint16{tc.duty}, []uint16{boost}, 0)
			assert.Equal(t, want, s.State(), "%+v table %v", tc, withTable)
		}
	}
}

// SPEC 5.5 "Only with learn" and "iteration is incremented at the start of
// every Compute, learning or not": without learning only iteration changes.
func TestNoLearning(t *testing.T) {
	p := seed42(8, 200, 2, 0)
	p.BoostTable = rep[uint16](5000, BoostTableSize)
	p.UpdatePeriod = 1
	p.MinPctOverlapDutyCycles = 65536
	s, err := New(p)
	require.NoError(t, err)
	before := s.State()
	for i, in := range [][]uint32{{2, 3}, {}, {0, 1, 2, 3, 4, 5, 6, 7}, {5}} {
		_, err := s.Compute(in, false)
		require.NoError(t, err)
		before.Iteration = uint64(i + 1)
		assert.Equal(t, before, s.State())
	}
}

func TestComputeRejectsBadInput(t *testing.T) {
	s, err := New(base())
	require.NoError(t, err)
	for _, in := range [][]uint32{{8}, {3, 3}, {4, 2}} {
		_, err := s.Compute(in, true)
		assert.Error(t, err, "%v", in)
	}
	assert.Equal(t, uint64(0), s.State().Iteration, "a refused input does not count as a step")
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*Params)
		msg  string
	}{
		{"no inputs", func(p *Params) { p.NumInputs = 0 }, "numInputs"},
		{"no columns", func(p *Params) { p.NumColumns = 0 }, "numColumns"},
		{"3 bits", func(p *Params) { p.PermBits = 3 }, "permanence width"},
		{"17 bits", func(p *Params) { p.PermBits = 17 }, "permanence width"},
		{"negative radius", func(p *Params) { p.PotentialRadius = -1 }, "potentialRadius"},
		{"potentialPct 0", func(p *Params) { p.PotentialPct = 0 }, "potentialPct"},
		{"potentialPct > 1", func(p *Params) { p.PotentialPct = 1<<16 + 1 }, "potentialPct"},
		{"k = 0", func(p *Params) { p.NumActive = 0 }, "active columns"},
		{"k > C", func(p *Params) { p.NumActive = 5 }, "active columns"},
		{"negative stimulus", func(p *Params) { p.StimulusThreshold = -1 }, "stimulusThreshold"},
		{"connected 0", func(p *Params) { p.SynPermConnected = 0 }, "synPermConnected"},
		{"connected > P", func(p *Params) { p.SynPermConnected = 16 }, "synPermConnected"},
		{"active inc > P", func(p *Params) { p.SynPermActiveInc = 16 }, "permanence step"},
		{"inactive dec > P", func(p *Params) { p.SynPermInactiveDec = 16 }, "permanence step"},
		{"below stimulus inc > P", func(p *Params) { p.SynPermBelowStimulusInc = 16 }, "permanence step"},
		{"trim > P", func(p *Params) { p.SynPermTrimThreshold = 16 }, "permanence step"},
		{"minPct > 1", func(p *Params) { p.MinPctOverlapDutyCycles = 1<<16 + 1 }, "minPctOverlapDutyCycles"},
		{"duty period 0", func(p *Params) { p.DutyCyclePeriod = 0 }, "dutyCyclePeriod"},
		{"duty period 65536", func(p *Params) { p.DutyCyclePeriod = 65536 }, "dutyCyclePeriod"},
		{"update period 0", func(p *Params) { p.UpdatePeriod = 0 }, "updatePeriod"},
		{"short boost table", func(p *Params) { p.BoostTable = make([]uint16, 1023) }, "boost table"},
		// Pools have 8 synapses: a threshold of 9 can never be met.
		{"stimulus above the pool", func(p *Params) { p.StimulusThreshold = 9 }, "smallest potential pool"},
		// No wrap, r = 1: column 0 (centre 1) has hood 0..2 and, at 0.5, a
		// pool of ⌊1.5 + ½⌋ = 2; column 3 (centre 7) hood 6..7, pool 1.
		{"stimulus above the smallest pool", func(p *Params) {
			p.WrapAround, p.PotentialRadius, p.PotentialPct, p.StimulusThreshold = false, 1, 32768, 2
		}, "smallest potential pool (1 inputs)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			tc.mod(&p)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
			_, err = New(p)
			assert.Error(t, err)
		})
	}
	// Edges that are valid.
	for _, mod := range []func(*Params){
		func(p *Params) { p.PermBits = 16; p.SynPermConnected = 65535 },
		func(p *Params) { p.StimulusThreshold = 8 },
		func(p *Params) { p.NumActive = 4 },
		func(p *Params) { p.BoostTable = make([]uint16, BoostTableSize) },
		func(p *Params) { p.DutyCyclePeriod = 65535; p.MinPctOverlapDutyCycles = 1 << 16 },
		func(p *Params) { p.SynPermTrimThreshold = 15; p.SynPermActiveInc = 15 },
	} {
		p := base()
		mod(&p)
		assert.NoError(t, p.Validate())
	}
}

// SPEC 9: a loader refuses state that breaks the invariants of section 5.1.
func TestSetStateRejects(t *testing.T) {
	p := base()
	p.StimulusThreshold = 2
	good := fullState(0, overlapPerms([]int{1, 2, 3, 4}), rep[uint16](0, 4), rep[uint16](0, 4), rep[uint16](4096, 4), 0)
	cases := []struct {
		name string
		mod  func(*State)
	}{
		{"stride", func(st *State) { st.Stride = 7 }},
		{"poolLen length", func(st *State) { st.PoolLen = st.PoolLen[:3] }},
		{"overlapDuty length", func(st *State) { st.OverlapDuty = append(st.OverlapDuty, 0) }},
		{"activeDuty length", func(st *State) { st.ActiveDuty = nil }},
		{"boost length", func(st *State) { st.Boost = st.Boost[:1] }},
		{"poolInput length", func(st *State) { st.PoolInput = st.PoolInput[:31] }},
		{"perm length", func(st *State) { st.Perm = append(st.Perm, 0) }},
		{"poolLen above stride", func(st *State) { st.PoolLen[2] = 9 }},
		{"input out of range", func(st *State) { st.PoolInput[7] = 8 }},
		{"inputs not ascending", func(st *State) { st.PoolInput[8+3] = 2 }},
		{"inputs repeated", func(st *State) { st.PoolInput[8+3] = 4; st.PoolInput[8+4] = 4 }},
		{"perm above P", func(st *State) { st.Perm[5] = 16 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newWith(t, p, good)
			st := s.State()
			tc.mod(&st)
			assert.Error(t, s.SetState(st))
			assert.Equal(t, good, s.State(), "a refused state leaves the pooler unchanged")
		})
	}
}

// SPEC 9: save → load → continue equals never stopping.
func TestStateRoundTrip(t *testing.T) {
	p := Params{
		NumInputs: 40, NumColumns: 24, PotentialRadius: 6, PotentialPct: 45875, WrapAround: true,
		NumActive: 4, StimulusThreshold: 1, PermBits: 8, SynPermConnected: 51, SynPermActiveInc: 12,
		SynPermInactiveDec: 5, SynPermBelowStimulusInc: 5, SynPermTrimThreshold: 6,
		MinPctOverlapDutyCycles: 655, DutyCyclePeriod: 20, UpdatePeriod: 5, Seed: 3,
	}
	p.BoostTable = make([]uint16, BoostTableSize)
	for i := range p.BoostTable {
		p.BoostTable[i] = uint16(8192 - 4*i)
	}
	inputs := func(step int) []uint32 {
		var in []uint32
		for i := 0; i < 40; i++ {
			if (i*7+step*3)%10 < 2 {
				in = append(in, uint32(i))
			}
		}
		return in
	}
	a, err := New(p)
	require.NoError(t, err)
	for step := 0; step < 30; step++ {
		_, err := a.Compute(inputs(step), step%4 != 3)
		require.NoError(t, err)
	}
	b, err := New(p)
	require.NoError(t, err)
	require.NoError(t, b.SetState(a.State()))
	for step := 30; step < 60; step++ {
		ra, err := a.Compute(inputs(step), step%4 != 3)
		require.NoError(t, err)
		rb, err := b.Compute(inputs(step), step%4 != 3)
		require.NoError(t, err)
		require.Equal(t, ra, rb, "step %d", step)
		require.Equal(t, a.State(), b.State(), "step %d", step)
	}
}

// SPEC 5.1: poolLen is 16 bits wide, so a pool of 2^16 synapses cannot be
// represented. Validate accepts numInputs up to MaxInputs = 2^16; with
// wrap-around, 2r+1 ≥ N and potentialPct 1 the pool is all 65536 inputs
// (need = (65536·65536 + 32768) >> 16 = 65536). Such a model must be
// refused; the pooler must not silently hold a pool of 0 synapses.
func TestPoolLenFits16Bits(t *testing.T) {
	p := Params{
		NumInputs: 1 << 16, NumColumns: 1, PotentialRadius: 1 << 15, PotentialPct: 1 << 16, WrapAround: true,
		NumActive: 1, PermBits: 8, SynPermConnected: 1, DutyCyclePeriod: 10, UpdatePeriod: 10, Seed: 1,
	}
	_, err := New(p)
	assert.Error(t, err, "SPEC MISMATCH 5.1: New accepts a pool of 65536 synapses; the 16-bit poolLen then holds uint16(65536) = 0")
	// One input fewer fits: 65535 synapses.
	p.NumInputs = 1<<16 - 1
	s, err := New(p)
	require.NoError(t, err)
	assert.Equal(t, uint16(65535), s.State().PoolLen[0])
}

// TestDutyDiv checks updateDutyCycles' division, x / period as a 64-bit
// product, against the division for every period up to 2,048 and the
// last ones up to dutyDivMax, at the multiples of the period (and one
// before and the last one after) over the range of x, up to the largest
// x updateDutyCycles forms, DutyOne × period.
func TestDutyDiv(t *testing.T) {
	check := func(period uint32) {
		d := dutyDivisor(period)
		for q := uint32(0); q <= DutyOne; q += 1 + q/64 {
			for _, x := range []uint32{q*period - 1, q * period, q*period + period - 1} {
				if q == 0 && x > period || x > DutyOne*period {
					continue
				}
				if got := dutyDiv(x, d); got != x/period {
					t.Fatalf("period %d: %d / period = %d, want %d", period, x, got, x/period)
				}
			}
		}
		if x := uint32(DutyOne) * period; dutyDiv(x, d) != DutyOne {
			t.Fatalf("period %d: %d / period = %d, want %d", period, x, dutyDiv(x, d), DutyOne)
		}
	}
	for period := uint32(2); period <= 2048; period++ {
		check(period)
	}
	for period := uint32(dutyDivMax - 300); period <= dutyDivMax; period++ {
		check(period)
	}
}
