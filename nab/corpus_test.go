package nab_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// minutes returns n timestamps one minute apart from 2020-01-01 00:00:00.
func minutes(n int) []string {
	ts := make([]string, n)
	for i := range ts {
		ts[i] = "2020-01-01 " + twoDigits(i/60) + ":" + twoDigits(i%60) + ":00"
	}
	return ts
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func TestNewFileErrors(t *testing.T) {
	ts := minutes(100)
	for _, tt := range []struct {
		name    string
		ts      []string
		windows [][2]string
		kind    error
		msg     string
	}{
		{"no rows", nil, nil, nab.ErrFormat, "no rows"},
		{"bad timestamp", append(minutes(3), "yesterday"), nil, nab.ErrFormat, `f.csv:5: malformed file: "yesterday" is not a timestamp`},
		{"edge not found", ts, [][2]string{{ts[10], "2021-01-01 00:00:00"}}, nab.ErrWindow, `edge "2021-01-01 00:00:00" is not a timestamp of the data file`},
		{"edge unreadable", ts, [][2]string{{"soon", ts[20]}}, nab.ErrWindow, `"soon" is not a timestamp`},
		{"backwards", ts, [][2]string{{ts[30], ts[20]}}, nab.ErrWindow, "ends (row 20) before it starts (row 30)"},
		{"overlap", ts, [][2]string{{ts[20], ts[30]}, {ts[30], ts[40]}}, nab.ErrWindow, "window 2"},
		{"order", ts, [][2]string{{ts[50], ts[60]}, {ts[20], ts[30]}}, nab.ErrWindow, "must be in order"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := nab.NewFile("f.csv", tt.ts, nil, tt.windows)
			require.ErrorIs(t, err, tt.kind)
			assert.Contains(t, err.Error(), tt.msg)
			assert.True(t, strings.HasPrefix(err.Error(), "f.csv"), err.Error())
		})
	}
	_, err := nab.NewFile("f.csv", ts, []string{"1"}, nil)
	assert.Error(t, err)
	_, err = nab.NewCorpus(mustFile(t, "a.csv", ts, nil), mustFile(t, "a.csv", ts, nil))
	assert.ErrorContains(t, err, `two files called "a.csv"`)
}

func mustFile(t *testing.T, name string, ts []string, windows [][2]string) *nab.File {
	t.Helper()
	f, err := nab.NewFile(name, ts, nil, windows)
	require.NoError(t, err)
	return f
}

// TestWindowEdgesFirstOccurrence checks that an edge whose timestamp
// repeats is located at its first occurrence, and that rows are taken by
// position, not by time (here time steps back).
func TestWindowEdgesFirstOccurrence(t *testing.T) {
	ts := minutes(100)
	ts[61] = ts[60] // repeated timestamp
	ts[70] = ts[65] // time steps back
	f := mustFile(t, "f.csv", ts, [][2]string{{ts[20], ts[30]}, {ts[60] + ".000000", ts[65]}})
	assert.Equal(t, nab.Window{Start: ts[60] + ".000000", End: ts[65], First: 60, Last: 65}, f.Windows[1])
	assert.Equal(t, -1, f.InWindow(70))
	assert.Equal(t, 1, f.InWindow(61))
}

func TestAdjacentAndProbationaryWindows(t *testing.T) {
	ts := minutes(200) // probation 30 rows
	f := mustFile(t, "f.csv", ts, [][2]string{{ts[5], ts[20]}, {ts[25], ts[40]}, {ts[41], ts[60]}})
	assert.Equal(t, 30, f.Probation())
	assert.False(t, f.Counted(0), "a window inside the probation does not count")
	assert.True(t, f.Counted(1), "a window reaching past the probation counts")
	assert.True(t, f.Counted(2))
	c, err := nab.NewCorpus(f)
	require.NoError(t, err)
	assert.Equal(t, 3, c.NumWindows())
	assert.Equal(t, 2, c.CountedWindows())
	assert.Equal(t, 3.0, nab.PerfectScore(c, nab.Standard), "the perfect score counts every window")
	assert.Equal(t, -2.0, nab.NullScore(c, nab.Standard))

	// Detect the first row of each window: the first is probationary, the
	// second is detected at its first scorable row (30), the third at its
	// first row.
	r := nab.Constant(c, 0)
	for _, w := range f.Windows {
		r["f.csv"][w.First] = 1
	}
	r["f.csv"][30] = 1
	res, err := nab.Score(c, r, nab.Standard, 1)
	require.NoError(t, err)
	s := f.SweepScores(nab.Standard)
	assert.Equal(t, s[30]+1.0, res.Raw)
	assert.Equal(t, nab.Counts{TP: 2, TN: 200 - 30 - 11 - 20, FN: 11 + 20 - 2}, nab.Counts{TP: res.TP, TN: res.TN, FN: res.FN})

	// Right after an adjacent window, the next one starts: no FP row between.
	assert.Equal(t, 1, f.InWindow(40))
	assert.Equal(t, 2, f.InWindow(41))
}

// TestOneRowWindow checks the case NAB divides by zero: after a window of
// one row, a detection costs the full fpWeight.
func TestOneRowWindow(t *testing.T) {
	ts := minutes(100)
	f := mustFile(t, "f.csv", ts, [][2]string{{ts[50], ts[50]}})
	s := f.SweepScores(nab.Standard)
	assert.Equal(t, 1.0, s[50])
	assert.Equal(t, -0.11, s[51])
}

func TestLoadCorpusErrors(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	require.NoError(t, os.MkdirAll(filepath.Join(data, "cat"), 0o755))
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	write("data/cat/a.csv", "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:01:00,2\n")
	write("data/cat/b.csv", "\uFEFFvalue,timestamp\r\n3,2020-01-01 00:00:00\r\n4,2020-01-01 00:01:00")
	write("data/cat/notes.txt", "ignored")

	w := write("ok.json", `{"cat/a.csv": [], "cat/b.csv": [["2020-01-01 00:00:00.000000", "2020-01-01 00:01:00.000000"]]}`)
	c, err := nab.LoadCorpus(data, w)
	require.NoError(t, err)
	require.Len(t, c.Files, 2)
	b := c.File("cat/b.csv")
	assert.Equal(t, []string{"2020-01-01 00:00:00", "2020-01-01 00:01:00"}, b.Timestamps)
	assert.Equal(t, []string{"3", "4"}, b.Values)

	w = write("missing.json", `{"cat/a.csv": []}`)
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrMissingFile)
	assert.Contains(t, err.Error(), "cat/b.csv")

	w = write("extra.json", `{"cat/a.csv": [], "cat/b.csv": [], "cat/c.csv": []}`)
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrExtraFile)
	assert.Contains(t, err.Error(), "cat/c.csv")

	w = write("bad.json", `{"cat/a.csv": [["2020-01-01 00:00:00"]], "cat/b.csv": []}`)
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrFormat)
	assert.Contains(t, err.Error(), "want 2")

	w = write("notjson.json", `[1, 2]`)
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrFormat)

	_, err = nab.LoadCorpus(data, filepath.Join(dir, "nonexistent.json"))
	require.ErrorIs(t, err, os.ErrNotExist)

	write("data/cat/c.csv", "time,value\n2020-01-01 00:00:00,1\n")
	w = write("all.json", `{"cat/a.csv": [], "cat/b.csv": [], "cat/c.csv": []}`)
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrFormat)
	var fe *nab.FileError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, "cat/c.csv", fe.File)
	assert.Contains(t, err.Error(), `no column "timestamp"`)

	write("data/cat/c.csv", "timestamp,value\n2020-01-01 00:00:00,1,2\n")
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrFormat)
	assert.Contains(t, err.Error(), "cat/c.csv:2")

	write("data/cat/c.csv", "")
	_, err = nab.LoadCorpus(data, w)
	require.ErrorIs(t, err, nab.ErrFormat)

	_, err = nab.LoadCorpus(filepath.Join(dir, "nodata"), w)
	require.Error(t, err)
}

func TestLoadProfiles(t *testing.T) {
	ps, err := nab.LoadProfiles(filepath.Join(fixtures, "reference", "profiles.json"))
	require.NoError(t, err)
	assert.Equal(t, []nab.Profile{nab.Standard, nab.RewardLowFP, nab.RewardLowFN}, ps)

	dir := t.TempDir()
	for _, tt := range []struct{ json, msg string }{
		{`{"b": {"CostMatrix": {"tpWeight": 1, "fpWeight": 2, "fnWeight": 3, "tnWeight": 4}}, "a": {"CostMatrix": {"tpWeight": 5, "fpWeight": 6, "fnWeight": 7, "tnWeight": 8}}}`, ""},
		{`{"a": {"CostMatrix": {"tpWeight": 1, "fpWeight": 2, "fnWeight": 3}}}`, `lacks "tnWeight"`},
		{`{"a": {"CostMatrix": {"tpWeight": 1, "fpWeight": -2, "fnWeight": 3, "tnWeight": 1}}}`, "fpWeight is -2"},
		{`{}`, "no profiles"},
		{`{"a": 1}`, "cannot unmarshal"},
		{`{"a": {"CostMatrix": {"tpWeight": 1, "fpWeight": 2, "fnWeight": 3, "tnWeight": 4}}, "a": {"CostMatrix": {"tpWeight": 1, "fpWeight": 2, "fnWeight": 3, "tnWeight": 4}}}`, "twice"},
	} {
		p := filepath.Join(dir, "p.json")
		require.NoError(t, os.WriteFile(p, []byte(tt.json), 0o644))
		ps, err := nab.LoadProfiles(p)
		if tt.msg == "" {
			require.NoError(t, err)
			assert.Equal(t, []nab.Profile{{Name: "b", TP: 1, FP: 2, FN: 3, TN: 4}, {Name: "a", TP: 5, FP: 6, FN: 7, TN: 8}}, ps)
			continue
		}
		require.ErrorIs(t, err, nab.ErrFormat, tt.json)
		assert.Contains(t, err.Error(), tt.msg)
	}
}
