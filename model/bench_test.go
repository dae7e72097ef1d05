package model

import (
	"testing"
)

// BenchmarkRegionStep times one region step (encode, SP, TM, anomaly,
// learning on) for the hello and nab presets on real NAB series. The
// region first learns the whole series once (not timed), so the timed
// steps see a trained region's segment counts, then steps cycle through
// the series again. These series are short (art_daily_jumpsup ends with
// about 1,500 segments); internal/bench's BenchmarkStep times a region
// trained on nyc_taxi.csv (about 10,500), the state whose cost matters.
//
//	go test ./model -run XXX -bench RegionStep -benchtime 5000x
func BenchmarkRegionStep(b *testing.B) {
	for _, g := range []struct{ preset, series string }{
		{"hello", "speed_7578.csv"},
		{"nab", "art_daily_jumpsup.csv"},
	} {
		b.Run(g.preset, func(b *testing.B) {
			r, rows := loadRun(b, g.preset, g.series)
			for _, row := range rows {
				if _, err := r.Compute(Input{Time: row.Time, Value: row.Value}, true); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				row := rows[i%len(rows)]
				if _, err := r.Compute(Input{Time: row.Time, Value: row.Value}, true); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(r.TM().NumSegments()), "segments")
		})
	}
}
