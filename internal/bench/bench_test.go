package bench_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/htmhw/htmhw/internal/bench"
	"github.com/htmhw/htmhw/series"
)

// runs are the benchmark's presets and series: the nab trace preset after
// nyc_taxi.csv (10,320 rows, about 10,500 segments learned), the preset
// and series of the htm.core comparison, and hello on the same series.
var runs = []struct{ preset, series string }{
	{"nab-trace", "nyc_taxi.csv"},
	{"hello", "nyc_taxi.csv"},
}

var prepared sync.Map // "engine/preset/series" -> *trained

type trained struct {
	e    bench.Engine
	rows []series.Row
	next int
}

// prepare trains an engine once per process (the training, ten thousand
// steps, is not timed) and returns it; the timed steps continue on the
// series from where the last run left it.
func prepare(b *testing.B, engine, preset, file string) *trained {
	b.Helper()
	key := engine + "/" + preset + "/" + file
	if t, ok := prepared.Load(key); ok {
		return t.(*trained)
	}
	rows, err := series.ReadFile(filepath.Join("..", "..", "testdata", "nab", file), series.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := bench.Config(preset, rows, 0)
	if err != nil {
		b.Fatal(err)
	}
	c := bench.Case{Engine: engine, Config: cfg, Rows: rows}
	e, next, err := c.Prepare()
	if err != nil {
		b.Fatal(err)
	}
	t := &trained{e: e, rows: rows, next: next % len(rows)}
	prepared.Store(key, t)
	return t
}

// BenchmarkStep times one learning step of each engine on a region that
// has learned the whole series (for sim: the golden model's trained state
// in a memory image). ns/op is ns/step.
//
//	go test ./internal/bench -run XXX -bench Step -benchtime 2000x
func BenchmarkStep(b *testing.B) {
	for _, engine := range bench.Engines {
		for _, g := range runs {
			b.Run(engine+"/"+g.preset+"/"+g.series, func(b *testing.B) {
				t := prepare(b, engine, g.preset, g.series)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := t.e.Step(t.rows[t.next]); err != nil {
						b.Fatal(err)
					}
					if t.next++; t.next == len(t.rows) {
						t.next = 0
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(t.e.Segments()), "segments")
			})
		}
	}
}
