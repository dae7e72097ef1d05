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
