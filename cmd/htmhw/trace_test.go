package main

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/trace"
)

func TestTraceInt(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "t.csv")
	_, _, err := execute(t, "trace", "--engine", "int", "--model", "hello", "--data", speedCSV, "--out", out)
	require.NoError(t, err)
	lines := readLines(t, out)
	require.Len(t, lines, 1128)
	assert.Equal(t, trace.Header, lines[0])

	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	rows, err := trace.Read(f)
	require.NoError(t, err, "trace.Read refuses the trace")
	require.Len(t, rows, 1127)
	assert.Equal(t, "1", rows[0][3], "anomaly of the first step")
	assert.Equal(t, "0", rows[0][10], "segments before any learning")

	// The default engine is int and the default output is stdout; run
	// --trace writes the same trace.
	stdout, _, err := execute(t, "trace", "--model", "hello", "--data", speedCSV)
	require.NoError(t, err)
	assert.Equal(t, strings.Join(lines, "\n")+"\n", stdout)
	runTrace := filepath.Join(dir, "run.trace")
	_, _, err = execute(t, "run", "--model", "hello", "--data", speedCSV, "--out", filepath.Join(dir, "s.csv"), "--trace", runTrace)
	require.NoError(t, err)
	assert.Equal(t, lines, readLines(t, runTrace))
}

// The float engine's trace of the hello preset is htm.core's own trace of
// it, byte for byte: what `diff` would say.
func TestTraceFloatEqualsHTMCore(t *testing.T) {
	stdout, _, err := execute(t, "trace", "--engine", "float", "--model", "hello", "--data", speedCSV)
	require.NoError(t, err)
	f, err := os.Open("../../testdata/htmcore/t_speed7578_hello.csv.gz")
	require.NoError(t, err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	require.NoError(t, err)
	want, err := io.ReadAll(z)
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout)

	// The nab preset has a date encoder, which the float engine
	// concatenates after the RDSE as the golden model does: the encodings
	// of the two engines are equal.
	floatOut, _, err := execute(t, "trace", "--engine", "float", "--model", "nab", "--data", speedCSV)
	require.NoError(t, err)
	intOut, _, err := execute(t, "trace", "--engine", "int", "--model", "nab", "--data", speedCSV)
	require.NoError(t, err)
	fl, il := strings.Split(floatOut, "\n"), strings.Split(intOut, "\n")
	require.Equal(t, len(il), len(fl))
	for i := 1; i < len(fl)-1; i++ {
		assert.Equal(t, strings.Split(il[i], ",")[1], strings.Split(fl[i], ",")[1], "line %d: encodings", i+1)
	}
}

func TestTraceEngines(t *testing.T) {
	_, _, err := execute(t, "trace", "--engine", "fixed", "--model", "hello", "--data", speedCSV)
	require.Error(t, err)
	assert.Equal(t, `--engine "fixed": unknown engine (want int or float)`, err.Error())
}
