package main

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkPlot checks that path is a well-formed SVG or PNG (by its
// extension) of the timeline's size, 9 x 5 inches, and returns its bytes.
func checkPlot(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	switch filepath.Ext(path) {
	case ".png":
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err, "%s is a PNG", path)
		assert.Equal(t, 9*96, cfg.Width)
		assert.Equal(t, 5*96, cfg.Height)
	case ".svg":
		var doc struct {
			XMLName xml.Name `xml:"svg"`
			Width   string   `xml:"width,attr"`
			Height  string   `xml:"height,attr"`
		}
		require.NoError(t, xml.Unmarshal(data, &doc), "%s is an SVG", path)
		assert.Equal(t, "648pt", doc.Width)
		assert.Equal(t, "360pt", doc.Height)
	default:
		t.Fatalf("%s: not a plot", path)
	}
	return data
}

func TestRunPlot(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	for _, tc := range []struct {
		name  string
		file  string
		extra []string
		want  []string // in the SVG's text
	}{
		{"plain svg", "a.svg", nil, []string{"hello on speed_7578.csv", "from 2015-09-08 11:39:00 to 2015-09-17 14:05:00", "raw anomaly", "likelihood"}},
		{"plain png", "a.png", nil, nil},
		{"windows and threshold", "w.svg", []string{"--windows", filepath.Join(real, "windows.json"), "--threshold", "0.5"},
			[]string{"(NAB realTraffic/speed_7578.csv)", "labelled window", "threshold 0.5 on log likelihood", "probation"}},
		{"nab folder", "n.svg", []string{"--nab", real, "--windows", filepath.Join(real, "windows.json")},
			[]string{"(NAB realTraffic/speed_7578.csv)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			plot := filepath.Join(dir, tc.file)
			args := append([]string{"run", "--model", "hello", "--data", speedCSV, "--out", filepath.Join(dir, "s.csv"), "--plot", plot}, tc.extra...)
			_, _, err := execute(t, args...)
			require.NoError(t, err)
			data := checkPlot(t, plot)
			assert.Less(t, len(data), 300_000, "the plot is small")
			for _, w := range tc.want {
				assert.Contains(t, string(data), w)
			}
		})
	}
}

func TestRunPlotErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--plot", filepath.Join(dir, "a.pdf")}, "--plot: "},
		{[]string{"--plot", filepath.Join(dir, "a.svg"), "--windows", filepath.Join(dir, "none.json")}, "none.json"},
	} {
		args := append([]string{"run", "--model", "small", "--data", speedCSV, "--out", filepath.Join(dir, "s.csv")}, tc.args...)
		_, _, err := execute(t, args...)
		require.Error(t, err, strings.Join(tc.args, " "))
		assert.Contains(t, err.Error(), tc.want)
	}
}
