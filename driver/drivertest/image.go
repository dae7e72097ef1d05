package drivertest

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// JumpsupCSV is the path of the repository's NAB series
// art_daily_jumpsup.csv (testdata/nab), found from this source file.
func JumpsupCSV() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "nab", "art_daily_jumpsup.csv")
}

// SmallImage compiles the small preset for jumpsup, fresh or after
// `trained` golden steps, and returns the image with the rows.
func SmallImage(t testing.TB, trained int) (*image.Image, []series.Row) {
	t.Helper()
	rows, err := series.ReadFile(JumpsupCSV(), series.Options{})
	require.NoError(t, err)
	cfg, err := model.Preset("small")
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	for _, row := range rows[:trained] {
		_, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
	}
	im, err := image.Compile(r, image.DefaultArch())
	require.NoError(t, err)
	return im, rows
}

// RequireSameImage fails the test unless the images are equal: sections,
// words, architecture and configuration.
func RequireSameImage(t testing.TB, want, got *image.Image) {
	t.Helper()
	require.Equal(t, len(want.Sections), len(got.Sections))
	for i, w := range want.Sections {
		g := got.Sections[i]
		require.Equal(t, w.Name, g.Name)
		require.Equal(t, w.Width, g.Width)
	}
	if d := image.Diff(want, got); d != nil {
		t.Fatalf("%v (want, board)", d)
	}
	require.Equal(t, want.Arch, got.Arch)
	require.Equal(t, want.Config, got.Config)
}
