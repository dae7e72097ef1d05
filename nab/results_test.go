package nab_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

func TestReadScores(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []float64
	}{
		{"timestamp,value,anomaly_score\n2020-01-01 00:00:00,1,0.5\n2020-01-01 00:01:00,2,1\n", []float64{0.5, 1}},
		{"anomaly_score\n0.0301029996659\n0", []float64{0.0301029996659, 0}},
		{"\uFEFFtimestamp,anomaly_score,label,S(t)_standard\r\nx, 0.25 ,0,-0.11\r\ny,1e-05,1,1.0\r\n", []float64{0.25, 1e-05}},
		{"anomaly_score\n", []float64{}},
		{"a,anomaly_score\n\"q,q\",.5\n", []float64{0.5}},
	} {
		got, err := nab.ReadScores(strings.NewReader(tt.in))
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	for _, tt := range []struct {
		in   string
		kind error
		msg  string
	}{
		{"", nab.ErrFormat, "empty"},
		{"timestamp,value\n1,2\n", nab.ErrFormat, `line 1: malformed file: header "timestamp,value" has no column "anomaly_score"`},
		{"anomaly_score,anomaly_score\n1,1\n", nab.ErrFormat, "twice"},
		{"anomaly_score\n0.5\nabc\n", nab.ErrScore, `line 3: invalid anomaly score: "abc" is not a number`},
		{"anomaly_score\nNaN\n", nab.ErrScore, "not a number"},
		{"anomaly_score\ninf\n", nab.ErrScore, "not a number"},
		{"anomaly_score\n\n0.5\n,\n", nab.ErrFormat, "wrong number of fields"},
		{"a,anomaly_score\n1,\n", nab.ErrScore, `"" is not a number`},
		{"anomaly_score\n0x1p-1\n", nab.ErrScore, "not a number"},
		{"anomaly_score\n1e999\n", nab.ErrScore, "not a number"},
		{"anomaly_score\n1.5\n", nab.ErrScore, "1.5 is not in [0, 1]"},
		{"anomaly_score\n-0.1\n", nab.ErrScore, "not in [0, 1]"},
		{"x,anomaly_score\n1,0.5\n2\n", nab.ErrFormat, "line 3"},
		{"anomaly_score\n\"0.5\n", nab.ErrFormat, "quote"},
	} {
		_, err := nab.ReadScores(strings.NewReader(tt.in))
		require.ErrorIs(t, err, tt.kind, "%q", tt.in)
		assert.Contains(t, err.Error(), tt.msg, "%q", tt.in)
	}
}

func TestReadResults(t *testing.T) {
	_, r := loadToy(t)
	require.Len(t, r, 1)
	s := r["toy/toy.csv"]
	require.Len(t, s, 100)
	assert.Equal(t, 0.99, s[5])
	assert.Equal(t, 0.95, s[47])

	_, r = loadReal(t) // gzip-compressed
	assert.Len(t, r, 3)
	assert.Len(t, r["realTraffic/speed_7578.csv"], 1127)

	_, err := nab.ReadResults(filepath.Join(fixtures, "toy", "results"), "nobody")
	require.ErrorIs(t, err, os.ErrNotExist)

	dir := t.TempDir()
	write := func(name, text string) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("d/d_standard_scores.csv", "not,a,results,file\n")     // ignored: top level
	write("d/cat/other_x.csv", "neither\n")                      // ignored: other detector
	write("d/cat/d_x.txt", "nor\n")                              // ignored: not CSV
	write("d/cat/d_x.csv", "timestamp,anomaly_score\nt,0.5\n")   // cat/x.csv
	write("d/cat/sub/d_y.csv", "timestamp,anomaly_score\nt,1\n") // cat/sub/y.csv
	r, err = nab.ReadResults(dir, "d")
	require.NoError(t, err)
	assert.Equal(t, nab.Results{"cat/x.csv": {0.5}, "cat/sub/y.csv": {1}}, r)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("anomaly_score\n0.5\n"))
	zw.Close()
	write("d/cat/d_x.csv.gz", gz.String())
	_, err = nab.ReadResults(dir, "d")
	require.ErrorIs(t, err, nab.ErrFormat)
	assert.Contains(t, err.Error(), "two results files")

	require.NoError(t, os.Remove(filepath.Join(dir, "d/cat/d_x.csv")))
	write("d/cat/d_z.csv", "anomaly_score\n0.5\n2\n")
	_, err = nab.ReadResults(dir, "d")
	require.ErrorIs(t, err, nab.ErrScore)
	var fe *nab.FileError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, filepath.Join(dir, "d/cat/d_z.csv"), fe.File)
	assert.Equal(t, 3, fe.Line)
	assert.Contains(t, err.Error(), "d_z.csv:3: invalid anomaly score")

	write("d/cat/d_z.csv.gz", "not gzip")
	require.NoError(t, os.Remove(filepath.Join(dir, "d/cat/d_z.csv")))
	_, err = nab.ReadResults(dir, "d")
	require.ErrorIs(t, err, nab.ErrFormat)
	assert.Contains(t, err.Error(), "gzip")
}

func TestCheck(t *testing.T) {
	c, r := loadReal(t)
	require.NoError(t, r.Check(c))

	bad := copyResults(r)
	delete(bad, "realTraffic/speed_7578.csv")
	bad["realAdExchange/exchange-2_cpc_results.csv"] = bad["realAdExchange/exchange-2_cpc_results.csv"][:100]
	bad["realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv"][7] = math.NaN()
	bad["realTraffic/elsewhere.csv"] = []float64{0}
	err := bad.Check(c)
	require.Error(t, err)
	for _, kind := range []error{nab.ErrMissingFile, nab.ErrRowCount, nab.ErrScore, nab.ErrExtraFile} {
		assert.ErrorIs(t, err, kind)
	}
	msg := err.Error()
	assert.Contains(t, msg, "realTraffic/speed_7578.csv: missing file")
	assert.Contains(t, msg, "realAdExchange/exchange-2_cpc_results.csv: wrong number of rows: the results have 100 anomaly scores, the data file has 1624 rows")
	assert.Contains(t, msg, "realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv:9: invalid anomaly score: row 7: anomaly score NaN is not in [0, 1]")
	assert.Contains(t, msg, "realTraffic/elsewhere.csv: file not in corpus")

	_, err = nab.Score(c, bad, nab.Standard, 0.5)
	assert.ErrorIs(t, err, nab.ErrMissingFile)
	_, err = nab.Score(c, r, nab.Standard, math.NaN())
	assert.ErrorIs(t, err, nab.ErrThreshold)
	_, err = nab.OptimizeAll(c, bad, nab.Profiles())
	assert.ErrorIs(t, err, nab.ErrRowCount)
}

func TestWriteResults(t *testing.T) {
	c, r := loadReal(t)
	dir := t.TempDir()
	require.NoError(t, nab.WriteResults(dir, "numenta", c, r))
	back, err := nab.ReadResults(dir, "numenta")
	require.NoError(t, err)
	assert.Equal(t, r, back)

	// The timestamps and values are the data file's.
	data, err := os.ReadFile(nab.ResultsPath(dir, "numenta", "realTraffic/speed_7578.csv"))
	require.NoError(t, err)
	lines := strings.Split(string(data), "\n")
	assert.Equal(t, "timestamp,value,anomaly_score", lines[0])
	assert.Equal(t, "2015-09-08 11:39:00,73,"+strconv.FormatFloat(r["realTraffic/speed_7578.csv"][0], 'g', -1, 64), lines[1])
	assert.Equal(t, filepath.Join(dir, "numenta", "realTraffic", "numenta_speed_7578.csv"), nab.ResultsPath(dir, "numenta", "realTraffic/speed_7578.csv"))

	bad := copyResults(r)
	delete(bad, "realTraffic/speed_7578.csv")
	assert.ErrorIs(t, nab.WriteResults(t.TempDir(), "numenta", c, bad), nab.ErrMissingFile)

	// Writing an in-memory detector scores the same as reading it back.
	toy, _ := loadToy(t)
	null := nab.Constant(toy, 0.5)
	dir = t.TempDir()
	require.NoError(t, nab.WriteResults(dir, "null", toy, null))
	back, err = nab.ReadResults(dir, "null")
	require.NoError(t, err)
	assert.Equal(t, null, back)

	var buf bytes.Buffer
	assert.ErrorIs(t, nab.WriteScores(&buf, toy.Files[0], []float64{1}), nab.ErrRowCount)
}

// A huge line is refused after about nab.MaxLineBytes of it; bad fields
// are quoted short, with control bytes escaped.
func TestReadScoresHugeAndHostile(t *testing.T) {
	huge := "timestamp,value,anomaly_score\n2020-01-01 00:00:00,1," + strings.Repeat("5", 8<<20) + "\n"
	_, err := nab.ReadScores(strings.NewReader(huge))
	if err == nil || !strings.Contains(err.Error(), "a record (line) longer than 1048576 bytes") || len(err.Error()) > 200 {
		t.Fatalf("huge line: %v", err)
	}
	_, err = nab.ReadScores(strings.NewReader("timestamp,value,anomaly_score\n2020-01-01 00:00:00,1,\x1b[2J\n"))
	if err == nil || !strings.Contains(err.Error(), `"\x1b[2J" is not a number`) {
		t.Fatalf("escape sequence: %v", err)
	}
}
