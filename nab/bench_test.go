package nab_test

import (
	"path/filepath"
	"testing"

	"github.com/htmhw/htmhw/nab"
)

// Benchmarks on the full NAB corpus (skipped when it is absent):
//
//	go test ./nab -run '^$' -bench .

// BenchmarkScore scores the numenta detector on the whole corpus at one
// threshold (58 files, 365,558 rows).
func BenchmarkScore(b *testing.B) {
	_, c, r := loadFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nab.Score(c, r, nab.Standard, 0.5421876907348634); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSweep runs NAB's threshold sweep over the whole corpus for one
// profile (332,842 scorable rows, 28,874 thresholds).
func BenchmarkSweep(b *testing.B) {
	_, c, r := loadFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nab.Sweep(c, r, nab.Standard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOptimize finds the best threshold for one profile.
func BenchmarkOptimize(b *testing.B) {
	_, c, r := loadFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := nab.Optimize(c, r, nab.Standard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOptimizeAll finds the best thresholds of NAB's three profiles.
func BenchmarkOptimizeAll(b *testing.B) {
	_, c, r := loadFull(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nab.OptimizeAll(c, r, nab.Profiles()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadCorpus loads the 58 data files and the windows.
func BenchmarkLoadCorpus(b *testing.B) {
	dir := sharedDir(b)
	for b.Loop() {
		if _, err := nab.LoadCorpus(filepath.Join(dir, "data"), filepath.Join(dir, "combined_windows.json")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadResults reads the numenta detector's 58 gzip-compressed
// results files.
func BenchmarkReadResults(b *testing.B) {
	dir := sharedDir(b)
	for b.Loop() {
		if _, err := nab.ReadResults(filepath.Join(dir, "results"), "numenta"); err != nil {
			b.Fatal(err)
		}
	}
}
