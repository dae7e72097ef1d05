package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// htmhw nab end to end on the three-file NAB slice in testdata/nabscore.
func TestNABCommand(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	out := t.TempDir()
	stdout, _, err := execute(t, "nab", "--nab", real, "--windows", filepath.Join(real, "windows.json"), "--out", out, "-j", "2")
	require.NoError(t, err)
	assert.Contains(t, stdout, "nab: 3 files, ")
	assert.Contains(t, stdout, "int engine, 12-bit permanences")
	for _, p := range []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"} {
		assert.Contains(t, stdout, p)
	}
	c, err := nab.LoadCorpus(filepath.Join(real, "data"), filepath.Join(real, "windows.json"))
	require.NoError(t, err)
	res, err := nab.ReadResults(out, "htmhw")
	require.NoError(t, err)
	require.NoError(t, res.Check(c), "the written results are a complete NAB result set")

	_, _, err = execute(t, "nab", "--nab", t.TempDir(), "--out", out)
	assert.Error(t, err, "an empty NAB folder")
	_, _, err = execute(t, "nab", "--nab", real, "--windows", filepath.Join(real, "windows.json"), "--bits", "8", "--out", out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sp.synPermInactiveDec 0.0005 rounds to 0 at 8-bit permanences")
}

// htmhw nab --bits with several widths: one run each, under its own
// detector name, then a table of the widths' scores.
func TestNABCommandWidths(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	out := t.TempDir()
	args := []string{"nab", "--nab", real, "--windows", filepath.Join(real, "windows.json"), "--out", out, "-j", "2"}
	stdout, _, err := execute(t, append(args, "--bits", "10,12")...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "== 10-bit permanences")
	assert.Contains(t, stdout, "10-bit permanences; results in "+filepath.Join(out, "htmhw10b"))
	assert.Contains(t, stdout, "nab, int engine, by permanence width:")
	assert.Regexp(t, `(?m)^ +12 +\d+\.\d\d +\d+\.\d\d +\d+\.\d\d *$`, stdout)
	for _, d := range []string{"htmhw10b", "htmhw12b"} {
		_, err := nab.ReadResults(out, d)
		require.NoError(t, err, d)
	}
	_, _, err = execute(t, append(args, "--bits", "10,12", "--engine", "float")...)
	assert.ErrorContains(t, err, "several widths need the int engine")
	_, _, err = execute(t, append(args, "--bits", "10,0")...)
	assert.ErrorContains(t, err, "width 0 must be positive")
}
