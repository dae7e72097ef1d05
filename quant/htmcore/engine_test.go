package htmcore

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
)

// Rules the reference traces do not exercise, run on real data: each
// variant must be deterministic (two engines give the same trace) and
// keep the invariants of its connections.
func TestEngineRuleVariants(t *testing.T) {
	values := readSeries(t, "speed_7578.csv")[:600]
	for _, tc := range []struct {
		name  string
		mod   func(*model.Config)
		check func(t *testing.T, e *Engine)
	}{
		{"stimulusThreshold, small radius without wrap, boosting", func(c *model.Config) {
			c.SP.StimulusThreshold = 3
			c.SP.PotentialRadius = 5
			c.SP.WrapAround = false
			c.SP.BoostStrength = 2
		}, func(t *testing.T, e *Engine) {
			sp := e.SpatialPooler()
			for col := uint32(0); col < uint32(sp.NumColumns()); col++ {
				center := uint32(float32(float32(col)+0.5) * (float32(1000) / float32(2048)))
				lo, hi := max(int(center)-5, 0), min(int(center)+5, 999)
				for _, in := range sp.Potential(col) {
					require.True(t, int(in) >= lo && int(in) <= hi, "column %d input %d", col, in)
				}
			}
			boosted := 0
			for _, b := range sp.BoostFactors() {
				if b != 1 {
					boosted++
				}
			}
			require.Positive(t, boosted)
		}},
		{"small radius with wrap, numActiveColumnsPerInhArea", func(c *model.Config) {
			c.SP.PotentialRadius = 3
			c.SP.LocalAreaDensity = 0
			c.SP.NumActiveColumnsPerInhArea = 41
		}, func(t *testing.T, e *Engine) {
			sp := e.SpatialPooler()
			wrapped := false
			for col := uint32(0); col < 10; col++ {
				center := uint32(float32(float32(col)+0.5) * (float32(1000) / float32(2048)))
				hood := Neighborhood(center, 3, []uint32{1000}, true, false)
				pool := sp.Potential(col)
				require.Len(t, pool, 4, "roundf(7 × 0.5)")
				for _, in := range pool {
					require.Contains(t, hood, in)
					wrapped = wrapped || in >= 997
				}
			}
			require.True(t, wrapped)
			require.Subset(t, []uint32{0, 1, 2, 3, 997, 998, 999}, unionPotential(sp, 0, 1, 2))
		}},
		{"local inhibition", func(c *model.Config) {
			c.SP.GlobalInhibition = false
			c.SP.BoostStrength = 1
			c.SP.StimulusThreshold = 1
		}, func(t *testing.T, e *Engine) {
			sp := e.SpatialPooler()
			r := sp.InhibitionRadius()
			t.Logf("inhibition radius %d", r)
			require.True(t, r >= 1 && r < 2048)
			require.Len(t, sp.neighborMap[100], int(2*r))
		}},
		{"predictedSegmentDecrement, segment and synapse eviction", func(c *model.Config) {
			c.TM.CellsPerColumn = 4
			c.TM.MaxSegmentsPerCell = 2
			c.TM.MaxSynapsesPerSegment = 14
			c.TM.PredictedSegmentDecrement = 0.05
		}, func(t *testing.T, e *Engine) {
			s := e.TemporalMemory().Connections().Stats()
			t.Logf("%+v", s)
			require.Positive(t, s.EvictedSegments)
			require.Positive(t, s.EvictedSynapses)
			require.Positive(t, s.PrunedSynapses)
		}},
		{"one cell per column, eviction at one segment", func(c *model.Config) {
			c.TM.CellsPerColumn = 1
			c.TM.MaxSegmentsPerCell = 1
			c.TM.MaxSynapsesPerSegment = 20
			c.TM.PredictedSegmentDecrement = 0.004
			c.TM.MinThreshold = 8
			c.TM.ActivationThreshold = 9
		}, func(t *testing.T, e *Engine) {
			s := e.TemporalMemory().Connections().Stats()
			t.Logf("%+v", s)
			require.Positive(t, s.EvictedSegments)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mk := func() *model.Config {
				cfg := traceConfig(t, "hello", values)
				tc.mod(cfg)
				return cfg
			}
			a, ea := runEngine(t, mk(), values)
			b, _ := runEngine(t, mk(), values)
			require.Nil(t, trace.Compare(a, b), "deterministic")
			tm := ea.TemporalMemory()
			p := tm.Params()
			checkConnections(t, tm.Connections(), int(p.MaxSegmentsPerCell), int(p.MaxSynapsesPerSegment))
			checkConnections(t, ea.SpatialPooler().Connections(), 1, 0)
			for _, row := range a {
				an, err := strconv.ParseFloat(row[3], 32)
				require.NoError(t, err)
				require.True(t, an >= 0 && an <= 1, "anomaly %v", an)
			}
			tc.check(t, ea)
		})
	}
}

func unionPotential(sp *SpatialPooler, cols ...uint32) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for _, c := range cols {
		for _, in := range sp.Potential(c) {
			if !seen[in] {
				seen[in] = true
				out = append(out, in)
			}
		}
	}
	sortUint32(out)
	return out
}

func sortUint32(s []uint32) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestNewEngineErrors(t *testing.T) {
	cfg, err := model.Preset("nab")
	require.NoError(t, err)
	_, err = NewEngine(cfg)
	require.ErrorContains(t, err, "date encoder")
	_, err = NewEngineWithDate(cfg)
	require.ErrorContains(t, err, "ResolveResolution")
	cfg.ResolveResolution(0, 100)
	e, err := NewEngineWithDate(cfg)
	require.NoError(t, err)
	_, err = e.Step(1)
	require.ErrorContains(t, err, "StepAt")
	cfg.Encoder.Date = nil
	cfg.ResolveResolution(0, 100)
	_, err = NewEngine(cfg)
	require.NoError(t, err)
	cfg.SP.Seed = 0
	_, err = NewEngine(cfg)
	require.ErrorContains(t, err, "seed 0")
}

func BenchmarkEngineStep(b *testing.B) {
	for _, tc := range []struct{ preset, series string }{
		{"nab", "art_daily_jumpsup.csv"},
		{"hello", "speed_7578.csv"},
	} {
		b.Run(tc.preset, func(b *testing.B) {
			values := readSeries(b, tc.series)
			e, err := NewEngine(traceConfig(b, tc.preset, values))
			require.NoError(b, err)
			i := 0
			for b.Loop() {
				if _, err := e.Step(values[i%len(values)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func TestNewEngineRefusesNuPICRDSE(t *testing.T) {
	cfg, err := model.Preset("nab")
	require.NoError(t, err)
	cfg.Encoder.RDSE.Kind, cfg.Encoder.RDSE.Seed = model.RDSENuPIC, 42
	cfg.ResolveResolution(0, 100)
	_, err = NewEngineWithDate(cfg)
	require.ErrorContains(t, err, `encoder.rdse.kind "nupic"`)
}
