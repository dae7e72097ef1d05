package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// htmhw nab agree end to end on the three-file NAB slice in
// testdata/nabscore, whose results-raw holds NuPIC's published raw scores:
// the NuPIC float reference equals them on every row.
func TestNABAgreeCommand(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	md := filepath.Join(t.TempDir(), "agree.md")
	args := []string{"nab", "agree", "--nab", real, "--windows", filepath.Join(real, "windows.json"),
		"--raw", filepath.Join(real, "results-raw", "numenta"), "-j", "2"}
	stdout, _, err := execute(t, append(args, "--engine", "nupic", "--markdown", md)...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "| realTraffic/speed_7578.csv | 1127 | 1127 | 1127 | 1.0000 |")
	assert.Contains(t, stdout, "| realAdExchange/exchange-2_cpc_results.csv | 1624 | 1624 | 1624 | 1.0000 |")
	assert.Contains(t, stdout, "- nupic: 3 of 3 files equal on every row")
	assert.Contains(t, stdout, "| nupic | ")
	written, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Equal(t, stdout, string(written))

	_, _, err = execute(t, append(args, "--engine", "fixed")...)
	assert.ErrorContains(t, err, `--engine "fixed": want int, float or nupic`)
	_, _, err = execute(t, "nab", "agree", "--nab", real, "--windows", filepath.Join(real, "windows.json"), "--raw", t.TempDir())
	assert.ErrorContains(t, err, "no published results for")
}
