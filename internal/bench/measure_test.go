package bench_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/internal/bench"
	"github.com/htmhw/htmhw/series"
)

const speedCSV = "../../testdata/nab/speed_7578.csv"

func readSpeed(t *testing.T) []series.Row {
	t.Helper()
	rows, err := series.ReadFile(speedCSV, series.Options{})
	require.NoError(t, err)
	return rows
}

// TestMeasureSameState times every engine on the same rows: the simulator
// starts from the golden model's trained state and computes the same bits,
// so it ends with the same segments; the float reference, another model,
// merely has some.
func TestMeasureSameState(t *testing.T) {
	rows := readSpeed(t)
	cfg, err := bench.Config("hello", rows, 1024)
	require.NoError(t, err)
	segs := map[string]int{}
	for _, engine := range bench.Engines {
		c := bench.Case{Engine: engine, Config: cfg, Rows: rows, Train: 300}
		r, err := c.Measure(50)
		require.NoError(t, err, engine)
		assert.Equal(t, 50, r.Steps)
		assert.Positive(t, r.Wall)
		assert.Positive(t, r.Segments)
		segs[engine] = r.Segments
	}
	assert.Equal(t, segs["int"], segs["sim"])
}

func TestMeasureErrors(t *testing.T) {
	rows := readSpeed(t)
	cfg, err := bench.Config("hello", rows, 0)
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		c      bench.Case
		steps  int
		expect string
	}{
		{"beyond the series", bench.Case{Engine: "int", Config: cfg, Rows: rows, Train: 1100}, 100, "1100 trained + 100 timed rows, the series has 1127"},
		{"no training", bench.Case{Engine: "int", Config: cfg, Rows: rows}, 10, "at least one trained row"},
		{"engine", bench.Case{Engine: "gpu", Config: cfg, Rows: rows, Train: 10}, 10, `engine "gpu": unknown`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.Measure(tc.steps)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.expect)
		})
	}
}

func TestTrainForSegments(t *testing.T) {
	rows := readSpeed(t)
	cfg, err := bench.Config("hello", rows, 0)
	require.NoError(t, err)
	n, err := bench.TrainForSegments(cfg, rows, 50)
	require.NoError(t, err)
	c := bench.Case{Engine: "int", Config: cfg, Rows: rows, Train: n - 1}
	r, err := c.Measure(1)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, r.Segments, 50)
	_, err = bench.TrainForSegments(cfg, rows, 1<<20)
	assert.ErrorContains(t, err, "not 1048576")
}

func TestDriverArgs(t *testing.T) {
	args, err := bench.DriverArgs("nab-trace", 1024)
	require.NoError(t, err)
	for _, want := range []string{"sp.columns=1024", "sp.potentialRadius=400", "sp.localAreaDensity=0.01953125", "sp.numActiveColumnsPerInhArea=0", "rdse.buckets=130", "tm.cellsPerColumn=32", "tm.maxSynapsesPerSegment=32"} {
		assert.Contains(t, args, want)
	}

	// The driver derives the resolution as max(minResolution, (max - min) /
	// buckets), without NAB's padding: nab-trace must too (it is based on
	// nab-unpadded; on nab's padded range it learned a third fewer
	// segments than htm.core on nyc_taxi.csv).
	rows := readSpeed(t)
	cfg, err := bench.Config("nab-trace", rows, 0)
	require.NoError(t, err)
	lo, hi := series.Range(rows)
	assert.Equal(t, float64(float32(max(0.001, (hi-lo)/130))), cfg.Encoder.RDSE.Resolution)

	_, err = bench.DriverArgs("nab", 0)
	assert.ErrorContains(t, err, "date encoder")
	_, err = bench.DriverArgs("nosuch", 0)
	assert.ErrorContains(t, err, `no preset "nosuch"`)
}

// TestMeasureDriver runs a stand-in driver (a shell script writing a
// header and one row per step, segments in the next-to-last column).
func TestMeasureDriver(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in driver is a shell script")
	}
	dir := t.TempDir()
	driver := filepath.Join(dir, "driver")
	script := `#!/bin/sh
for a; do case $a in rows=*) n=${a#rows=};; esac; done
echo step,x,segments,synapses
i=0; while [ $i -lt $n ]; do echo $i,0,$((i*2)),0; i=$((i+1)); done
`
	require.NoError(t, os.WriteFile(driver, []byte(script), 0o755))
	rows := readSpeed(t)
	cfg, err := bench.Config("hello", rows, 0)
	require.NoError(t, err)
	args, err := bench.DriverArgs("hello", 0)
	require.NoError(t, err)
	c := bench.Case{Config: cfg, Rows: rows, Train: 100}
	d, err := c.MeasureDriver(driver, speedCSV, args, 20, 2)
	require.NoError(t, err)
	assert.Equal(t, 20, d.Steps)
	assert.Equal(t, 2*119, d.Segments)

	bad := filepath.Join(dir, "short")
	require.NoError(t, os.WriteFile(bad, []byte("#!/bin/sh\necho step\necho 0\n"), 0o755))
	_, err = c.MeasureDriver(bad, speedCSV, args, 20, 1)
	assert.ErrorContains(t, err, "wrote 1 trace rows for 120")
	_, err = c.MeasureDriver(filepath.Join(dir, "none"), speedCSV, args, 20, 1)
	assert.ErrorContains(t, err, "none")
}
