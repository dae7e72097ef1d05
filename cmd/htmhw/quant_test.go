package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/quant"
)

func TestQuant(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "report")
	stdout, _, err := execute(t, "quant", "--model", "hello", "--data", speedCSV, "--bits", "4,8,16", "--out", dir, "-j", "2")
	require.NoError(t, err)
	assert.Contains(t, stdout, "1127 rows, 4 integer runs and the float reference")
	assert.Contains(t, stdout, "    4 lsb ")
	assert.Contains(t, stdout, "    4 zero ")

	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(md), "# Quantization report: `hello` on `speed_7578.csv`\n"))

	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	require.NoError(t, err)
	var rep quant.Report
	require.NoError(t, json.Unmarshal(data, &rep))
	assert.Equal(t, quant.Schema, rep.Schema)
	assert.Equal(t, "speed_7578.csv", rep.Data)
	assert.Equal(t, []int{4, 8, 16}, rep.Widths)
	assert.Len(t, rep.Runs, 4)

	f, err := os.Open(filepath.Join(dir, "quant.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, [2]int{8 * 96, 5 * 96}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, "8 x 5 inches at 96 dpi")

	// No temporary files are left behind.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"quant.png", "report.json", "report.md"}, names)
}

func TestQuantErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bits", "3"}, "--bits 3: widths must be 4 to 16"},
		{[]string{"--init", "mine"}, `--init "mine": want shared or own`},
		{[]string{"-j", "0"}, "--jobs 0 must be at least 1"},
		{[]string{"--missing", "drop"}, "--missing"},
	} {
		args := append([]string{"quant", "--model", "hello", "--data", speedCSV, "--out", dir}, tc.args...)
		_, _, err := execute(t, args...)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want)
	}
	_, _, err := execute(t, "quant", "--model", "hello")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"data" not set`)
	// A failed run writes nothing.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

// A preset name is the preset even where a directory of that name is in
// the way, as the repository's nab/ is at its root.
func TestLoadModelPresetOverDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "nab"), 0o755))
	t.Chdir(dir)
	cfg, err := loadModel("nab")
	require.NoError(t, err)
	assert.Equal(t, "nab", cfg.Name)
}
