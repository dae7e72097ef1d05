package quant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/quant/htmcore"
	"github.com/htmhw/htmhw/series"
)

const speedCSV = "../testdata/nab/speed_7578.csv"

// speedRows returns the first n rows of speed_7578.csv.
func speedRows(t testing.TB, n int) []series.Row {
	t.Helper()
	rows, err := series.ReadFile(speedCSV, series.Options{})
	require.NoError(t, err)
	return rows[:n]
}

var (
	helloOnce sync.Once
	helloRep  *Report
	helloErr  error
)

// helloReport compares the hello preset on the first 500 rows of
// speed_7578.csv at 4, 8, 12 and 16 bits, once for all tests.
func helloReport(t *testing.T) *Report {
	t.Helper()
	helloOnce.Do(func() {
		cfg, err := model.Preset("hello")
		if err != nil {
			helloErr = err
			return
		}
		helloRep, helloErr = Compare(context.Background(), cfg, speedRows(t, 500), Options{Widths: []int{16, 4, 8, 12, 8}, Jobs: 2})
	})
	require.NoError(t, helloErr)
	return helloRep
}

func TestJaccard(t *testing.T) {
	assert.Equal(t, 1.0, Jaccard(nil, nil))
	assert.Equal(t, 1.0, Jaccard([]uint32{1, 5, 9}, []uint32{1, 5, 9}))
	assert.Equal(t, 0.0, Jaccard([]uint32{1}, nil))
	assert.Equal(t, 0.0, Jaccard([]uint32{1, 3}, []uint32{2, 4}))
	assert.InDelta(t, 2.0/4, Jaccard([]uint32{1, 2, 3}, []uint32{2, 3, 4}), 1e-15)
}

func TestPearson(t *testing.T) {
	assert.InDelta(t, 1, Pearson([]float64{1, 2, 3}, []float64{2, 4, 6}), 1e-15)
	assert.InDelta(t, -1, Pearson([]float64{1, 2, 3}, []float64{3, 2, 1}), 1e-15)
	assert.True(t, math.IsNaN(Pearson([]float64{1, 1, 1}, []float64{1, 2, 3})))
}

// A record compared with itself agrees perfectly: Jaccard 1 at every step.
func TestCompareRecordsIdentical(t *testing.T) {
	cfg, err := model.Preset("hello")
	require.NoError(t, err)
	rows := speedRows(t, 200)
	cfg.ResolveResolution(series.Range(rows))
	eng, err := htmcore.NewEngineWithDate(cfg)
	require.NoError(t, err)
	var rec record
	require.NoError(t, runFloat(context.Background(), eng, rows, &rec, func(int) {}))
	run := compareRecords(&rec, &rec)
	assert.Equal(t, 200, run.Steps)
	assert.True(t, run.InputsIdentical)
	assert.Equal(t, 1.0, run.ActiveJaccardMean)
	assert.Equal(t, 1.0, run.ActiveJaccardMin)
	assert.Equal(t, 200, run.ActiveIdenticalSteps)
	assert.Equal(t, 1.0, run.PredictedJaccardMean)
	assert.Equal(t, 0.0, run.AnomalyMAE)
	require.NotNil(t, run.AnomalyPearson)
	assert.InDelta(t, 1, *run.AnomalyPearson, 1e-12)
}

// With the float reference's initial SP, the integer model's first step
// (no learning has happened yet) has exactly the float reference's active
// columns at every width: the initial connected synapses are the same.
func TestSharedInitFirstStep(t *testing.T) {
	cfg, err := model.Preset("hello")
	require.NoError(t, err)
	rows := speedRows(t, 1)
	cfg.ResolveResolution(series.Range(speedRows(t, 500)))
	eng, err := htmcore.NewEngineWithDate(cfg)
	require.NoError(t, err)
	init := newFloatInit(eng.SpatialPooler())
	var ref record
	require.NoError(t, runFloat(context.Background(), eng, rows, &ref, func(int) {}))
	for _, v := range Plan(cfg, []int{4, 5, 6, 7, 8, 9, 10, 11, 12, 16}) {
		var rec record
		require.NoError(t, runInt(context.Background(), cfg, v, init, rows, &rec, func(int) {}))
		assert.Equal(t, ref.cols.at(0), rec.cols.at(0), "%+v", v)
	}
}

func TestCompareHello(t *testing.T) {
	rep := helloReport(t)
	assert.Equal(t, []int{4, 8, 12, 16}, rep.Widths)
	var got []Variant
	for _, r := range rep.Runs {
		got = append(got, r.Variant)
		assert.True(t, r.InputsIdentical, "%+v: the encoders are the same", r.Variant)
		assert.Equal(t, 500, r.Steps)
		assert.Positive(t, r.SPBits)
		assert.Positive(t, r.TMBits)
		assert.Greater(t, r.TotalBits, r.SPBits+r.TMBits)
	}
	assert.Equal(t, []Variant{{4, "lsb"}, {4, "zero"}, {8, "error"}, {12, "error"}, {16, "error"}}, got)
	r4l, r4z, r16 := rep.run(4, "lsb"), rep.run(4, "zero"), rep.run(16, "error")
	for _, r4 := range []*Run{r4l, r4z} {
		assert.Greater(t, r16.ActiveJaccardMean, r4.ActiveJaccardMean, r4.Policy)
		assert.Greater(t, r16.ActiveJaccardMin, r4.ActiveJaccardMin, r4.Policy)
		assert.Greater(t, r16.PredictedJaccardMean, r4.PredictedJaccardMean, r4.Policy)
		assert.Less(t, r16.AnomalyMAE, r4.AnomalyMAE, r4.Policy)
		assert.Greater(t, *r16.AnomalyPearson, *r4.AnomalyPearson, r4.Policy)
		assert.NotEmpty(t, r4.Warnings)
	}
	// At 16 bits the SP follows the float reference step for step.
	assert.Equal(t, 1.0, r16.ActiveJaccardMin)
	assert.Equal(t, 500, r16.ActiveIdenticalSteps)
	// The memory grows with the width: one bit per pool slot and synapse.
	assert.Greater(t, r16.SPBits, rep.run(12, "error").SPBits)
	assert.Greater(t, r16.TMBits, rep.run(12, "error").TMBits)
	assert.Equal(t, r4l.TMBits, r4z.TMBits)
	assert.Positive(t, rep.Float.Segments)
	assert.Equal(t, 6, rep.MinBits)

	// The baseline's SP is the float reference's: the same columns at
	// every step. Its TM seed differs.
	b := rep.Baseline
	assert.Equal(t, int64(43), b.TMSeed)
	assert.Equal(t, 1.0, b.ActiveJaccardMin)
	assert.Equal(t, 500, b.ActiveIdenticalSteps)
	assert.True(t, b.InputsIdentical)
	assert.Less(t, b.PredictedJaccardMean, 1.0)
}

func TestCompareErrors(t *testing.T) {
	cfg, err := model.Preset("hello")
	require.NoError(t, err)
	rows := speedRows(t, 50)
	_, err = Compare(context.Background(), cfg, rows, Options{Widths: []int{3}})
	assert.ErrorContains(t, err, "width 3 must be 4 to 16")
	_, err = Compare(context.Background(), cfg, rows, Options{Init: "mine"})
	assert.ErrorContains(t, err, `init "mine"`)
	_, err = Compare(context.Background(), cfg, nil, Options{})
	assert.ErrorContains(t, err, "no rows")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Compare(ctx, cfg, rows, Options{})
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
	// The configuration is not changed (its resolution is still to come).
	assert.True(t, cfg.NeedsRange())
}

// The nab preset has a date encoder, which the float reference now runs.
func TestCompareNABDate(t *testing.T) {
	cfg, err := model.Preset("nab")
	require.NoError(t, err)
	rows, err := series.ReadFile("../testdata/nab/art_daily_jumpsup.csv", series.Options{})
	require.NoError(t, err)
	var calls, last int
	var mu sync.Mutex
	rep, err := Compare(context.Background(), cfg, rows[:200], Options{Widths: []int{8, 12}, Progress: func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		assert.Equal(t, 5*200, total) // float, baseline, 8 lsb, 8 zero, 12
		last = max(last, done)
	}})
	require.NoError(t, err)
	assert.Positive(t, calls)
	assert.Equal(t, 5*200, last)
	require.Len(t, rep.Runs, 3)
	for _, r := range rep.Runs {
		assert.True(t, r.InputsIdentical)
	}
	assert.Equal(t, 10, rep.MinBits)
	assert.NotNil(t, rep.mapping(8, "lsb"))
	assert.NotNil(t, rep.mapping(8, "zero"))
	assert.Nil(t, rep.mapping(12, "lsb"))
}

func TestReportJSONSchema(t *testing.T) {
	rep := helloReport(t)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	var doc map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	keys := func(m map[string]any) []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return k
	}
	assert.Equal(t, []string{"baseline", "fixed", "float", "init", "mappings", "minBits", "model", "modelBits", "params", "resolution",
		"rows", "runs", "schema", "smallSteps", "widths"}, keys(doc))
	assert.Equal(t, Schema, doc["schema"])
	assert.Equal(t, "hello", doc["model"])
	assert.Equal(t, 500.0, doc["rows"])
	assert.Equal(t, "shared", doc["init"])
	assert.Equal(t, []any{4.0, 8.0, 12.0, 16.0}, doc["widths"])

	runs := doc["runs"].([]any)
	require.Len(t, runs, 5)
	assert.Equal(t, []string{"activeIdenticalSteps", "activeJaccardMean", "activeJaccardMin", "activeJaccardMinStep",
		"anomalyMAE", "anomalyPearson", "bits", "inputsIdentical", "meanAnomaly", "predictedJaccardMean", "segments",
		"smallSteps", "spBits", "steps", "synapses", "tmBits", "totalBits", "warnings"}, keys(runs[0].(map[string]any)))
	assert.Equal(t, 4.0, runs[0].(map[string]any)["bits"])
	assert.Equal(t, "lsb", runs[0].(map[string]any)["smallSteps"])

	maps := doc["mappings"].([]any)
	// 4 bits under error, lsb and zero; 8, 12 and 16 under error.
	require.Len(t, maps, 6)
	m0 := maps[0].(map[string]any)
	assert.Equal(t, []string{"bits", "params", "pmax", "ratios", "refused", "smallSteps"}, keys(m0))
	p0 := m0["params"].([]any)[0].(map[string]any)
	assert.Equal(t, []string{"int", "lsb", "param", "relError", "represents", "rounded", "value"}, keys(p0))
	assert.Equal(t, "sp.synPermConnected", p0["param"])
	assert.Equal(t, []string{"group", "kind", "minBits", "name", "value"}, keys(doc["params"].([]any)[0].(map[string]any)))
	assert.Equal(t, []string{"meanAnomaly", "segments", "synapses"}, keys(doc["float"].(map[string]any)))

	// It reads back into a Report.
	var back Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, *rep, back)
}

func TestReportMarkdown(t *testing.T) {
	rep := helloReport(t)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&buf))
	md := buf.String()
	for _, s := range []string{
		"# Quantization report: `hello`",
		"## Agreement with the float reference",
		"| 4 | lsb † |", "| 4 | zero † |", "| 16 | error | 1.0000 | 1.000 (0) | 500 |",
		"## Parameters at each width",
		"| sp.synPermInactiveDec | 0.008 | 6 | **0 ≙ 0 (-100.0%)** | 2 ≙ 0.0078431 (-2.0%) |",
		"**4 bits** — refused: sp.synPermInactiveDec 0.008 rounds to 0",
		"under `smallSteps: lsb`: sp.synPermInactiveDec 0.008 is 0.12 LSB at 4 bits: raised to 1 LSB",
		"### Width-independent integers",
		"## Remedies",
		"Side by side where both ran (lsb / zero)",
	} {
		assert.Contains(t, md, s)
	}
	assert.Regexp(t, "At the TM tie-break floor|No width reaches the TM tie-break floor", md)
	// Every table row has as many cells as its header.
	var cells int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cells = 0
			continue
		}
		n := strings.Count(line, "|")
		if cells == 0 {
			cells = n
		}
		assert.Equal(t, cells, n, line)
	}
}

func TestReportPNG(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, helloReport(t).WritePNG(&buf))
	cfg, err := png.DecodeConfig(&buf)
	require.NoError(t, err, "a PNG")
	assert.Equal(t, [2]int{8 * 96, 5 * 96}, [2]int{cfg.Width, cfg.Height}, "8 x 5 inches at 96 dpi")
}

// With each engine's own initial SP, column identities do not correspond:
// the active columns agree at about chance level, while the inputs are
// still the same.
func TestCompareOwnInit(t *testing.T) {
	cfg, err := model.Preset("hello")
	require.NoError(t, err)
	rep, err := Compare(context.Background(), cfg, speedRows(t, 100), Options{Widths: []int{16}, Init: "own"})
	require.NoError(t, err)
	assert.Equal(t, "own", rep.Init)
	require.Len(t, rep.Runs, 1)
	r := rep.Runs[0]
	assert.True(t, r.InputsIdentical)
	assert.Less(t, r.ActiveJaccardMean, 0.2)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteMarkdown(&buf))
	assert.Contains(t, buf.String(), "Initialisation: **own**")
}
