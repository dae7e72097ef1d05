package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
)

func TestCompileFreshAndTrained(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh.img")
	out, _, err := execute(t, "compile", "--model", "small", "--data", speedCSV, "-o", fresh,
		"--mem-dir", filepath.Join(dir, "mem"), "--format", "readmemh,coe,ihex")
	require.NoError(t, err)
	assert.Contains(t, out, "16 memories, 737792 bits, after 0 steps")
	assert.FileExists(t, filepath.Join(dir, "mem", "tm.syn.hex"))
	assert.FileExists(t, filepath.Join(dir, "mem", "sp.pool.coe"))
	assert.FileExists(t, filepath.Join(dir, "mem", "cfg.ihex"))

	// A trained region: run with --save-state, compile the snapshot.
	snap := filepath.Join(dir, "s.snap")
	_, _, err = execute(t, "run", "--model", "small", "--data", speedCSV, "--out", filepath.Join(dir, "s.csv"), "--save-state", snap)
	require.NoError(t, err)
	trained := filepath.Join(dir, "trained.img")
	out, _, err = execute(t, "compile", "--state", snap, "-o", trained)
	require.NoError(t, err)
	assert.Contains(t, out, "after 1127 steps")
	im, err := image.ReadFile(trained)
	require.NoError(t, err)
	r, err := im.Region()
	require.NoError(t, err)
	assert.Equal(t, uint64(1127), r.Steps())
	assert.Greater(t, r.TM().NumSegments(), 100)

	out, _, err = execute(t, "image", "inspect", trained)
	require.NoError(t, err)
	assert.Contains(t, out, `model "small", 8-bit permanences, after 1127 steps`)
	assert.Contains(t, out, "iCE40 UP5K")
	assert.Contains(t, out, "memory on chip")

	out, _, err = execute(t, "image", "inspect", "--part", "up5k", trained)
	require.NoError(t, err)
	assert.Regexp(t, `iCE40 UP5K +SPRAM 4/4, EBR 29/30: memory on chip \(97% of block RAM\); logic ~[0-9]+ of 5280 LC \([0-9]+%, estimated\)`, out)
	assert.Regexp(t, `tm\.syn +16384 x 19 +image +SPRAM +\[0 1\]`, out)
	_, _, err = execute(t, "image", "inspect", "--part", "virtex", trained)
	require.ErrorContains(t, err, `no part "virtex"`)
}

func TestCompileErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "g.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,100", "-o", good)
	require.NoError(t, err)
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	data[len(data)-200] ^= 0x40
	bad := writeFile(t, dir, "bad.img", string(data))

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"compile", "--model", "small", "-o", filepath.Join(dir, "x.img")}, "give --data or --range"},
		{[]string{"compile", "--model", "small", "--range", "5,1", "-o", filepath.Join(dir, "x.img")}, `--range "5,1"`},
		{[]string{"compile", "-o", filepath.Join(dir, "x.img")}, "give --model or --state"},
		{[]string{"compile", "--model", "small", "--range", "0,1", "--mem-dir", dir, "--format", "mif", "-o", filepath.Join(dir, "x.img")}, `unknown memory file format "mif"`},
		{[]string{"image", "inspect", bad}, `bad.img: image: section "tm.active": crc mismatch`},
		{[]string{"image", "inspect", filepath.Join(dir, "none.img")}, "none.img"},
	}
	for _, tc := range tests {
		_, _, err := execute(t, tc.args...)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
	}
}
