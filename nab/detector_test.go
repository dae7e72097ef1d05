package nab

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/anomaly"
)

func realCorpus(t *testing.T) *Corpus {
	t.Helper()
	dir := filepath.Join("..", "testdata", "nabscore", "real")
	c, err := LoadCorpus(filepath.Join(dir, "data"), filepath.Join(dir, "windows.json"))
	require.NoError(t, err)
	return c
}

func nabPreset(t *testing.T) *model.Config {
	t.Helper()
	cfg, err := model.Preset("nab")
	require.NoError(t, err)
	return cfg
}

func TestDetectFile(t *testing.T) {
	c := realCorpus(t)
	f := c.File("realTraffic/speed_7578.csv")
	require.NotNil(t, f)
	a, err := DetectFile(nabPreset(t), f)
	require.NoError(t, err)
	b, err := DetectFile(nabPreset(t), f)
	require.NoError(t, err)
	require.Len(t, a, f.Len())
	assert.Equal(t, a, b, "the detector is deterministic")
	probation := anomaly.NABProbationaryPeriod(f.Len())
	half := anomaly.LogLikelihood(0.5)
	assert.Equal(t, half, a[0], "the first record: likelihood 0.5, no range yet")
	spatial, above := 0, 0
	for i, s := range a {
		require.True(t, s >= 0 && s <= 1, "row %d: score %g", i, s)
		if i < probation && s != half {
			require.Equal(t, 1.0, s, "row %d: in probation a score is 0.5's log likelihood or a spatial anomaly", i)
			spatial++
		}
		if i >= probation && s > half {
			above++
		}
	}
	assert.Greater(t, above, 0, "after probation the likelihood moves")
	t.Logf("%d spatial anomalies in probation, %d rows above %g after it", spatial, above, half)
}

func TestSpatialAnomaly(t *testing.T) {
	d, err := NewDetector(nabPreset(t), 1000, 0, 100)
	require.NoError(t, err)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	half := anomaly.LogLikelihood(0.5)
	for i, tc := range []struct {
		v    float64
		want float64
	}{
		{10, half},   // first value: no range
		{20, half},   // range [10, 20]; no range before it
		{20.5, half}, // tolerance 0.5: not beyond 20.5
		{21.1, 1},    // range [10, 20.5], tolerance 0.525: beyond 21.025
		{9.4, half},  // range [10, 21.1], tolerance 0.555: 9.445 is the edge; 9.4 is beyond
	} {
		s, _, err := d.Score(t0.Add(time.Duration(i)*time.Minute), tc.v)
		require.NoError(t, err)
		if i == 4 {
			assert.Equal(t, 1.0, s, "value %g", tc.v)
			continue
		}
		assert.Equal(t, tc.want, s, "value %g", tc.v)
	}
}

func TestDetectCorpus(t *testing.T) {
	c := realCorpus(t)
	res, err := Detect(context.Background(), nabPreset(t), c, 2, nil)
	require.NoError(t, err)
	require.NoError(t, res.Check(c))
	one, err := DetectFile(nabPreset(t), c.Files[0])
	require.NoError(t, err)
	assert.Equal(t, one, res[c.Files[0].Name], "parallel runs equal a single run")
	th, raw, err := Optimize(c, res, Standard)
	require.NoError(t, err)
	t.Logf("3-file corpus: threshold %g, raw %g, normalised %.2f", th, raw, c.Normalize(Standard, raw))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Detect(ctx, nabPreset(t), c, 1, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDetectFloatEngine(t *testing.T) {
	c := realCorpus(t)
	f := c.File("realTraffic/speed_7578.csv")
	a, err := DetectFileEngine(Float, nabPreset(t), f)
	require.NoError(t, err)
	require.Len(t, a, f.Len())
	b, err := DetectFileEngine(Int, nabPreset(t), f)
	require.NoError(t, err)
	assert.Equal(t, anomaly.LogLikelihood(0.5), a[0])
	assert.NotEqual(t, a, b, "two different engines")
	_, err = DetectFileEngine("fixed", nabPreset(t), f)
	assert.ErrorContains(t, err, `engine "fixed"`)
}

func TestDetectFileTrace(t *testing.T) {
	c := realCorpus(t)
	f := c.File("realTraffic/speed_7578.csv")
	scores, err := DetectFile(nabPreset(t), f)
	require.NoError(t, err)
	tr, err := DetectFileTrace(Int, nabPreset(t), f)
	require.NoError(t, err)
	assert.Equal(t, scores, tr.Scores, "the same scores as DetectFile")
	require.Len(t, tr.Raw, f.Len())
	require.Len(t, tr.Likelihood, f.Len())
	for i, s := range tr.Scores {
		require.True(t, tr.Raw[i] >= 0 && tr.Raw[i] <= 1, "row %d: raw %g", i, tr.Raw[i])
		if s != 1 { // not a spatial anomaly: the score is the likelihood's log
			require.Equal(t, anomaly.LogLikelihood(tr.Likelihood[i]), s, "row %d", i)
		}
	}
	trs, err := DetectTraces(context.Background(), Int, nabPreset(t), c, 2, nil)
	require.NoError(t, err)
	require.Len(t, trs, len(c.Files))
	assert.Equal(t, tr, trs[f.Name])
}
