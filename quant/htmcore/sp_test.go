package htmcore

import (
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func smallSP(t testing.TB, mod func(*SPParams)) *SpatialPooler {
	t.Helper()
	p := DefaultSPParams([]uint32{100}, []uint32{100})
	p.PotentialRadius = 3
	p.PotentialPct = 1
	p.LocalAreaDensity = 0.1
	mod(&p)
	sp, err := NewSpatialPooler(p)
	require.NoError(t, err)
	return sp
}

// The initial potential pools and permanences, drawn by hand in
// htm.core's order: per column, the sample's shuffle of the neighbourhood,
// then per pool input in index order a coin (≤ 0.5: connected) and a
// realRange.
func TestSPInitialisation(t *testing.T) {
	for _, wrap := range []bool{true, false} {
		for _, pct := range []float32{1, 0.5} {
			sp := smallSP(t, func(p *SPParams) { p.WrapAround = wrap; p.PotentialPct = pct; p.Seed = 5 })
			rng := NewRandom(5)
			conn := float32(0.1)
			for col := uint32(0); col < 100; col++ {
				hood := Neighborhood(col, 3, []uint32{100}, wrap, false)
				n := int(math.Round(float64(float32(len(hood)) * pct)))
				pool := Sample(rng, hood, n)
				slices.Sort(pool)
				require.Equal(t, pool, sp.Potential(col), "column %d", col)
				perm := sp.Permanences(col)
				for _, in := range pool {
					var want float32
					if rng.GetReal64() <= 0.5 {
						want = conn + float32(float64(1-conn)*rng.GetReal64())
					} else {
						want = 0 + float32(float64(conn-0)*rng.GetReal64())
					}
					require.Equal(t, want, perm[in], "column %d input %d", col, in)
				}
			}
		}
	}
	// The pools themselves, with potentialPct 1.
	sp := smallSP(t, func(p *SPParams) { p.WrapAround = true })
	require.Equal(t, []uint32{0, 1, 2, 3, 97, 98, 99}, sp.Potential(0))
	sp = smallSP(t, func(p *SPParams) { p.WrapAround = false })
	require.Equal(t, []uint32{0, 1, 2, 3}, sp.Potential(0))
	require.Equal(t, []uint32{96, 97, 98, 99}, sp.Potential(99))
	// potentialPct 0.5 of 7 inputs: roundf(3.5) = 4.
	sp = smallSP(t, func(p *SPParams) { p.PotentialPct = 0.5 })
	require.Len(t, sp.Potential(50), 4)
	// More columns than inputs: the centre is floor((c + 0.5) · in/cols).
	p := DefaultSPParams([]uint32{10}, []uint32{40})
	p.PotentialRadius = 0
	p.PotentialPct = 1
	sp, err := NewSpatialPooler(p)
	require.NoError(t, err)
	for c := uint32(0); c < 40; c++ {
		require.Equal(t, []uint32{uint32(math.Floor((float64(c) + 0.5) * 0.25))}, sp.Potential(c))
	}
}

// Ties go to the higher column index; stimulusThreshold drops the columns
// below it.
func TestSPInhibitionTies(t *testing.T) {
	sp := smallSP(t, func(p *SPParams) {})
	require.Equal(t, []uint32{90, 91, 92, 93, 94, 95, 96, 97, 98, 99}, sp.Compute(nil, true))
	sp = smallSP(t, func(p *SPParams) { p.StimulusThreshold = 1 })
	require.Empty(t, sp.Compute(nil, true))

	// numActiveColumnsPerInhArea instead of localAreaDensity.
	sp = smallSP(t, func(p *SPParams) { p.LocalAreaDensity = 0; p.NumActiveColumnsPerInhArea = 7 })
	require.Equal(t, []uint32{93, 94, 95, 96, 97, 98, 99}, sp.Compute(nil, false))
}

func randomInput(rng *Random, n, k uint32) []uint32 {
	all := make([]uint32, n)
	for i := range all {
		all[i] = uint32(i)
	}
	in := Sample(rng, all, int(k))
	slices.Sort(in)
	return in
}

func TestSPStimulusThreshold(t *testing.T) {
	const threshold = 4
	mk := func() *SpatialPooler {
		return smallSP(t, func(p *SPParams) {
			p.PotentialRadius = 10
			p.PotentialPct = 0.6
			p.StimulusThreshold = threshold
			p.WrapAround = false
		})
	}
	sp, twin := mk(), mk()
	for _, n := range sp.ConnectedCounts() {
		require.GreaterOrEqual(t, n, uint16(threshold), "raised at initialisation")
	}
	rng := NewRandom(11)
	for step := 0; step < 300; step++ {
		in := randomInput(rng, 100, 15)
		active := sp.Compute(in, true)
		require.Equal(t, active, twin.Compute(in, true), "deterministic")
		require.LessOrEqual(t, len(active), 10)
		ov := sp.Overlaps()
		for _, c := range active {
			require.GreaterOrEqual(t, ov[c], uint16(threshold))
		}
		for c, n := range ov {
			if n >= threshold && !slices.Contains(active, uint32(c)) {
				require.Len(t, active, 10, "a column above threshold loses only to a full set")
			}
		}
		counts := sp.ConnectedCounts()
		for _, c := range active {
			require.GreaterOrEqual(t, counts[c], uint16(threshold), "raised after learning")
		}
	}
	checkConnections(t, sp.Connections(), 1, 0)
}

// Duty cycles, boost factors and boosted overlaps, by hand.
func TestSPDutyCyclesAndBoosting(t *testing.T) {
	const strength = 2.5
	sp := smallSP(t, func(p *SPParams) { p.BoostStrength = strength; p.PotentialRadius = 20; p.PotentialPct = 0.7 })
	rng := NewRandom(3)
	var prevActive, prevOverlapDC []float32
	for step := 1; step <= 120; step++ {
		prevActive, prevOverlapDC = sp.ActiveDutyCycles(), sp.OverlapDutyCycles()
		boost := sp.BoostFactors()
		in := randomInput(rng, 100, 20)
		active := sp.Compute(in, true)
		ov := sp.Overlaps()
		for c, b := range sp.BoostedOverlaps() {
			require.Equal(t, float32(ov[c])*boost[c], b)
		}
		period := float32(min(1000, step))
		decay := (period - 1) / period
		for c := range prevActive {
			want := float32(prevActive[c] * decay)
			if slices.Contains(active, uint32(c)) {
				want += 1 / period
			}
			require.Equal(t, want, sp.ActiveDutyCycles()[c])
			want = float32(prevOverlapDC[c] * decay)
			if ov[c] > 0 {
				want += 1 / period
			}
			require.Equal(t, want, sp.OverlapDutyCycles()[c])
			x := (float32(0.1) - sp.ActiveDutyCycles()[c]) * strength
			require.Equal(t, Expf(x), sp.BoostFactors()[c])
		}
		if step == 1 {
			for c, d := range sp.ActiveDutyCycles() {
				require.Equal(t, map[bool]float32{true: 1, false: 0}[slices.Contains(active, uint32(c))], d)
			}
		}
	}
	boosted := 0
	for _, b := range sp.BoostFactors() {
		if b != 1 {
			boosted++
		}
	}
	require.Positive(t, boosted)
}

// Weak columns (overlap duty cycle below the minimum, updated every
// updatePeriod steps from the greatest overlap duty cycle) have all their
// permanences raised by synPermConnected/10.
func TestSPBumpUpWeakColumns(t *testing.T) {
	sp := smallSP(t, func(p *SPParams) {
		p.UpdatePeriod = 5
		p.MinPctOverlapDutyCycles = 0.9
		p.PotentialRadius = 2
		p.WrapAround = false
	})
	rng := NewRandom(8)
	bumped := 0
	inc := float32(0.1) / 10
	for step := 1; step <= 40; step++ {
		before := make([][]float32, 100)
		for c := range before {
			before[c] = sp.Permanences(uint32(c))
		}
		minDC := sp.MinOverlapDutyCycles()
		in := randomInput(rng, 50, 10) // inputs 50..99 never active
		active := sp.Compute(in, true)
		odc := sp.OverlapDutyCycles()
		for c := uint32(0); c < 100; c++ {
			if slices.Contains(active, c) {
				continue
			}
			after := sp.Permanences(c)
			weak := odc[c] < minDC[c]
			for _, in := range sp.Potential(c) {
				want := before[c][in]
				if weak {
					want = min(want+inc, 1)
				}
				require.Equal(t, want, after[in], "step %d column %d", step, c)
			}
			if weak {
				bumped++
			}
		}
		if step%5 == 0 {
			require.Equal(t, 0.9*slices.Max(odc), sp.MinOverlapDutyCycles()[0])
		}
	}
	require.Positive(t, bumped)
}

func TestSPParamErrors(t *testing.T) {
	for name, mod := range map[string]func(*SPParams){
		"both densities": func(p *SPParams) { p.NumActiveColumnsPerInhArea = 3 },
		"no density":     func(p *SPParams) { p.LocalAreaDensity = 0 },
		"tiny density":   func(p *SPParams) { p.LocalAreaDensity = 0.001 },
		"seed 0":         func(p *SPParams) { p.Seed = 0 },
		"potentialPct":   func(p *SPParams) { p.PotentialPct = 0 },
		"dims":           func(p *SPParams) { p.ColumnDimensions = []uint32{10, 10} },
	} {
		p := DefaultSPParams([]uint32{100}, []uint32{100})
		mod(&p)
		_, err := NewSpatialPooler(p)
		require.Error(t, err, name)
	}
}

// Local inhibition by hand: density 0.34 over 3 columns (radius 1) wants
// uint32(0.5 + 1.02) = 1 winner per neighbourhood, so a column wins when
// no neighbour has a greater overlap or an equal one already chosen.
func TestSPInhibitColumnsLocal(t *testing.T) {
	p := DefaultSPParams([]uint32{10}, []uint32{10})
	p.GlobalInhibition = false
	p.LocalAreaDensity = 0.34
	sp, err := NewSpatialPooler(p)
	require.NoError(t, err)
	sp.setInhibitionRadius(1)
	require.Equal(t, []uint32{1, 9}, sp.neighborMap[0])
	overlaps := []float32{1, 3, 2, 2, 0, 5, 5, 1, 0, 4}
	require.Equal(t, []uint32{1, 3, 5, 9}, sp.inhibitColumnsLocal(overlaps, 0.34))
	sp.p.StimulusThreshold = 3
	require.Equal(t, []uint32{1, 5, 9}, sp.inhibitColumnsLocal(overlaps, 0.34))

	// The initial radius: potentialRadius 16 over equal dimensions gives
	// connected spans of at most 33 without wrap-around, hence a radius of
	// at most 16; with wrap-around the pools at the edges span the whole
	// input (htm.core measures spans without wrapping), so it is larger.
	for _, wrap := range []bool{false, true} {
		p = DefaultSPParams([]uint32{200}, []uint32{200})
		p.GlobalInhibition = false
		p.WrapAround = wrap
		sp, err = NewSpatialPooler(p)
		require.NoError(t, err)
		var span float32
		for c := uint32(0); c < 200; c++ {
			span += sp.avgConnectedSpanForColumn(c)
		}
		span /= 200
		require.Equal(t, uint32(roundf(max(1, (span-1)/2))), sp.InhibitionRadius())
		if wrap {
			require.Greater(t, sp.InhibitionRadius(), uint32(16))
		} else {
			require.LessOrEqual(t, sp.InhibitionRadius(), uint32(16))
			require.GreaterOrEqual(t, sp.InhibitionRadius(), uint32(8))
		}
	}
}
