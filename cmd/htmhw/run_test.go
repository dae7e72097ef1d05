package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

func TestRunHello(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "scores.csv")
	stdout, stderr, err := execute(t, "run", "--model", "hello", "--data", speedCSV, "--out", out)
	require.NoError(t, err)
	assert.Empty(t, stdout)
	assert.Regexp(t, `^1127 rows in \S+, \d+ µs/step, mean anomaly 0\.\d{4}, no likelihood, \d+ segments, \d+ synapses\n$`, stderr)

	lines := readLines(t, out)
	require.Len(t, lines, 1128)
	assert.Equal(t, "timestamp,value,anomaly,likelihood,active_columns,predicted_columns", lines[0])
	input, err := series.ReadFile(speedCSV, series.Options{})
	require.NoError(t, err)
	for i, line := range lines[1:] {
		f := strings.Split(line, ",")
		require.Len(t, f, 6, "line %d: %q", i+2, line)
		ts, err := time.Parse(timeLayout, f[0])
		require.NoError(t, err, "line %d", i+2)
		assert.Equal(t, input[i].Time, ts, "line %d", i+2)
		v, err := strconv.ParseFloat(f[1], 64)
		require.NoError(t, err, "line %d", i+2)
		assert.Equal(t, input[i].Value, v, "line %d", i+2)
		a, err := strconv.ParseFloat(f[2], 64)
		require.NoError(t, err, "line %d", i+2)
		assert.True(t, a >= 0 && a <= 1, "line %d: anomaly %g", i+2, a)
		assert.Equal(t, "0.5", f[3], "line %d: hello has no likelihood", i+2)
		assert.Equal(t, "102", f[4], "line %d: hello selects 5%% of 2048 columns", i+2)
		n, err := strconv.Atoi(f[5])
		require.NoError(t, err, "line %d", i+2)
		assert.True(t, n >= 0 && n <= 2048, "line %d: %d predicted columns", i+2, n)
	}
	assert.Equal(t, "1", strings.Split(lines[1], ",")[2], "the first input cannot be predicted")
	assert.Equal(t, "0", strings.Split(lines[1], ",")[5], "nothing is predicted for the first input")

	// A second run, to standard output, gives the same bytes.
	stdout, _, err = execute(t, "run", "--model", "hello", "--data", speedCSV, "--out", "-")
	require.NoError(t, err)
	first, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, stdout == string(first), "two runs differ")
	assertNoTempFiles(t, dir)
}

func TestRunNoLearn(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "d.csv", "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n2020-01-01 00:10:00,1\n2020-01-01 00:15:00,2\n")
	out := filepath.Join(dir, "s.csv")
	_, stderr, err := execute(t, "run", "--model", "hello", "--data", data, "--out", out, "--no-learn")
	require.NoError(t, err)
	assert.Contains(t, stderr, "4 rows in ")
	assert.Contains(t, stderr, ", 0 segments, 0 synapses", "a region that does not learn grows nothing")
	for _, line := range readLines(t, out)[1:] {
		assert.Equal(t, "1", strings.Split(line, ",")[2], "without learning nothing is predicted: %q", line)
	}
}

// resolvedModel writes the preset with its RDSE resolution derived from
// the range of the whole data file, so that runs over parts of the file
// encode as a run over all of it does.
func resolvedModel(t *testing.T, dir, preset, data string) string {
	t.Helper()
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	rows, err := series.ReadFile(data, series.Options{})
	require.NoError(t, err)
	require.True(t, cfg.NeedsRange())
	cfg.ResolveResolution(series.Range(rows))
	text, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	return writeFile(t, dir, preset+"-resolved.yaml", string(text))
}

// splitCSV writes the header and the first n data rows of a CSV file to
// one file and the header and the rest to another.
func splitCSV(t *testing.T, dir, data string, n int) (first, rest string) {
	t.Helper()
	text, err := os.ReadFile(data)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	first = writeFile(t, dir, "first.csv", strings.Join(lines[:1+n], "\n")+"\n")
	rest = writeFile(t, dir, "rest.csv", lines[0]+"\n"+strings.Join(lines[1+n:], "\n")+"\n")
	return first, rest
}

func TestRunResume(t *testing.T) {
	// nab carries the likelihood's history across the snapshot too; 700
	// rows are past its learning period, so the likelihood is no longer
	// 0.5 on either side.
	dir := t.TempDir()
	mod := resolvedModel(t, dir, "nab", speedCSV)
	first, rest := splitCSV(t, dir, speedCSV, 700)
	p := func(name string) string { return filepath.Join(dir, name) }

	_, _, err := execute(t, "run", "--model", mod, "--data", speedCSV, "--out", p("all.csv"), "--trace", p("all.trace"))
	require.NoError(t, err)
	_, _, err = execute(t, "run", "--model", mod, "--data", first, "--out", p("a.csv"), "--trace", p("a.trace"), "--save-state", p("snap"))
	require.NoError(t, err)
	_, stderr, err := execute(t, "run", "--load-state", p("snap"), "--data", rest, "--out", p("b.csv"), "--trace", p("b.trace"))
	require.NoError(t, err)
	assert.Contains(t, stderr, "427 rows in ")

	all, a, b := readLines(t, p("all.csv")), readLines(t, p("a.csv")), readLines(t, p("b.csv"))
	require.Len(t, all, 1128)
	require.Len(t, a, 701)
	require.Len(t, b, 428)
	assert.Equal(t, all[0], b[0])
	assert.Equal(t, all[1:], append(a[1:], b[1:]...), "a resumed run differs from a single run")
	assert.NotEqual(t, "0.5", strings.Split(b[len(b)-1], ",")[3], "the likelihood is still learning")

	// Trace steps go on from the snapshot's.
	tall, ta, tb := readLines(t, p("all.trace")), readLines(t, p("a.trace")), readLines(t, p("b.trace"))
	assert.Equal(t, tall[1:], append(ta[1:], tb[1:]...), "traces of a resumed run differ from a single run's")
	assert.True(t, strings.HasPrefix(tb[1], "700,"), "first step after resuming: %.20q", tb[1])

	// --model may be given with --load-state if it is the snapshot's.
	_, _, err = execute(t, "run", "--model", mod, "--load-state", p("snap"), "--data", rest, "--out", p("c.csv"))
	require.NoError(t, err)
	assert.Equal(t, b, readLines(t, p("c.csv")))
	// The preset derives the same resolution from the data, so is the same model.
	_, _, err = execute(t, "run", "--model", "nab", "--load-state", p("snap"), "--data", rest, "--out", p("c.csv"))
	require.NoError(t, err)
	_, _, err = execute(t, "run", "--model", "hello", "--load-state", p("snap"), "--data", rest, "--out", p("c.csv"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the snapshot holds a different model ("nab")`)
}

func TestRunCorruptSnapshot(t *testing.T) {
	dir := t.TempDir()
	first, rest := splitCSV(t, dir, speedCSV, 50)
	snap := filepath.Join(dir, "snap")
	_, _, err := execute(t, "run", "--model", "hello", "--data", first, "--out", filepath.Join(dir, "a.csv"), "--save-state", snap)
	require.NoError(t, err)
	data, err := os.ReadFile(snap)
	require.NoError(t, err)
	require.Greater(t, len(data), 1000)
	data[len(data)/2] ^= 0x40
	require.NoError(t, os.WriteFile(snap, data, 0o644))

	// A failed run leaves an earlier output as it was.
	out := writeFile(t, dir, "b.csv", "earlier\n")
	_, _, err = execute(t, "run", "--load-state", snap, "--data", rest, "--out", out)
	require.Error(t, err)
	assert.Equal(t, snap+": model: snapshot: checksum mismatch (corrupt or truncated)", err.Error())
	assert.Equal(t, []string{"earlier"}, readLines(t, out))

	require.NoError(t, os.WriteFile(snap, []byte("not a snapshot"), 0o644))
	_, _, err = execute(t, "run", "--load-state", snap, "--data", rest, "--out", out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad magic")
	assertNoTempFiles(t, dir)
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "timestamp,value\n2015-09-08 11:39:00,73\n2015-09-08 11:44:00,abc\n")
	ragged := writeFile(t, dir, "ragged.csv", "timestamp,value\n2015-09-08 11:39:00,73,9\n")
	badTime := writeFile(t, dir, "time.csv", "timestamp,value\n2015-09-08 11:39:00,73\n\n9/8/2015,74\n")
	empty := writeFile(t, dir, "empty.csv", "timestamp,value\n")
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"not a number", []string{"--model", "hello", "--data", bad}, bad + `:3: column 2 "value": "abc" is not a number`},
		{"field count", []string{"--model", "hello", "--data", ragged}, ragged + ":2: row has 3 fields, header has 2"},
		{"timestamp", []string{"--model", "hello", "--data", badTime}, badTime + `:4: column 1 "timestamp": "9/8/2015" is not a timestamp`},
		{"no rows", []string{"--model", "hello", "--data", empty}, empty + ": no rows to run (policy fail)"},
		{"missing file", []string{"--model", "hello", "--data", filepath.Join(dir, "none.csv")}, "open " + filepath.Join(dir, "none.csv") + ": no such file or directory"},
		{"unknown preset", []string{"--model", "nosuch", "--data", speedCSV}, `model: no preset "nosuch" (have hello, nab, nab-numenta, nab-unpadded, small)`},
		{"missing model file", []string{"--model", "my.yaml", "--data", speedCSV}, "model: open my.yaml: no such file or directory"},
		{"no model", []string{"--data", speedCSV}, "give a model with --model"},
		{"bad policy", []string{"--model", "hello", "--data", speedCSV, "--missing", "drop"}, `--missing: series: unknown missing-value policy "drop"`},
		{"missing snapshot", []string{"--load-state", filepath.Join(dir, "none.snap"), "--data", speedCSV}, "open " + filepath.Join(dir, "none.snap") + ": no such file or directory"},
		{"same output twice", []string{"--model", "hello", "--data", speedCSV, "--trace", out}, "--trace " + out + ": another output of this run is written there"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := execute(t, append([]string{"run", "--out", out}, tc.args...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.NoFileExists(t, out)
		})
	}
	assertNoTempFiles(t, dir)
}

func TestRunMissingValues(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "gaps.csv", "timestamp,value\n"+
		"2020-01-01 00:00:00,1\n"+
		"2020-01-01 00:05:00,2\n"+
		"2020-01-01 00:10:00,nan\n"+
		"2020-01-01 00:15:00,\n"+
		"2020-01-01 00:20:00,5\n")
	out := filepath.Join(dir, "s.csv")

	_, _, err := execute(t, "run", "--model", "hello", "--data", data, "--out", out)
	require.Error(t, err)
	assert.Equal(t, data+`:4: column 2 "value": "nan" is a missing value (policy fail; use skip or hold to accept it)`, err.Error())

	_, stderr, err := execute(t, "run", "--model", "hello", "--data", data, "--out", out, "--missing", "skip")
	require.NoError(t, err)
	assert.Contains(t, stderr, "3 rows in ")
	lines := readLines(t, out)
	require.Len(t, lines, 4)
	assert.True(t, strings.HasPrefix(lines[3], "2020-01-01 00:20:00,5,"), lines[3])

	_, stderr, err = execute(t, "run", "--model", "hello", "--data", data, "--out", out, "--missing", "HOLD")
	require.NoError(t, err)
	assert.Contains(t, stderr, "5 rows (2 held) in ")
	lines = readLines(t, out)
	require.Len(t, lines, 6)
	assert.True(t, strings.HasPrefix(lines[3], "2020-01-01 00:10:00,2,"), lines[3])
	assert.True(t, strings.HasPrefix(lines[4], "2020-01-01 00:15:00,2,"), lines[4])
}

func TestProgressLine(t *testing.T) {
	assert.Equal(t, " 50/100  50% [===============               ] 50 rows/s, ETA 1s", progressLine(50, 100, "rows", time.Second))
	assert.Equal(t, "0/7   0% [                              ]", progressLine(0, 7, "words", 0))
	assert.Nil(t, newProgress(io.Discard, 10), "no bar off a terminal")
	var p *progress
	p.update(1) // a nil bar draws nothing
	p.finish()
}

// assertNoTempFiles checks that no temporary output file is left in dir.
func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.False(t, strings.Contains(e.Name(), ".tmp"), "temporary file %s left behind", e.Name())
	}
}

// The README's main command: compile, then run on the emulated board. The
// scores equal the golden model's run, byte for byte; the register trace
// passes htmhw verify, and --verify checks the board against the simulator
// as it runs.
func TestRunOnBoardEqualsGolden(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	_, _, err := execute(t, "compile", "--model", "nab", "--data", dailyCSV, "-o", p("region.img"))
	require.NoError(t, err)
	_, stderr, err := execute(t, "run", "--image", p("region.img"), "--data", dailyCSV, "--out", p("scores.csv"),
		"--plot", p("scores.svg"), "--trace", p("hw.trace"), "--verify")
	require.NoError(t, err)
	assert.Regexp(t, `^4032 rows in \S+, \d+ µs/step, mean anomaly 0\.\d{4}, max likelihood [0-9.e-]+, on sim://: 4032 steps .*retries: 0; 4032 steps match the simulator\n$`, stderr)
	_, _, err = execute(t, "run", "--model", "nab", "--data", dailyCSV, "--out", p("golden.csv"))
	require.NoError(t, err)
	board, golden := readLines(t, p("scores.csv")), readLines(t, p("golden.csv"))
	require.Len(t, board, 4033)
	assert.Equal(t, golden, board, "the board's scores differ from the golden model's")
	assert.FileExists(t, p("scores.svg"))

	tr := readLines(t, p("hw.trace"))
	require.Len(t, tr, 4033)
	assert.Equal(t, trace.RegsHeader, tr[0])
	out, _, err := execute(t, "verify", "--reference", "golden", "--image", p("region.img"), "--data", dailyCSV, "--trace", p("hw.trace"))
	require.NoError(t, err)
	assert.Contains(t, out, "4032 steps match the golden reference")
	assertNoTempFiles(t, dir)
}

// --board with --model compiles a fresh region; without learning, and with
// the hello preset (no likelihood), the scores are still the golden run's.
func TestRunOnBoardFromModel(t *testing.T) {
	dir := t.TempDir()
	first, _ := splitCSV(t, dir, speedCSV, 200)
	p := func(name string) string { return filepath.Join(dir, name) }
	for _, args := range [][]string{
		{"--model", "small"},
		{"--model", "hello"},
		{"--model", "small", "--no-learn"},
	} {
		_, stderr, err := execute(t, append([]string{"run", "--board", "sim://?burst=32", "--data", first, "--out", p("b.csv")}, args...)...)
		require.NoError(t, err, args)
		assert.Contains(t, stderr, "200 rows in ")
		assert.Contains(t, stderr, "on sim://?burst=32: 200 steps")
		_, _, err = execute(t, append([]string{"run", "--data", first, "--out", p("g.csv")}, args...)...)
		require.NoError(t, err, args)
		assert.Equal(t, readLines(t, p("g.csv")), readLines(t, p("b.csv")), args)
	}
}

func TestRunOnBoardErrors(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,100", "-o", img)
	require.NoError(t, err)
	out := filepath.Join(dir, "out.csv")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"verify without board", []string{"--model", "hello", "--data", speedCSV, "--verify"}, "--verify needs a board"},
		{"read-state without board", []string{"--model", "hello", "--data", speedCSV, "--read-state", filepath.Join(dir, "s")}, "--read-state needs a board"},
		{"image and model", []string{"--image", img, "--model", "hello", "--data", speedCSV}, "[image model] were all set"},
		{"load-state on board", []string{"--board", "sim://", "--load-state", img, "--data", speedCSV}, "--load-state does not run on a board"},
		{"save-state on board", []string{"--image", img, "--save-state", filepath.Join(dir, "s"), "--data", speedCSV}, "--save-state is not available with a board"},
		{"no image", []string{"--board", "sim://", "--data", speedCSV}, "give --image (htmhw compile) or --model"},
		{"unknown scheme", []string{"--board", "nosuch://x", "--image", img, "--data", speedCSV}, `unknown scheme "nosuch"`},
		{"missing image", []string{"--image", filepath.Join(dir, "none.img"), "--data", speedCSV}, "no such file or directory"},
		{"bad data", []string{"--image", img, "--data", filepath.Join(dir, "none.csv")}, "no such file or directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := execute(t, append([]string{"run", "--out", out}, tc.args...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.NoFileExists(t, out)
		})
	}
	assertNoTempFiles(t, dir)
}

// offByOne is a board whose CYCLES register reads one too many from the
// sixth step on: --verify stops there.
type offByOne struct{ *simbus.Bus }

func init() {
	driver.Register("offbyone", func(*url.URL) (driver.Bus, error) { return offByOne{simbus.New(nil)}, nil })
}

func (b offByOne) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	err := b.Bus.Read(ctx, addr, dst, incr)
	if d := b.Device(); d != nil && d.Steps() > 5 {
		for i := range dst {
			if a := addr + uint32(i); incr && a == arch.RegCycles || !incr && addr == arch.RegCycles {
				dst[i]++
			}
		}
	}
	return err
}

func TestRunVerifyStopsAtDivergence(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,100", "-o", img)
	require.NoError(t, err)
	out := filepath.Join(dir, "s.csv")
	_, _, err = execute(t, "run", "--board", "offbyone://", "--image", img, "--data", speedCSV, "--out", out, "--verify")
	require.Error(t, err)
	assert.Regexp(t, `^--verify: .*speed_7578.csv:7: the board differs from the simulator: step 5: cycles differs \(phase all\) after 5 matching steps: expected (\d+), got \d+$`, err.Error())
	assert.NoFileExists(t, out)
	// Without --verify the same board runs to the end.
	_, _, err = execute(t, "run", "--board", "offbyone://", "--image", img, "--data", speedCSV, "--out", out)
	require.NoError(t, err)
}

// flakyDev is the board behind flaky://: it lives in this process across
// runs, as a real board outlives the host's command.
var flakyDev *sim.Device

// flakyBus stops answering for good after the STEP command number `fail`
// of the run (counted from 1); with `late`, that command still reaches the
// board, so the board completes a step whose outputs the host never reads.
// fail=0: it never stops.
type flakyBus struct {
	*simbus.Bus
	fail, steps int
	late, dead  bool
}

func init() {
	driver.Register("flaky", func(u *url.URL) (driver.Bus, error) {
		fail, _ := strconv.Atoi(u.Query().Get("fail"))
		return &flakyBus{Bus: simbus.New(flakyDev), fail: fail, late: u.Query().Has("late")}, nil
	})
}

func (b *flakyBus) Provision(im *image.Image) error {
	if err := b.Bus.Provision(im); err != nil {
		return err
	}
	flakyDev = b.Device()
	return nil
}

func (b *flakyBus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if b.dead {
		return errors.New("timeout")
	}
	return b.Bus.Read(ctx, addr, dst, incr)
}

func (b *flakyBus) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if b.dead {
		return errors.New("timeout")
	}
	if addr == arch.RegCtrl && len(src) == 1 && src[0]&0xFF == arch.CmdStep {
		if b.steps++; b.fail > 0 && b.steps >= b.fail {
			b.dead = true
			if b.late {
				_ = b.Bus.Write(ctx, addr, src, incr)
			}
			return errors.New("timeout")
		}
	}
	return b.Bus.Write(ctx, addr, src, incr)
}

// A board that stops answering mid-run: the error names the last
// completed step and the scores so far are kept; --resume attaches to the
// board and finishes the run, byte for byte the scores of a run that was
// never interrupted (the likelihood, host state, replayed from the kept
// rows). Twice: the board stops before the STEP command arrives, and after
// (it computed a step whose row was not written).
func TestRunBoardResume(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	_, _, err := execute(t, "compile", "--model", "nab", "--data", speedCSV, "-o", p("region.img"))
	require.NoError(t, err)
	_, _, err = execute(t, "run", "--image", p("region.img"), "--data", speedCSV, "--out", p("whole.csv"))
	require.NoError(t, err)
	whole, err := os.ReadFile(p("whole.csv"))
	require.NoError(t, err)
	lines := strings.Split(string(whole), "\n")
	require.NotEqual(t, "0.5", strings.Split(lines[800], ",")[3], "past the likelihood's learning period")

	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("late=%v", late), func(t *testing.T) {
			flakyDev = nil
			out := p(fmt.Sprintf("scores-%v.csv", late))
			uri := "flaky://?fail=701"
			if late {
				uri += "&late"
			}
			_, _, err := execute(t, "run", "--board", uri, "--image", p("region.img"), "--data", speedCSV, "--out", out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "driver: board stopped answering after step 700: ")
			assert.Contains(t, err.Error(), "the scores of the first 700 rows are in "+out+": continue with --resume")
			want := uint64(700)
			if late {
				want = 701
			}
			assert.EqualValues(t, want, flakyDev.Steps())
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			assert.Equal(t, strings.Join(lines[:701], "\n")+"\n", string(got), "the rows done are kept")

			// Resumed on the same board, twice interrupted (with late, the
			// resumed run reads row 701 from the board's output registers).
			stop := 899
			if late {
				stop = 900
			}
			_, _, err = execute(t, "run", "--board", "flaky://?fail=200", "--image", p("region.img"), "--data", speedCSV, "--out", out, "--resume")
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("driver: board stopped answering after step %d: ", stop))
			_, stderr, err := execute(t, "run", "--board", "flaky://", "--image", p("region.img"), "--data", speedCSV, "--out", out, "--resume", "--plot", p("s.svg"))
			require.NoError(t, err)
			assert.Contains(t, stderr, "1127 rows in ")
			assert.Contains(t, stderr, fmt.Sprintf("resumed after row %d", stop))
			got, err = os.ReadFile(out)
			require.NoError(t, err)
			assert.Equal(t, string(whole), string(got), "the resumed scores differ from an uninterrupted run's")
			assertNoTempFiles(t, dir)
		})
	}

	// What --resume refuses.
	flakyDev = nil
	_, _, err = execute(t, "run", "--board", "flaky://?fail=11", "--image", p("region.img"), "--data", speedCSV, "--out", p("r.csv"))
	require.ErrorContains(t, err, "after step 10: ")
	short := p("short.csv")
	require.NoError(t, os.WriteFile(short, []byte(strings.Join(lines[:6], "\n")+"\n"), 0o644))
	other := p("other.csv")
	require.NoError(t, os.WriteFile(other, []byte(strings.Join(append(lines[:10:10], "2015-09-08 11:39:00,1,0,0.5,40,0"), "\n")+"\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--out", short}, "the board has done 10 steps of this image, " + short + " has only 5 rows"},
		{[]string{"--out", other}, "not a run of this data"},
		{[]string{"--out", p("none.csv")}, "no such file or directory"},
		{[]string{"--out", p("r.csv"), "--verify"}, "--resume continues the scores only"},
		{[]string{"--out", "-"}, `"--out -" has none`},
	} {
		_, _, err := execute(t, append([]string{"run", "--board", "flaky://", "--image", p("region.img"), "--data", speedCSV, "--resume"}, tc.args...)...)
		require.Error(t, err, tc.args)
		assert.Contains(t, err.Error(), tc.want, tc.args)
	}
	_, _, err = execute(t, "run", "--model", "hello", "--data", speedCSV, "--out", p("x.csv"), "--resume")
	require.ErrorContains(t, err, "--resume needs a board")
}

// tamperBus is a board whose memory 1 word 0 changes (bit 0 flips) when
// the host first selects a memory window after a step: ReadState then
// reads a state the simulator does not have.
type tamperBus struct {
	*simbus.Bus
	done bool
}

func init() {
	driver.Register("tamper", func(*url.URL) (driver.Bus, error) { return &tamperBus{Bus: simbus.New(nil)}, nil })
}

func (b *tamperBus) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if addr == arch.RegMemSel && !b.done && b.Device() != nil && b.Device().Steps() > 0 {
		b.done = true
		w := make([]uint32, 4)
		for _, err := range []error{
			b.Bus.Write(ctx, arch.RegMemLock, []uint32{arch.MemUnlock}, true),
			b.Bus.Write(ctx, arch.RegMemSel, []uint32{1, 0}, true),
			b.Bus.Read(ctx, arch.RegMemSel, w, true),
			b.Bus.Write(ctx, arch.RegMemSel, []uint32{1, 0, w[2] ^ 1, w[3]}, true),
			b.Bus.Write(ctx, arch.RegMemLock, []uint32{0}, true),
		} {
			if err != nil {
				return err
			}
		}
	}
	return b.Bus.Write(ctx, addr, src, incr)
}

// --read-state writes the board's learned memories as an image: a board
// that runs on from it gives the scores of a run that never stopped (but
// for the likelihood, host state that starts again), and with --verify
// the memories must equal the simulator's.
func TestRunBoardReadState(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	first, rest := splitCSV(t, dir, speedCSV, 400)
	_, _, err := execute(t, "compile", "--model", "small", "--data", speedCSV, "-o", p("r.img"))
	require.NoError(t, err)
	_, stderr, err := execute(t, "run", "--image", p("r.img"), "--data", first, "--out", p("a.csv"), "--read-state", p("learned.img"), "--verify")
	require.NoError(t, err)
	assert.Contains(t, stderr, "400 steps match the simulator, and so do the memories")
	learned, err := image.ReadFile(p("learned.img"))
	require.NoError(t, err)
	assert.EqualValues(t, 400, learned.Section("regs").Words[0], "the step count")
	_, _, err = execute(t, "run", "--image", p("learned.img"), "--data", rest, "--out", p("b.csv"))
	require.NoError(t, err)
	_, _, err = execute(t, "run", "--image", p("r.img"), "--data", speedCSV, "--out", p("all.csv"))
	require.NoError(t, err)
	// Every column but the likelihood (the fourth).
	cut := func(lines []string) []string {
		out := make([]string, len(lines))
		for i, l := range lines {
			f := strings.Split(l, ",")
			out[i] = strings.Join(append(f[:3:3], f[4:]...), ",")
		}
		return out
	}
	all, a, b := cut(readLines(t, p("all.csv"))), cut(readLines(t, p("a.csv"))), cut(readLines(t, p("b.csv")))
	require.Len(t, all, 1128)
	assert.Equal(t, all[1:], append(a[1:], b[1:]...), "a run continued from the board's state differs from a single run")

	// A board whose memory changed: --verify names the word.
	_, _, err = execute(t, "run", "--board", "tamper://", "--image", p("r.img"), "--data", first, "--out", p("t.csv"), "--read-state", p("t.img"), "--verify")
	require.Error(t, err)
	assert.Regexp(t, `^--verify: after the last row the board's memories differ from the simulator's: section "[a-z.]+" word 0: 0x[0-9a-f]+ and 0x[0-9a-f]+ \(board, simulator\)$`, err.Error())
	assert.NoFileExists(t, p("t.img"))
	assertNoTempFiles(t, dir)
}

// countdownCtx is a context that is cancelled at its n-th look (a call of
// Err or Done), so that a test interrupts a run at a reproducible point.
type countdownCtx struct {
	context.Context
	n    int
	done chan struct{}
}

func newCountdownCtx(n int) *countdownCtx {
	return &countdownCtx{Context: context.Background(), n: n, done: make(chan struct{})}
}

func (c *countdownCtx) look() {
	if c.n--; c.n == 0 {
		close(c.done)
	}
}

func (c *countdownCtx) Done() <-chan struct{} { c.look(); return c.done }

func (c *countdownCtx) Err() error {
	c.look()
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// An interrupt of a run on sim:// keeps the earlier --out and advises no
// --resume, which cannot work on a board that ended with the process;
// --resume on sim:// is refused, saying why.
func TestRunSimInterruptKeepsOldOutput(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,100", "-o", img)
	require.NoError(t, err)
	out := writeFile(t, dir, "s.csv", "old scores\n")
	for _, n := range []int{100, 2000, 8000} {
		cmd := newRootCmd()
		var stdout, stderr bytes.Buffer
		cmd.SetOut(&stdout)
		cmd.SetErr(&stderr)
		cmd.SetArgs([]string{"run", "--image", img, "--data", speedCSV, "--out", out})
		err = cmd.ExecuteContext(newCountdownCtx(n))
		require.Error(t, err, "cancelled at look %d", n)
		assert.Contains(t, err.Error(), "interrupted")
		assert.NotContains(t, err.Error(), "--resume")
		got, rerr := os.ReadFile(out)
		require.NoError(t, rerr)
		assert.Equal(t, "old scores\n", string(got), "cancelled at look %d: --out was replaced", n)
		assertNoTempFiles(t, dir)
		t.Logf("cancelled at look %d: %v", n, err)
	}
	_, _, err = execute(t, "run", "--image", img, "--data", speedCSV, "--out", out, "--resume")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--resume: sim:// is the simulator in this process")
}
