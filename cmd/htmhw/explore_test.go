package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/explore"
)

// htmhw explore end to end: a two-variant grid on the three-file NAB slice.
func TestExploreCommand(t *testing.T) {
	real := filepath.Join("..", "..", "testdata", "nabscore", "real")
	dir := t.TempDir()
	grid := writeFile(t, dir, "grid.yaml", "name: tiny\nseries: realTraffic/speed_7578.csv\nsteps: 100\nvariants:\n  - base: small\n    columns: [128, 256]\n")
	out := filepath.Join(dir, "out")
	args := []string{"explore", "--grid", grid, "--nab", real, "--windows", filepath.Join(real, "windows.json"), "--out", out, "-j", "2"}
	stdout, _, err := execute(t, args...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "tiny grid: 2 variants (0 from the cache) on 3 files")
	assert.Contains(t, stdout, "small cols=128")
	assert.Contains(t, stdout, "Best variant each part holds on chip")
	for _, name := range []string{"explore.csv", "explore.json", "explore.svg", "explore.png"} {
		fi, err := os.Stat(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Positive(t, fi.Size(), name)
	}
	stdout, _, err = execute(t, args...)
	require.NoError(t, err)
	assert.Contains(t, stdout, "tiny grid: 2 variants (2 from the cache)")

	stdout, _, err = execute(t, "explore", "--print-grid")
	require.NoError(t, err)
	assert.Equal(t, string(explore.DefaultGridYAML), stdout)

	_, _, err = execute(t, "explore", "--grid", filepath.Join(dir, "none.yaml"), "--nab", real, "--out", out)
	assert.Error(t, err)
}
