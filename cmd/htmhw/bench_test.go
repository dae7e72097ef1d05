package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBench(t *testing.T) {
	out, _, err := execute(t, "bench", "--data", speedCSV, "--preset", "hello,nab-trace", "--engine", "int,sim", "--steps", "20", "--columns", "1024")
	require.NoError(t, err)
	assert.Contains(t, out, "load average before: ")
	assert.Contains(t, out, "load average after: ")
	var cases []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 8 && (f[0] == "hello" || f[0] == "nab-trace") {
			assert.Equal(t, "1024", f[1], l)
			assert.Equal(t, "1107", f[3], l) // 1127 rows, 20 timed
			cases = append(cases, f[0]+"/"+f[2])
		}
	}
	assert.Equal(t, []string{"hello/int", "hello/sim", "nab-trace/int", "nab-trace/sim"}, cases)
}

func TestBenchPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "columns.svg")
	out, _, err := execute(t, "bench", "--data", speedCSV, "--preset", "hello", "--engine", "int,sim", "--steps", "10", "--columns", "256,512", "--plot", path)
	require.NoError(t, err)
	assert.Contains(t, out, "plot: "+path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	svg := string(b)
	assert.True(t, strings.HasPrefix(strings.TrimSpace(svg), "<?xml") || strings.Contains(svg, "<svg"), "not an SVG")
	for _, want := range []string{"hello int", "hello sim", "columns", "CPU ms/step"} {
		assert.Contains(t, svg, want)
	}
}

func TestBenchErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"steps", []string{"--steps", "0"}, "--steps 0: want at least 1"},
		{"passes", []string{"--passes", "0"}, "--passes 0: want at least 1"},
		{"engine", []string{"--engine", "gpu"}, `--engine "gpu": unknown (want int, float, sim)`},
		{"preset", []string{"--preset", "nosuch"}, `no preset "nosuch"`},
		{"too many steps", []string{"--steps", "1127"}, "1127 rows leave none to train before 1127 timed steps"},
		{"segments", []string{"--preset", "hello", "--segments", "100000", "--steps", "10"}, "not 100000"},
		{"plot format", []string{"--columns", "256,512", "--plot", "x.txt"}, `--plot: x.txt: a plot is written as .svg or .png, not ".txt"`},
		{"plot one case", []string{"--plot", "x.svg"}, "--plot needs several --columns or several --segments"},
		{"plot both", []string{"--columns", "256,512", "--segments", "10,20", "--plot", "x.svg"}, "several --columns and several --segments"},
		{"date encoder", []string{"--preset", "nab", "--engine", "int", "--steps", "10", "--htmcore", "/bin/true"}, "nab has a date encoder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := execute(t, append([]string{"bench", "--data", speedCSV}, tc.args...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
