package main

import (
	stdpng "image/png"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const jumpsupCSV = "../../testdata/nab/art_daily_jumpsup.csv"

// simTrace compiles the small preset, runs the simulator over the first
// rows of jumpsup and returns the image, data and trace paths.
func simTrace(t *testing.T, rows int) (img, data, tr string) {
	t.Helper()
	dir := t.TempDir()
	lines := readLines(t, jumpsupCSV)
	data = writeFile(t, dir, "d.csv", strings.Join(lines[:rows+1], "\n")+"\n")
	img = filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,200", "-o", img)
	require.NoError(t, err)
	tr = filepath.Join(dir, "sim.trace")
	out, _, err := execute(t, "sim", "--image", img, "--data", data, "--trace", tr, "--clock", "48MHz")
	require.NoError(t, err)
	assert.Contains(t, out, "steps/s at 48 MHz")
	assert.Contains(t, out, "TM_DENDRITE")
	assert.Contains(t, out, "tm.syn")
	return img, data, tr
}

func TestSimAndVerify(t *testing.T) {
	img, data, tr := simTrace(t, 400)
	assert.Len(t, readLines(t, tr), 401)
	png := filepath.Join(t.TempDir(), "cycles.png")
	_, _, err := execute(t, "sim", "--image", img, "--data", data, "--plot", png)
	require.NoError(t, err)
	f, err := os.Open(png)
	require.NoError(t, err)
	defer f.Close()
	pic, err := stdpng.Decode(f)
	require.NoError(t, err, "the cycle plot is a PNG")
	assert.Equal(t, [2]int{9 * 96, 5 * 96}, [2]int{pic.Bounds().Dx(), pic.Bounds().Dy()}, "9 x 5 inches at 96 dpi")
	for _, ref := range []string{"sim", "golden"} {
		out, _, err := execute(t, "verify", "--reference", ref, "--image", img, "--data", data, "--trace", tr)
		require.NoError(t, err, ref)
		assert.Contains(t, out, "400 steps match the "+ref+" reference")
	}
}

// Single-bit corruptions planted in a trace are found at their step and
// register.
func TestVerifyFindsPlantedCorruptions(t *testing.T) {
	img, data, tr := simTrace(t, 300)
	lines := readLines(t, tr)
	tests := []struct {
		name string
		step int
		edit func(f []string) []string
		want string
	}{
		{"column bit", 123, func(f []string) []string {
			cols := strings.Fields(f[1])
			cols[3] = flipLowBit(cols[3])
			f[1] = strings.Join(sortNumeric(cols), " ")
			return f
		}, "step 123: cols differs (phase SP_INHIBIT) after 123 matching steps"},
		{"anomaly bit", 200, func(f []string) []string { f[3] = flipLowBit(f[3]); return f }, "step 200: anom_num differs (phase TM_PREDICT) after 200 matching steps"},
		{"cycles bit", 17, func(f []string) []string { f[5] = flipLowBit(f[5]); return f }, "step 17: cycles differs"},
		{"predicted", 250, func(f []string) []string { f[2] = "7"; return f }, "step 250: pred differs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := append([]string(nil), lines...)
			f := strings.Split(bad[tc.step+1], ",")
			bad[tc.step+1] = strings.Join(tc.edit(f), ",")
			path := writeFile(t, t.TempDir(), "bad.trace", strings.Join(bad, "\n")+"\n")
			ref := "sim"
			_, _, err := execute(t, "verify", "--reference", ref, "--image", img, "--data", data, "--trace", path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	// Against the golden model, cycles are not compared.
	bad := append([]string(nil), lines...)
	f := strings.Split(bad[18], ",")
	f[5] = flipLowBit(f[5])
	bad[18] = strings.Join(f, ",")
	path := writeFile(t, t.TempDir(), "cyc.trace", strings.Join(bad, "\n")+"\n")
	_, _, err := execute(t, "verify", "--reference", "golden", "--image", img, "--data", data, "--trace", path)
	assert.NoError(t, err)
}

// A trace cut short (at a line boundary, or to its header) fails unless
// --prefix asks for a check of the steps it has; one without steps always
// fails.
func TestVerifyIncompleteTrace(t *testing.T) {
	img, data, tr := simTrace(t, 50)
	lines := readLines(t, tr)
	dir := t.TempDir()
	cut := writeFile(t, dir, "cut.trace", strings.Join(lines[:11], "\n")+"\n")
	header := writeFile(t, dir, "header.trace", lines[0]+"\n")
	for _, ref := range []string{"sim", "golden"} {
		_, _, err := execute(t, "verify", "--reference", ref, "--image", img, "--data", data, "--trace", cut)
		require.Error(t, err, ref)
		assert.Contains(t, err.Error(), "incomplete: its 10 steps match the "+ref+" reference, but the data has 50 rows (40 more)")
		out, _, err := execute(t, "verify", "--reference", ref, "--image", img, "--data", data, "--trace", cut, "--prefix")
		require.NoError(t, err, ref)
		assert.Contains(t, out, "10 steps match the "+ref+" reference")
		assert.Contains(t, out, "40 more rows")
		for _, prefix := range []string{"--prefix=false", "--prefix"} {
			_, _, err = execute(t, "verify", "--reference", ref, "--image", img, "--data", data, "--trace", header, prefix)
			assert.ErrorContains(t, err, "no steps to check", ref)
		}
	}
}

// No output may replace an input of the same run.
func TestOutputIsNotAnInput(t *testing.T) {
	img, data, _ := simTrace(t, 20)
	before, err := os.ReadFile(data)
	require.NoError(t, err)
	model := writeFile(t, t.TempDir(), "m.yaml", "name: m\nencoder: {rdse: {size: 100, activeBits: 5, resolution: 1, seed: 1}}\nsp: {columnDimensions: [64], localAreaDensity: 0.1}\ntm: {cellsPerColumn: 2}\n")
	link := filepath.Join(t.TempDir(), "link.csv")
	require.NoError(t, os.Symlink(data, link))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--model", "small", "--data", data, "--out", data}, "--out " + data + ": that is the input --data"},
		{[]string{"run", "--model", "small", "--data", data, "--out", link}, ": that is the input --data"},
		{[]string{"run", "--model", "small", "--data", data, "--out", "-", "--plot", data}, "--plot " + data + ": that is the input --data"},
		{[]string{"run", "--model", model, "--data", data, "--out", "-", "--save-state", model}, "that is the input --model"},
		{[]string{"run", "--image", img, "--data", data, "--out", data}, "that is the input --data"},
		{[]string{"run", "--image", img, "--data", data, "--out", "-", "--read-state", img}, "that is the input --image"},
		{[]string{"trace", "--model", "small", "--data", data, "--out", data}, "that is the input --data"},
		{[]string{"sim", "--image", img, "--data", data, "--trace", data}, "that is the input --data"},
		{[]string{"sim", "--image", img, "--data", data, "--trace", img}, "that is the input --image"},
		{[]string{"compile", "--model", model, "--data", data, "-o", data}, "that is the input --data"},
		{[]string{"compile", "--model", model, "--range", "0,1", "-o", model}, "that is the input --model"},
	}
	for _, tc := range tests {
		_, _, err := execute(t, tc.args...)
		require.Error(t, err, "%v", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%v", tc.args)
	}
	after, err := os.ReadFile(data)
	require.NoError(t, err)
	assert.Equal(t, before, after, "the data was written")
}

// A single-bit corruption of the image is refused, naming the memory.
func TestVerifyRefusesCorruptImage(t *testing.T) {
	img, data, tr := simTrace(t, 50)
	b, err := os.ReadFile(img)
	require.NoError(t, err)
	b[len(b)-40] ^= 0x02 // inside the last section, tm.winner
	bad := writeFile(t, t.TempDir(), "bad.img", string(b))
	_, _, err = execute(t, "verify", "--image", bad, "--data", data, "--trace", tr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `section "tm.winner": crc mismatch`)
	_, _, err = execute(t, "sim", "--image", bad, "--data", data)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "crc mismatch")
	_, _, err = execute(t, "sim", "--image", img, "--data", data, "--clock", "fast")
	assert.ErrorContains(t, err, `--clock "fast"`)
}

// flipLowBit flips the lowest bit of a decimal number.
func flipLowBit(s string) string {
	v, _ := strconv.ParseUint(s, 10, 64)
	return strconv.FormatUint(v^1, 10)
}

// sortNumeric sorts decimal numbers by value.
func sortNumeric(s []string) []string {
	sort.Slice(s, func(i, j int) bool {
		a, _ := strconv.Atoi(s[i])
		b, _ := strconv.Atoi(s[j])
		return a < b
	})
	return s
}
