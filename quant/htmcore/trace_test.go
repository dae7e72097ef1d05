package htmcore

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/encoder"
	"github.com/htmhw/htmhw/model/trace"
)

const testdata = "../../testdata"

// readSeries returns the value column of a NAB CSV file.
func readSeries(t testing.TB, name string) []float64 {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, "nab", name))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"timestamp", "value"}, recs[0])
	vals := make([]float64, 0, len(recs)-1)
	for _, r := range recs[1:] {
		v, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		vals = append(vals, v)
	}
	return vals
}

// traceConfig returns the configuration of a preset of
// testdata/htmcore/README.md for the values.
func traceConfig(t testing.TB, preset string, values []float64) *model.Config {
	t.Helper()
	base := preset
	switch preset {
	case "boost":
		base = "hello"
	case "nab":
		base = "nab-unpadded" // the README's nab: its range is not padded
	}
	cfg, err := model.Preset(base)
	require.NoError(t, err)
	switch preset {
	case "nab":
		// The README's nab: no date encoder, potentialRadius 400,
		// localAreaDensity 40/2048 in float32.
		cfg.Encoder.Date = nil
		cfg.SP.PotentialRadius = 400
		cfg.SP.NumActiveColumnsPerInhArea = 0
		cfg.SP.LocalAreaDensity = float64(float32(40.0 / 2048))
	case "hello":
	case "boost":
		// The README's boost: hello with boosting on and a smaller
		// region, as issue 18's model.
		cfg.Encoder.RDSE.Size = 500
		cfg.Encoder.RDSE.Sparsity = 0
		cfg.Encoder.RDSE.ActiveBits = 25
		cfg.SP.ColumnDimensions = []int{1024}
		cfg.SP.LocalAreaDensity = 0.04
		cfg.SP.StimulusThreshold = 1
		cfg.SP.MinPctOverlapDutyCycles = 0.01
		cfg.SP.DutyCyclePeriod = 200
		cfg.SP.BoostStrength = 1
		cfg.SP.WrapAround = false
		cfg.TM.CellsPerColumn = 12
		cfg.TM.PredictedSegmentDecrement = 0.002
		cfg.TM.MaxSegmentsPerCell = 20
		cfg.TM.MaxSynapsesPerSegment = 40
	default:
		t.Fatalf("no trace preset %q", preset)
	}
	cfg.ResolveResolution(slices.Min(values), slices.Max(values))
	return cfg
}

func readTrace(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(testdata, "htmcore", name))
	require.NoError(t, err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	require.NoError(t, err)
	rows, err := trace.Read(z)
	require.NoError(t, err)
	return rows
}

func runEngine(t testing.TB, cfg *model.Config, values []float64) ([][]string, *Engine) {
	t.Helper()
	e, err := NewEngine(cfg)
	require.NoError(t, err)
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	for _, v := range values {
		row, err := e.Step(v)
		require.NoError(t, err)
		require.NoError(t, w.Write(row))
	}
	require.NoError(t, w.Flush())
	rows, err := trace.Read(&buf)
	require.NoError(t, err)
	return rows, e
}

// TestTraces reproduces htm.core's reference traces, every column of every
// row. A trace may cover the first rows of its series only; the RDSE's
// resolution is still derived from the whole series.
func TestTraces(t *testing.T) {
	for _, tc := range []struct {
		preset, series, trace string
	}{
		{"nab", "art_daily_jumpsup.csv", "t_jumpsup_nab.csv.gz"},
		{"hello", "speed_7578.csv", "t_speed7578_hello.csv.gz"},
		// Boosting: with float32(math.Exp(float64(x))) in place of
		// glibc's expf the active columns differ from step 167 on.
		{"boost", "speed_7578.csv", "t_speed7578_boost.csv.gz"},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			t.Parallel()
			values := readSeries(t, tc.series)
			want := readTrace(t, tc.trace)
			require.LessOrEqual(t, len(want), len(values), "%s: more rows than %s", tc.trace, tc.series)
			got, e := runEngine(t, traceConfig(t, tc.preset, values), values[:len(want)])
			tm := e.TemporalMemory()
			t.Logf("%s: TM %+v; %d segments, %d synapses (flat lists %d, %d)", tc.trace, tm.Connections().Stats(),
				tm.NumSegments(), tm.NumSynapses(), len(tm.conn.segments), len(tm.conn.synapses))
			checkConnections(t, tm.Connections(), int(tm.Params().MaxSegmentsPerCell), int(tm.Params().MaxSynapsesPerSegment))
			checkConnections(t, e.SpatialPooler().Connections(), 1, 0)
			require.Len(t, got, len(want))
			// Per column: the rows that match.
			cols := strings.Split(trace.Header, ",")
			var summary []string
			for i, c := range cols {
				n := 0
				for s := range want {
					if want[s][i] == got[s][i] {
						n++
					}
				}
				summary = append(summary, c+" "+strconv.Itoa(n))
			}
			t.Logf("%s: %d rows; matching rows per column: %s", tc.trace, len(want), strings.Join(summary, ", "))
			if d := trace.Compare(want, got); d != nil {
				t.Fatalf("first divergence from htm.core: %v", d)
			}
		})
	}
}

// TestTraceLocalInhibition reproduces htm.core's trace of a SpatialPooler
// with local inhibition and boosting (the README's boost-local), which a
// model file cannot describe: the engine is assembled from its parts.
func TestTraceLocalInhibition(t *testing.T) {
	values := readSeries(t, "speed_7578.csv")
	want := readTrace(t, "t_speed7578_boostlocal.csv.gz")
	require.LessOrEqual(t, len(want), len(values))
	cfg := traceConfig(t, "boost", values)
	cfg.SP.BoostStrength = 2.5
	spp, err := SPParamsFromConfig(cfg)
	require.NoError(t, err)
	spp.GlobalInhibition = false
	spp.PotentialRadius = 8
	spp.InputDimensions = []uint32{uint32(cfg.Encoder.RDSE.Size)}
	tmp, err := TMParamsFromConfig(cfg)
	require.NoError(t, err)
	rdse, err := encoder.NewRDSE(cfg.Encoder.RDSE.Params())
	require.NoError(t, err)
	sp, err := NewSpatialPooler(spp)
	require.NoError(t, err)
	tm, err := NewTemporalMemory(tmp)
	require.NoError(t, err)
	e, err := NewEngineFrom(rdse, sp, tm)
	require.NoError(t, err)
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	for _, v := range values[:len(want)] {
		row, err := e.Step(v)
		require.NoError(t, err)
		require.NoError(t, w.Write(row))
	}
	require.NoError(t, w.Flush())
	got, err := trace.Read(&buf)
	require.NoError(t, err)
	// Local, not global: the inhibition radius is below the columns.
	require.Less(t, sp.InhibitionRadius(), uint32(1024))
	if d := trace.Compare(want, got); d != nil {
		t.Fatalf("first divergence from htm.core: %v", d)
	}
}
