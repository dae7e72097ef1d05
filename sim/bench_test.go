package sim

import (
	"testing"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
)

var benchRuns = []struct{ preset, series string }{
	{"nab", jumpsup},
	{"small", jumpsup},
	{"hello", speed},
}

// BenchmarkSimStep times one simulator step (encode, phases 1–10, learning
// on) on a trained region, as model's BenchmarkRegionStep does for the
// golden model: the simulator first learns the whole series once (not
// timed), then steps cycle through the series again. It reports the
// simulated cycles per step and the accelerator's steps per second at
// 100 MHz.
//
//	go test ./sim -run XXX -bench SimStep -benchtime 3000x
func BenchmarkSimStep(b *testing.B) {
	for _, g := range benchRuns {
		b.Run(g.preset, func(b *testing.B) {
			rows := readRows(b, g.series)
			cfg := presetConfig(b, g.preset, rows)
			r, err := model.NewRegion(cfg)
			if err != nil {
				b.Fatal(err)
			}
			im, err := image.Compile(r, image.DefaultArch())
			if err != nil {
				b.Fatal(err)
			}
			s, err := runRows(im, rows, true)
			if err != nil {
				b.Fatal(err)
			}
			enc, err := model.NewEncoder(cfg)
			if err != nil {
				b.Fatal(err)
			}
			before := s.Stats().Total
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				row := rows[i%len(rows)]
				in, err := enc.Encode(row.Time, row.Value)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := s.Step(in, true); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cyc := float64(s.Stats().Total-before) / float64(b.N)
			b.ReportMetric(cyc, "cycles/step")
			b.ReportMetric(1e8/cyc, "hwsteps/s@100MHz")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "simsteps/s")
			b.ReportMetric(float64(s.NumSegments()), "segments")
		})
	}
}

// BenchmarkGoldenStep is model's BenchmarkRegionStep on the same runs, for
// a comparison in one session.
func BenchmarkGoldenStep(b *testing.B) {
	for _, g := range benchRuns {
		b.Run(g.preset, func(b *testing.B) {
			rows := readRows(b, g.series)
			r, err := model.NewRegion(presetConfig(b, g.preset, rows))
			if err != nil {
				b.Fatal(err)
			}
			for _, row := range rows {
				if _, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				row := rows[i%len(rows)]
				if _, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "simsteps/s")
			b.ReportMetric(float64(r.TM().NumSegments()), "segments")
		})
	}
}
