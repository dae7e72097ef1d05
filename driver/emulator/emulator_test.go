package emulator

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/drivertest"
	"github.com/htmhw/htmhw/driver/uartbone"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// e2eRegion compiles a preset for the rows and returns its image, a
// second image of the same configuration with other memories (the board's
// power-on state, so that Load has work to do) and the rows.
func e2eRegion(t testing.TB, preset, file string) (*image.Image, *image.Image, []series.Row) {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	cfg, err := model.Preset(preset)
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	im, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	// Power-on state: the region after 30 steps of learning.
	for _, row := range rows[:30] {
		_, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	old, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	return im, old, rows
}

// e2eResult is what an end-to-end run measured.
type e2eResult struct {
	steps     int
	elapsed   time.Duration
	stats     driver.Stats
	link      driver.LinkStats // of the steps
	server    ServerStats
	load      driver.LinkStats // of the load
	loadStats driver.Stats
}

// runE2E loads im on a board emulated as cfg says (backed by a sim.Device
// powered on with old), runs steps rows (looping over rows) with learning,
// and checks every output against the golden model decompiled from im.
func runE2E(t *testing.T, im, old *image.Image, rows []series.Row, steps int, cfg EmulatorConfig, query string, afterLoad func(*Emulator), opts ...driver.Option) e2eResult {
	t.Helper()
	dev, err := sim.NewDevice(old)
	require.NoError(t, err)
	e := startEmulator(t, dev, cfg)
	b, err := driver.Open(e.URI()+query, opts...)
	require.NoError(t, err)
	defer b.Close()
	// The run may take as long as the test may (go test -timeout), less a
	// margin to report; 5 minutes without a deadline.
	deadline := time.Now().Add(5 * time.Minute)
	if dl, ok := t.Deadline(); ok {
		deadline = dl.Add(-30 * time.Second)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	require.NoError(t, b.Load(ctx, im))
	linkStats := func() driver.LinkStats {
		if ls, ok := b.Bus().(driver.LinkStatser); ok {
			return ls.LinkStats()
		}
		return driver.LinkStats{}
	}
	loadLink, statsAfterLoad := linkStats(), b.Stats()
	if afterLoad != nil {
		afterLoad(e)
	}

	golden, err := im.Region()
	require.NoError(t, err)
	mcfg, err := im.ModelConfig()
	require.NoError(t, err)
	enc, err := model.NewEncoder(mcfg)
	require.NoError(t, err)
	start := time.Now()
	for i := range steps {
		row := rows[i%len(rows)]
		in, err := enc.Encode(row.Time, row.Value)
		require.NoError(t, err)
		out, err := b.Step(ctx, in, true)
		require.NoError(t, err, "step %d", i)
		want, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		require.Equal(t, uint64(i), out.Step-im.Section("regs").Words[0], "step %d: step number", i)
		require.True(t, slices.Equal(want.ActiveColumns, out.ActiveColumns), "step %d: active columns %v, want %v", i, out.ActiveColumns, want.ActiveColumns)
		require.True(t, slices.Equal(want.PredictedColumns, out.PredictedColumns), "step %d: predicted columns %v, want %v", i, out.PredictedColumns, want.PredictedColumns)
		require.Equal(t, want.Anomaly.Num, out.AnomalyNum, "step %d", i)
		require.Equal(t, want.Anomaly.Den, out.AnomalyDen, "step %d", i)
	}
	res := e2eResult{steps: steps, elapsed: time.Since(start), stats: b.Stats(), server: e.Stats(), link: linkStats()}
	res.load, res.loadStats = loadLink, statsAfterLoad
	res.link = sub(res.link, loadLink)
	// Exactly once: the board computed each step once.
	require.Equal(t, uint64(steps), dev.Steps()-im.Section("regs").Words[0])
	require.Equal(t, uint64(steps), golden.Steps())
	return res
}

func (r e2eResult) log(t *testing.T, what string) {
	t.Logf("%s: %d steps in %v: %.0f steps/s, %.1f bytes/step out, %.1f in; step retries %d",
		what, r.steps, r.elapsed.Round(time.Millisecond), float64(r.steps)/r.elapsed.Seconds(),
		float64(r.link.BytesOut)/float64(r.steps), float64(r.link.BytesIn)/float64(r.steps), r.stats.Retries()-r.loadStats.Retries())
	t.Logf("%s: load: %d bytes out, %d in, %d retries", what, r.load.BytesOut, r.load.BytesIn, r.loadStats.Retries())
	t.Logf("%s: board %s", what, r.stats.String())
	t.Logf("%s: link %+v", what, r.link)
	t.Logf("%s: emulator %+v", what, r.server)
}

// TestE2EUARTBonePTY runs the board on an unpaced pty, pipelined (the
// emulator's URI) and one round trip per read (pipeline=0, as on LiteX).
func TestE2EUARTBonePTY(t *testing.T) {
	im, old, rows := e2eRegion(t, "small", "art_daily_jumpsup.csv")
	for _, q := range []string{"", "&pipeline=0"} {
		r := runE2E(t, im, old, rows, 2000, EmulatorConfig{Listen: "pty"}, q, nil)
		r.log(t, "uartbone/pty"+q)
		requireOnlyTimeouts(t, r)
	}
}

// requireOnlyTimeouts checks that a run over a clean link retried nothing
// but calls whose reply timed out: on a loaded machine a reply may come
// after its timeout (the link's slack then grows), and nothing else may
// go wrong.
func requireOnlyTimeouts(t *testing.T, r e2eResult) {
	t.Helper()
	require.Equal(t, r.stats.BusErrors, r.stats.Retries(), "retries other than failed calls: %s", r.stats.String())
	require.LessOrEqual(t, r.stats.BusErrors, r.link.Timeouts+r.load.Timeouts, "failed calls that did not time out: %s; link %+v", r.stats.String(), r.link)
	require.Zero(t, r.link.Malformed+r.load.Malformed)
}

func TestE2EEtherboneTCP(t *testing.T) {
	im, old, rows := e2eRegion(t, "small", "art_daily_jumpsup.csv")
	r := runE2E(t, im, old, rows, 2000, EmulatorConfig{Listen: "tcp://127.0.0.1:0"}, "", nil)
	r.log(t, "etherbone/tcp")
	requireOnlyTimeouts(t, r)
}

// faultSteps is the length of the lossy run. The default keeps go test
// under a minute; the 10,000 steps take about 5 minutes on 2 cores
// (go test ./driver -run E2EUARTBoneFaults -faultsteps 10000 -timeout 20m).
var faultSteps = flag.Int("faultsteps", 600, "steps of TestE2EUARTBoneFaults")

// TestE2EUARTBoneFaults runs -faultsteps steps through a pty that drops 1% and
// flips 1% of the bytes in each direction (from the first step: the image
// is loaded over a clean link): no step lost or repeated, every output
// identical to the golden model.
func TestE2EUARTBoneFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("a long run through a lossy link")
	}
	im, old, rows := e2eRegion(t, "small", "art_daily_jumpsup.csv")
	ft := 500 * time.Microsecond
	cfg := EmulatorConfig{Listen: "pty", ServeConfig: ServeConfig{FrameTimeout: ft}}
	faults := Faults{Seed: 1, Drop: 0.01, Flip: 0.01}
	r := runE2E(t, im, old, rows, *faultSteps, cfg, "&timeout=500us&burst=16", func(e *Emulator) { e.SetFaults(faults) }, driver.WithRetries(1000))
	r.log(t, "uartbone/pty, 1% drop + 1% flip")
	require.Greater(t, r.stats.Retries(), uint64(0))
}

var loadFaults = flag.Bool("loadfaults", false, "run TestE2ELoadFaults (minutes)")

// TestE2ELoadFaults loads the small preset's image (39,792 memory words)
// through an unpaced pty that drops 1% and flips 1% of the bytes in each
// direction from the start: the board's memories then equal the image's.
// It takes minutes (go test ./driver -run E2ELoadFaults -loadfaults -v).
func TestE2ELoadFaults(t *testing.T) {
	if !*loadFaults {
		t.Skip("a long load through a lossy link: -loadfaults")
	}
	im, old, _ := e2eRegion(t, "small", "art_daily_jumpsup.csv")
	words := 0
	for _, s := range im.Sections {
		words += s.Depth()
	}
	dev, err := sim.NewDevice(old)
	require.NoError(t, err)
	cfg := ServeConfig{FrameTimeout: 500 * time.Microsecond, Faults: Faults{Seed: 1, Drop: 0.01, Flip: 0.01}}
	e := startEmulator(t, dev, EmulatorConfig{Listen: "pty", ServeConfig: cfg})
	b, err := driver.Open(e.URI()+"&timeout=500us&burst=16", driver.WithRetries(1000))
	require.NoError(t, err)
	defer b.Close()
	start := time.Now()
	require.NoError(t, b.Load(context.Background(), im))
	elapsed := time.Since(start)
	drivertest.RequireSameImage(t, im, dev.Image())
	st := b.Stats()
	t.Logf("load of %d words through 1%% drop + 1%% flip: %v; %s; link %+v", words, elapsed.Round(time.Millisecond), st.String(), b.Bus().(*uartbone.Link).LinkStats())
}

// sub returns the counts of s since o.
func sub(s, o driver.LinkStats) driver.LinkStats {
	return driver.LinkStats{Requests: s.Requests - o.Requests, BytesOut: s.BytesOut - o.BytesOut, BytesIn: s.BytesIn - o.BytesIn,
		Timeouts: s.Timeouts - o.Timeouts, Malformed: s.Malformed - o.Malformed, ShortReplies: s.ShortReplies - o.ShortReplies,
		Resyncs: s.Resyncs - o.Resyncs, Stale: s.Stale - o.Stale, Late: s.Late - o.Late}
}

// pacedBaud is the paced links' rate: 3,000,000 baud (10 bits per byte).
const pacedBaud = 3000000

// TestPacedLink runs steps through a pty paced at pacedBaud, with the
// emulator's receive FIFO (pipelined) and without it (LiteX's bridge, one
// round trip per read): every output is the golden model's, every step
// happens once. It asserts nothing about time: the rates are
// BenchmarkPacedThroughput's.
func TestPacedLink(t *testing.T) {
	if testing.Short() {
		t.Skip("paced runs")
	}
	im, old, rows := e2eRegion(t, "small", "art_daily_jumpsup.csv")
	for _, litex := range []bool{false, true} {
		t.Run(fmt.Sprint("no-rx-fifo=", litex), func(t *testing.T) {
			r := runE2E(t, im, old, rows, 100, EmulatorConfig{Listen: "pty", ServeConfig: ServeConfig{Baud: pacedBaud, NoRxFIFO: litex}}, "", nil)
			r.log(t, fmt.Sprintf("uartbone/pty at %d baud, no-rx-fifo=%v", pacedBaud, litex))
		})
	}
}

// BenchmarkPacedThroughput measures steps/s through a pty paced at
// pacedBaud, next to the line-rate bound: the bytes a step moves in both
// directions at baud/10 bytes/s. The minimum a step must move is its input
// indices in and its outputs (active and predicted columns) out, a word
// each. litex: a bridge without a receive FIFO, and a host that does not
// pipeline.
//
//	go test ./driver -run XXX -bench PacedThroughput -benchtime 400x
func BenchmarkPacedThroughput(b *testing.B) {
	for _, c := range []struct {
		preset string
		litex  bool
	}{{"small", false}, {"nab", false}, {"small", true}, {"nab", true}} {
		name := c.preset
		if c.litex {
			name += "/no-rx-fifo"
		}
		b.Run(name, func(b *testing.B) {
			im, _, rows := e2eRegion(b, c.preset, "art_daily_jumpsup.csv")
			dev, err := sim.NewDevice(im)
			require.NoError(b, err)
			e := startEmulator(b, dev, EmulatorConfig{Listen: "pty", ServeConfig: ServeConfig{Baud: pacedBaud, NoRxFIFO: c.litex}})
			bd, err := driver.Open(e.URI())
			require.NoError(b, err)
			defer bd.Close()
			ctx := drivertest.Context(b)
			require.NoError(b, bd.Load(ctx, im))
			mcfg, err := im.ModelConfig()
			require.NoError(b, err)
			enc, err := model.NewEncoder(mcfg)
			require.NoError(b, err)
			link := bd.Bus().(*uartbone.Link)
			before, loaded, overrun := link.LinkStats(), bd.Stats(), e.Stats().Overrun
			var minBytes int
			b.ResetTimer()
			for i := range b.N {
				row := rows[i%len(rows)]
				in, err := enc.Encode(row.Time, row.Value)
				require.NoError(b, err)
				out, err := bd.Step(ctx, in, true)
				require.NoError(b, err)
				minBytes += 4 * (len(in) + len(out.ActiveColumns) + len(out.PredictedColumns))
			}
			b.StopTimer()
			st := sub(link.LinkStats(), before)
			bst := bd.Stats()
			n := float64(b.N)
			perStep := float64(st.BytesOut+st.BytesIn) / n
			bound := pacedBaud / 10 / perStep
			rate := n / b.Elapsed().Seconds()
			b.ReportMetric(rate, "steps/s")
			b.ReportMetric(perStep, "bytes/step")
			b.ReportMetric(rate/bound, "efficiency")
			b.ReportMetric(float64(minBytes)/n/perStep, "min-bytes-fraction")
			b.ReportMetric(float64(st.Requests)/n, "frames/step")
			b.ReportMetric(float64(bst.Retries()-loaded.Retries()), "retries")
			b.ReportMetric(float64(e.Stats().Overrun-overrun), "overrun-bytes")
		})
	}
}

// BenchmarkPacedReadState measures ReadState (every memory word back,
// each 8 data bytes at least: MEM_DATA_LO and MEM_DATA_HI) through a pty
// paced at pacedBaud, on the small preset (nab's memories take minutes).
func BenchmarkPacedReadState(b *testing.B) {
	im, _, _ := e2eRegion(b, "small", "art_daily_jumpsup.csv")
	dev, err := sim.NewDevice(im)
	require.NoError(b, err)
	e := startEmulator(b, dev, EmulatorConfig{Listen: "pty", ServeConfig: ServeConfig{Baud: pacedBaud}})
	bd, err := driver.Open(e.URI())
	require.NoError(b, err)
	defer bd.Close()
	ctx := drivertest.Context(b)
	require.NoError(b, bd.Load(ctx, im))
	link := bd.Bus().(*uartbone.Link)
	words := 0
	for _, s := range im.Sections {
		words += s.Depth()
	}
	before := link.LinkStats()
	b.ResetTimer()
	for range b.N {
		_, err = bd.ReadState(ctx)
		require.NoError(b, err)
	}
	b.StopTimer()
	st := sub(link.LinkStats(), before)
	moved := float64(st.BytesOut+st.BytesIn) / float64(b.N)
	b.ReportMetric(float64(words*b.N)/b.Elapsed().Seconds(), "words/s")
	b.ReportMetric(moved/float64(words), "bytes/word")
	b.ReportMetric(moved/(b.Elapsed().Seconds()/float64(b.N)*pacedBaud/10), "efficiency")
	b.ReportMetric(float64(st.Requests)/float64(b.N)/float64(words), "frames/word")
}
