package htmcore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// TestEngineDateEncoder runs the nab preset, which concatenates an RDSE
// and a date encoder (timeOfDay), and checks that every step's input is the
// integer model's: the RDSE's bits, then the date encoder's offset by the
// RDSE's size.
func TestEngineDateEncoder(t *testing.T) {
	f, err := os.Open(filepath.Join(testdata, "nab", "art_daily_jumpsup.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := series.Read(f, series.Options{})
	require.NoError(t, err)
	rows = rows[:300]
	cfg, err := model.Preset("nab")
	require.NoError(t, err)
	cfg.ResolveResolution(series.Range(rows))
	e, err := NewEngineWithDate(cfg)
	require.NoError(t, err)
	require.True(t, e.HasDate())
	r, err := model.NewRegion(cfg)
	require.NoError(t, err)
	rdseSize := cfg.Encoder.RDSE.Size
	require.Equal(t, e.SpatialPooler().NumInputs(), r.Quantized().SP.NumInputs)
	dateBits := 0
	for _, row := range rows {
		got, err := e.StepAt(row.Time, row.Value)
		require.NoError(t, err)
		want, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		require.Equal(t, want.Encoding, got.Enc, "line %d", row.Line)
		for _, b := range got.Enc {
			if int(b) >= rdseSize {
				dateBits++
			}
		}
	}
	require.Equal(t, 21*len(rows), dateBits, "timeOfDay_width 21 date bits per step")
}
