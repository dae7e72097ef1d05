package nupic

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
)

// The bits are NuPIC's ScalarEncoder(w=21, minval=0, maxval=24,
// periodic=True, radius=9.49): n = ⌈21·24/9.49⌉ = 54, centre ⌊x·54/24⌋,
// bits centre−10 .. centre+10 modulo 54.
func TestTimeOfDay(t *testing.T) {
	e, err := NewTimeOfDay(21, 9.49)
	require.NoError(t, err)
	assert.Equal(t, 54, e.Size())
	span := func(lo, hi int) []uint32 {
		var s []uint32
		for i := lo; i <= hi; i++ {
			s = append(s, uint32(i))
		}
		return s
	}
	for _, tt := range []struct {
		at   string
		want []uint32
	}{
		{"00:00", append(span(0, 10), span(44, 53)...)}, // centre 0
		{"00:26", append(span(0, 10), span(44, 53)...)}, // 0.4333·2.25 = 0.975: still 0
		{"00:27", append(span(0, 11), span(45, 53)...)}, // 0.45·2.25 = 1.0125: 1
		{"12:00", span(17, 37)},                         // 27
		{"23:59", append(span(0, 9), span(43, 53)...)},  // ⌊53.9625⌋ = 53
		{"05:20:59", span(2, 22)},                       // seconds ignored: 5.333·2.25 = 12
	} {
		ts, err := time.Parse("15:04:05", (tt.at + ":00")[:8])
		require.NoError(t, err)
		assert.Equal(t, tt.want, e.Encode(ts, nil), tt.at)
	}
	for _, bad := range []struct {
		w int
		r float64
	}{{20, 9.49}, {0, 1}, {21, 0}, {21, 48}} {
		_, err := NewTimeOfDay(bad.w, bad.r)
		assert.Error(t, err, "w %d radius %g", bad.w, bad.r)
	}
}

func TestRound5(t *testing.T) {
	for _, tt := range []struct{ in, want float32 }{
		{0.2, 0.2}, {0.123456789, 0.12345}, {0.999999, 0.99999}, {0, 0}, {0.000009, 0},
	} {
		assert.Equal(t, tt.want, round5(tt.in), "%g", tt.in)
	}
}

func testSP(t *testing.T) *SpatialPooler {
	t.Helper()
	sp, err := NewSpatialPooler(SPParams{NumInputs: 454, NumColumns: 2048, PotentialRadius: 4096,
		PotentialPct: 0.8, GlobalInhibition: true, NumActiveColumnsPerInhArea: 40,
		SynPermInactiveDec: 0.0005, SynPermActiveInc: 0.003, SynPermConnected: 0.2,
		MinPctOverlapDutyCycles: 0.001, DutyCyclePeriod: 1000, Seed: 1956, WrapAround: true})
	require.NoError(t, err)
	return sp
}

// NAB's numenta detector's SP: every column's pool is round(454·0.8) = 363
// inputs, its permanences 0 outside the pool, trimmed below 0.0015 and at
// most 1, and every step has exactly 40 winners.
func TestSpatialPoolerNAB(t *testing.T) {
	sp := testSP(t)
	assert.Equal(t, 227, sp.mapColumn(1024)) // ⌊1024.5·454/2048⌋
	assert.Equal(t, []uint32{452, 453, 0, 1}, sp.neighborhood(452, nil)[:4])
	for _, c := range []int{0, 1000, 2047} {
		pot := sp.Potential(c)
		assert.Len(t, pot, 363)
		perm := sp.Permanences(c)
		in := map[uint32]bool{}
		for _, i := range pot {
			in[i] = true
		}
		for i, p := range perm {
			if !in[uint32(i)] {
				assert.Zero(t, p)
			}
			assert.True(t, p == 0 || (p >= 0.0015 && p <= 1), "perm %g", p)
		}
	}
	other := testSP(t)
	in := []uint32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53}
	for i := range 30 {
		in[i%len(in)] = uint32(54 + (i*37)%400)
		a, err := sp.Compute(in, true)
		require.NoError(t, err)
		assert.Len(t, a, 40)
		assert.IsIncreasing(t, a)
		b, err := other.Compute(in, true)
		require.NoError(t, err)
		assert.Equal(t, a, b, "step %d", i)
	}
	_, err := sp.Compute([]uint32{454}, true)
	assert.Error(t, err)
}

// A hand-worked update of nupic.core 0.4.10's adaptSegment. Segment
// {1: 0.05, 2: 0.5, 3: 0.3, 4: 0.25} at most 4 synapses; the update is
// {3, 9, 10}. Decrement: 1 goes (−0.05), 2 → 0.4, 4 → 0.15, compacted to
// [2 3 4], the vector's fourth entry still {4: 0.15}. Increment: 3 → 0.4.
// Two new cells make 5 > 4: one to free among the inactive indices taken
// before the decrement, 0, 1, 3, which now name {2: 0.4}, {3: 0.4} and
// the stale {4: 0.15}: the stale one is the weakest, so nothing is
// removed from the segment, but cell 4's forward synapse is erased. The
// segment ends with 5 synapses, and cell 4 no longer reaches it.
func TestAdaptSegmentNuPIC0410(t *testing.T) {
	tm, err := NewTM(TMParams{NumColumns: 4, CellsPerColumn: 4, ActivationThreshold: 1, MinThreshold: 1,
		NewSynapseCount: 4, MaxSegmentsPerCell: 2, MaxSynapsesPerSeg: 4, InitialPermanence: 0.21,
		ConnectedPermanence: 0.5, PermanenceIncrement: 0.1, PermanenceDecrement: 0.1, PermanenceMax: 1,
		PamLength: 1, Seed: 1960})
	require.NoError(t, err)
	const cell = 5
	tm.adaptSegment(&update{cell: cell, slot: -1, cells: []uint32{1, 2, 3, 4}})
	seg := &tm.cells[cell][0]
	copy(seg.perm, []float32{0.05, 0.5, 0.3, 0.25})
	tm.adaptSegment(&update{cell: cell, slot: 0, cells: []uint32{3, 9, 10}})
	src, perm := tm.Segment(cell, 0)
	assert.Equal(t, []uint32{2, 3, 4, 9, 10}, src)
	assert.Equal(t, []float32{float32(float32(0.5) - 0.1), float32(float32(0.3) + 0.1), float32(float32(0.25) - 0.1), 0.21, 0.21}, perm)
	r := segRef{cell, 0}
	for c, want := range map[uint32]int{1: 0, 2: 1, 3: 1, 4: 0, 9: 1, 10: 1} {
		n := 0
		for _, o := range tm.out[c] {
			if o == r {
				n++
			}
		}
		assert.Equal(t, want, n, "forward synapses from cell %d", c)
	}
}

func TestNewEngineRefuses(t *testing.T) {
	base, err := model.Preset("nab-numenta")
	require.NoError(t, err)
	base.ResolveResolution(0, 100)
	_, err = NewEngine(base)
	require.NoError(t, err)
	for name, edit := range map[string]func(c *model.Config){
		"htm.core RDSE":  func(c *model.Config) { c.Encoder.RDSE.Kind = model.RDSEHTMCore },
		"plain TM":       func(c *model.Config) { c.TM.Algorithm = model.TMPlain },
		"weekend field":  func(c *model.Config) { c.Encoder.Date.WeekendWidth = 21 },
		"local SP":       func(c *model.Config) { c.SP.GlobalInhibition = false },
		"2-D columns":    func(c *model.Config) { c.SP.ColumnDimensions = []int{32, 64} },
		"wrong input":    func(c *model.Config) { c.SP.InputDimensions = []int{400} },
		"SP seed 0":      func(c *model.Config) { c.SP.Seed = 0 },
		"TM seed 0":      func(c *model.Config) { c.TM.Seed = 0 },
		"unresolved res": func(c *model.Config) { c.Encoder.RDSE.Resolution, c.Encoder.RDSE.ResolutionBuckets = 0, 130 },
	} {
		c := *base
		d := *base.Encoder.Date
		c.Encoder.Date = &d
		c.SP.ColumnDimensions = []int{2048}
		edit(&c)
		_, err := NewEngine(&c)
		assert.Error(t, err, name)
	}
	_, err = NewEngine(nil)
	assert.Error(t, err)
}
