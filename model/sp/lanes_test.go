package sp

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/rng"
)

// TestDenseLanes runs poolers whose pools fill their windows twice, once in
// dense lanes and once forced to the pool slots, on the same random inputs,
// and checks that the active columns and the whole state agree at every
// step: the lanes are a layout, not a rule.
func TestDenseLanes(t *testing.T) {
	nab := Params{
		NumInputs: 454, NumColumns: 128,
		PotentialRadius: 4096, PotentialPct: 52429, WrapAround: true, // 0.8
		NumActive: 8, PermBits: 12,
		SynPermConnected: 819, SynPermActiveInc: 12, SynPermInactiveDec: 2,
		SynPermBelowStimulusInc: 409, SynPermTrimThreshold: 6,
		MinPctOverlapDutyCycles: 66, DutyCyclePeriod: 1000, UpdatePeriod: 50,
		Seed: 1,
	}
	with := func(f func(p *Params)) Params { p := nab; f(&p); return p }
	cases := []struct {
		name    string
		p       Params
		density int // active inputs in 1,000
	}{
		{"nab-like", nab, 90},
		{"trim 0", with(func(p *Params) { p.SynPermTrimThreshold = 0 }), 90},
		{"dec above trim", with(func(p *Params) { p.SynPermInactiveDec, p.SynPermTrimThreshold = 300, 100 }), 300},
		{"saturating 4 bits", with(func(p *Params) {
			p.PermBits, p.SynPermConnected, p.SynPermActiveInc, p.SynPermInactiveDec = 4, 8, 13, 3
			p.SynPermBelowStimulusInc, p.SynPermTrimThreshold = 15, 2
		}), 500},
		{"14 bits", with(func(p *Params) {
			p.PermBits, p.SynPermConnected, p.SynPermActiveInc, p.SynPermInactiveDec = 14, 8000, 16383, 16383
			p.SynPermBelowStimulusInc, p.SynPermTrimThreshold = 16000, 16383
		}), 500},
		{"bump often", with(func(p *Params) { p.MinPctOverlapDutyCycles, p.UpdatePeriod = 60000, 3 }), 20},
		{"local windows", with(func(p *Params) {
			p.PotentialRadius, p.PotentialPct, p.NumInputs, p.WrapAround = 100, 65536, 1000, false
		}), 100},
		{"no wrap", with(func(p *Params) { p.PotentialRadius, p.WrapAround = 100, false }), 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dense, err := New(tc.p)
			require.NoError(t, err)
			require.True(t, dense.dense, "the case should use dense lanes")
			slots, err := New(tc.p)
			require.NoError(t, err)
			slots.dense, slots.lanes, slots.poolBits = false, nil, nil
			g := rng.New(99)
			var in []uint32
			for step := range 300 {
				in = in[:0]
				for i := range uint32(tc.p.NumInputs) {
					if g.Below(1000) < uint32(tc.density) {
						in = append(in, i)
					}
				}
				learn := step%7 != 6
				a, err := dense.Compute(in, learn)
				require.NoError(t, err)
				b, err := slots.Compute(in, learn)
				require.NoError(t, err)
				require.Equal(t, b, a, "step %d: active columns", step)
				require.Equal(t, slots.State(), dense.State(), "step %d: state", step)
				require.Equal(t, slots.connected, dense.connected, "step %d: connected rows", step)
			}
		})
	}
}

// TestDenseLanesChoice checks when the lanes are used.
func TestDenseLanesChoice(t *testing.T) {
	p := Params{
		NumInputs: 1000, NumColumns: 64, PotentialRadius: 1000, PotentialPct: 36045, WrapAround: true, // 0.55
		NumActive: 4, PermBits: 8, SynPermConnected: 50, SynPermActiveInc: 10, SynPermInactiveDec: 2,
		DutyCyclePeriod: 1000, UpdatePeriod: 50, Seed: 1,
	}
	for _, tc := range []struct {
		f    func(p *Params)
		want bool
	}{
		{func(p *Params) {}, true},                           // 550 of 1,024 lanes
		{func(p *Params) { p.PotentialPct = 29491 }, false},  // 450 of 1,024
		{func(p *Params) { p.StimulusThreshold = 1 }, false}, // the raise rule reads whole pools
		{func(p *Params) { p.PermBits, p.SynPermConnected = 15, 5000 }, false},
		{func(p *Params) { p.PotentialRadius = 8 }, false}, // hello: 8 of 64 or 128
	} {
		q := p
		tc.f(&q)
		s, err := New(q)
		require.NoError(t, err)
		require.Equal(t, tc.want, s.dense, fmt.Sprintf("%+v", q))
	}
}

func TestTranspose4x16(t *testing.T) {
	for l := range 4 {
		for q := range 16 {
			require.Equal(t, uint64(1)<<(4*q+l), transpose4x16(1<<(16*l+q)), "lane %d word %d", l, q)
		}
	}
}

// TestBumpSkipsFullColumns checks that skipping the bump of columns whose
// pool permanences are all at the maximum changes nothing: the same
// poolers with the marks cleared before every step (so that every weak
// column is bumped) agree at every step, in slots and in lanes.
func TestBumpSkipsFullColumns(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Params
	}{
		{"slots, hello-like", Params{
			NumInputs: 400, NumColumns: 256, PotentialRadius: 8, PotentialPct: 1 << 15, WrapAround: true,
			NumActive: 5, PermBits: 8, SynPermConnected: 25, SynPermActiveInc: 13, SynPermInactiveDec: 2,
			SynPermBelowStimulusInc: 60, SynPermTrimThreshold: 6,
			MinPctOverlapDutyCycles: 655, DutyCyclePeriod: 100, UpdatePeriod: 10, Seed: 3,
		}},
		{"slots, raise rule", Params{
			NumInputs: 400, NumColumns: 256, PotentialRadius: 8, PotentialPct: 1 << 15, WrapAround: true,
			NumActive: 5, StimulusThreshold: 2, PermBits: 8, SynPermConnected: 25, SynPermActiveInc: 13,
			SynPermInactiveDec: 2, SynPermBelowStimulusInc: 60, SynPermTrimThreshold: 6,
			MinPctOverlapDutyCycles: 655, DutyCyclePeriod: 100, UpdatePeriod: 10, Seed: 3,
		}},
		{"lanes", Params{
			NumInputs: 300, NumColumns: 128, PotentialRadius: 60, PotentialPct: 1 << 16, WrapAround: false,
			NumActive: 4, PermBits: 8, SynPermConnected: 25, SynPermActiveInc: 13, SynPermInactiveDec: 2,
			SynPermBelowStimulusInc: 90, SynPermTrimThreshold: 6,
			MinPctOverlapDutyCycles: 30000, DutyCyclePeriod: 100, UpdatePeriod: 5, Seed: 3,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.p)
			require.NoError(t, err)
			b, err := New(tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.name == "lanes", a.dense)
			g := rng.New(7)
			var in []uint32
			skipped := 0
			for step := range 400 {
				in = in[:0]
				for i := range uint32(tc.p.NumInputs) {
					// Only the first half of the input is ever active, so
					// that some columns stay weak.
					if i < uint32(tc.p.NumInputs)/2 && g.Below(100) < 3 {
						in = append(in, i)
					}
				}
				b.full.Reset()
				x, err := a.Compute(in, true)
				require.NoError(t, err)
				y, err := b.Compute(in, true)
				require.NoError(t, err)
				require.Equal(t, y, x, "step %d", step)
				require.Equal(t, b.State(), a.State(), "step %d", step)
				require.Equal(t, b.connected, a.connected, "step %d", step)
				skipped += a.full.Count()
			}
			require.NotZero(t, skipped, "no column was ever full")
		})
	}
}

// TestOverlapsCounted checks every column's overlap against a count of its
// connected pool inputs that are active, made from the pool slots before
// each learning step, on poolers whose windows are one or two words (the
// two-word path) beside wider ones (wrap-around windows, the loop), with
// windows ending at the input's last word.
func TestOverlapsCounted(t *testing.T) {
	hello := Params{
		NumInputs: 1000, NumColumns: 256,
		PotentialRadius: 40, PotentialPct: 32768, WrapAround: true,
		NumActive: 10, PermBits: 8,
		SynPermConnected: 26, SynPermActiveInc: 13, SynPermInactiveDec: 2,
		SynPermBelowStimulusInc: 3, SynPermTrimThreshold: 0,
		MinPctOverlapDutyCycles: 66, DutyCyclePeriod: 1000, UpdatePeriod: 50,
		Seed: 5,
	}
	with := func(f func(p *Params)) Params { p := hello; f(&p); return p }
	for name, p := range map[string]Params{
		"wrap":            hello,
		"no wrap":         with(func(p *Params) { p.WrapAround = false }),
		"one-word inputs": with(func(p *Params) { p.NumInputs, p.PotentialRadius = 64, 10 }),
		"128 inputs":      with(func(p *Params) { p.NumInputs, p.PotentialRadius, p.WrapAround = 128, 20, false }),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(p)
			require.NoError(t, err)
			require.False(t, s.dense)
			short := 0
			for c := range s.colN {
				if s.colN[c] <= 2 {
					short++
				}
			}
			require.NotZero(t, short, "no window of one or two words")
			g := rng.New(3)
			want := make([]uint32, p.NumColumns)
			var in []uint32
			for step := range 200 {
				in = in[:0]
				for i := uint32(0); i < uint32(p.NumInputs); i++ {
					if g.Below(10) == 0 {
						in = append(in, i)
					}
				}
				for c := range want {
					want[c] = 0
					pool, perm := s.pool(c)
					for j, i := range pool {
						if perm[j] >= p.SynPermConnected && slices.Contains(in, i) {
							want[c]++
						}
					}
				}
				_, err := s.Compute(in, true)
				require.NoError(t, err)
				require.Equal(t, want, s.overlaps, "step %d", step)
			}
		})
	}
}

// TestInhibitHistogram checks inhibit's histogram path against sorting the
// eligible columns by (overlap, index), descending, and taking the first
// k, on random overlaps (many ties, a few up to NumInputs) for several k
// and stimulus thresholds, called repeatedly on one pooler (its counts
// must be clear between calls).
func TestInhibitHistogram(t *testing.T) {
	p := Params{
		NumInputs: 200, NumColumns: 300,
		PotentialRadius: 10, PotentialPct: 32768, WrapAround: true,
		NumActive: 1, PermBits: 8,
		SynPermConnected: 26, SynPermActiveInc: 13, SynPermInactiveDec: 2,
		SynPermBelowStimulusInc: 3,
		MinPctOverlapDutyCycles: 66, DutyCyclePeriod: 1000, UpdatePeriod: 50,
		Seed: 5,
	}
	s, err := New(p)
	require.NoError(t, err)
	g := rng.New(8)
	for round := range 400 {
		s.p.NumActive = 1 + int(g.Below(40))
		s.p.StimulusThreshold = int(g.Below(4))
		if round%5 == 0 {
			s.p.NumActive = 1 + int(g.Below(300)) // often more than are eligible
		}
		top := 1 + g.Below(12)
		for c := range s.overlaps {
			s.overlaps[c] = g.Below(top)
			if g.Below(50) == 0 {
				s.overlaps[c] = g.Below(uint32(p.NumInputs) + 1)
			}
		}
		var want []uint32
		for c, o := range s.overlaps {
			if o >= uint32(s.p.StimulusThreshold) {
				want = append(want, uint32(c))
			}
		}
		slices.SortFunc(want, func(a, b uint32) int {
			if s.overlaps[a] != s.overlaps[b] {
				return int(s.overlaps[b]) - int(s.overlaps[a])
			}
			return int(b) - int(a)
		})
		want = want[:min(len(want), s.p.NumActive)]
		slices.Sort(want)
		s.inhibit(false)
		require.Equal(t, fmt.Sprint(want), fmt.Sprint(s.active), "round %d", round)
	}
}
