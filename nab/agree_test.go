package nab

import (
	"bytes"
	"compress/gzip"
	"math"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
)

func TestEqual(t *testing.T) {
	for _, tt := range []struct {
		ref  string
		got  float64
		want bool
	}{
		{"0.17499999702", 7.0 / 40, true}, // float32(0.175) to 12 digits, Python 2's str
		{"0.0250000003725", 1.0 / 40, true},
		{"0.15000000596", 6.0 / 40, true},
		{"1.0", 1, true},
		{"0.0", 0, true},
		{"0.175", 7.0 / 40, false}, // a float64 written in full is not NuPIC's field
		{"0.0250000003725", 2.0 / 40, false},
		{"x", 0, false},
	} {
		assert.Equal(t, tt.want, Equal(tt.ref, tt.got), "%s vs %v", tt.ref, tt.got)
	}
}

const rawCSV = "timestamp,value,anomaly_score,raw_score\n" +
	"2014-04-01 00:00:00,19.7,0.03,1.0\n" +
	"2014-04-01 00:05:00,20.5,0.03,0.17499999702\n" +
	"2014-04-01 00:10:00,19.9,0.03,0.0\n"

func TestReadRawScores(t *testing.T) {
	want := []string{"1.0", "0.17499999702", "0.0"}
	got, err := ReadRawScores(strings.NewReader(rawCSV))
	require.NoError(t, err)
	assert.Equal(t, want, got)
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	_, err = w.Write([]byte(rawCSV))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	got, err = ReadRawScores(&z)
	require.NoError(t, err)
	assert.Equal(t, want, got, "gzip")
	for name, in := range map[string]string{
		"empty":      "",
		"no column":  "timestamp,value,anomaly_score\n2014-04-01 00:00:00,1,0\n",
		"short row":  "timestamp,raw_score\n2014-04-01 00:00:00\n",
		"not number": "timestamp,raw_score\n2014-04-01 00:00:00,abc\n",
		"bad gzip":   "\x1f\x8b\x00\x00",
	} {
		_, err := ReadRawScores(strings.NewReader(in))
		assert.Error(t, err, name)
	}
}

func FuzzReadRawScores(f *testing.F) {
	f.Add([]byte(rawCSV))
	f.Add([]byte("raw_score\n1\n0.5\n"))
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadRawScores(bytes.NewReader(data))
		if err != nil {
			return
		}
		got := make([]float64, len(s))
		a, err := Agree(s, got)
		require.NoError(t, err)
		require.Equal(t, len(s), a.Rows)
		require.LessOrEqual(t, a.Exact, a.Rows)
	})
}

func TestAgree(t *testing.T) {
	a, err := Agree([]string{"1.0", "0.17499999702", "0.0", "0.5"}, []float64{1, 0.175, 0.0000005, 0.25})
	require.NoError(t, err)
	assert.Equal(t, 4, a.Rows)
	assert.Equal(t, 2, a.Exact)
	assert.Equal(t, 3, a.Close) // 0.175 is 3e-9 from the float32 field; 5e-7 ≤ 1e-6
	assert.InDelta(t, 0.9, a.Corr, 0.1)
	a, err = Agree([]string{"0.0", "0.0"}, []float64{0, 1})
	require.NoError(t, err)
	assert.True(t, math.IsNaN(a.Corr), "a constant column has no correlation")
	_, err = Agree([]string{"0.0"}, nil)
	assert.Error(t, err)
	_, err = Agree([]string{"z"}, []float64{0})
	assert.Error(t, err)
}

// The NuPIC float reference reproduces NuPIC's published raw scores of
// NAB's numenta detector row for row on the three files of
// testdata/nabscore/real (results-raw/numenta there: NAB's results,
// unchanged).
func TestNuPICEngineMatchesPublished(t *testing.T) {
	c := realCorpus(t)
	cfg, err := model.Preset("nab-numenta")
	require.NoError(t, err)
	files := c.Files
	if testing.Short() {
		files = []*File{c.File("realTraffic/speed_7578.csv")}
	}
	for _, f := range files {
		dir, base := path.Split(f.Name)
		ref, err := ReadRawScoresFile(filepath.Join("..", "testdata", "nabscore", "real", "results-raw", "numenta", dir, "numenta_"+base+".gz"))
		require.NoError(t, err)
		tr, err := DetectFileTrace(NuPIC, cfg, f)
		require.NoError(t, err)
		a, err := Agree(ref, tr.Raw)
		require.NoError(t, err)
		assert.Equal(t, f.Len(), a.Rows, f.Name)
		assert.Equal(t, a.Rows, a.Exact, "%s: rows equal to NuPIC's", f.Name)
	}
}
