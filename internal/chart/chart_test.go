package chart

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func TestFormatOf(t *testing.T) {
	for _, tc := range []struct {
		path, want string
		ok         bool
	}{
		{"a.svg", "svg", true},
		{"dir/A.PNG", "png", true},
		{"a.pdf", "", false},
		{"a", "", false},
	} {
		got, err := FormatOf(tc.path)
		if !tc.ok {
			assert.Error(t, err, tc.path)
			continue
		}
		require.NoError(t, err, tc.path)
		assert.Equal(t, tc.want, got, tc.path)
	}
}

// checkImage checks that data is a well-formed image of the format, and
// returns its size in points (SVG) or pixels (PNG).
func checkImage(t *testing.T, format string, data []byte) (w, h float64) {
	t.Helper()
	switch format {
	case "png":
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		require.NoError(t, err)
		return float64(cfg.Width), float64(cfg.Height)
	case "svg":
		var doc struct {
			XMLName xml.Name `xml:"svg"`
			Width   string   `xml:"width,attr"`
			Height  string   `xml:"height,attr"`
		}
		require.NoError(t, xml.Unmarshal(data, &doc))
		wf, err := strconv.ParseFloat(strings.TrimSuffix(doc.Width, "pt"), 64)
		require.NoError(t, err, "width %q", doc.Width)
		hf, err := strconv.ParseFloat(strings.TrimSuffix(doc.Height, "pt"), 64)
		require.NoError(t, err, "height %q", doc.Height)
		return wf, hf
	}
	t.Fatalf("format %q", format)
	return 0, 0
}

func TestTimeline(t *testing.T) {
	n := 3000
	tl := &Timeline{Title: "test", ScoreName: "log likelihood", Labelled: true, Probation: 300, Threshold: 0.5}
	t0 := time.Date(2014, 4, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		tl.Times = append(tl.Times, t0.Add(time.Duration(i)*5*time.Minute))
		tl.Values = append(tl.Values, math.Sin(float64(i)/50))
		s := 0.1
		switch i {
		case 1000, 2500, 100: // in a window, outside every window, in the probation
			s = 0.9
		}
		tl.Anomaly = append(tl.Anomaly, s)
		tl.Likelihood = append(tl.Likelihood, s)
		tl.Score = append(tl.Score, s)
	}
	tl.Windows = [][2]int{{950, 1050}, {1800, 1900}}
	m := tl.Marks()
	assert.Equal(t, []int{1000, 2500}, m.Detections)
	assert.Equal(t, []int{1000}, m.TP)
	assert.Equal(t, []int{2500}, m.FP)
	assert.Equal(t, []int{1}, m.Missed)

	for _, format := range []string{"svg", "png"} {
		var b bytes.Buffer
		require.NoError(t, tl.Write(&b, format))
		w, h := checkImage(t, format, b.Bytes())
		scale := 1.0
		if format == "png" {
			scale = 96.0 / 72 // vgimg's default DPI against points
		}
		assert.InDelta(t, Width.Points()*scale, w, 1, format)
		assert.InDelta(t, 5*vg.Inch.Points()*scale, h, 1, format)
		assert.Less(t, b.Len(), 400_000, "%s: at most two points per column", format)
	}

	tl.Windows = [][2]int{{2990, 3000}}
	assert.Error(t, tl.Write(&bytes.Buffer{}, "svg"), "a window past the end")
	assert.Error(t, (&Timeline{}).Write(&bytes.Buffer{}, "svg"), "no rows")
}

func TestLineKeepsExtremes(t *testing.T) {
	n := 10 * maxColumns
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i] = float64(i)
	}
	ys[4321] = 7
	ys[77] = -3
	pts := line(xs, ys)
	assert.LessOrEqual(t, len(pts), 2*maxColumns)
	assert.Contains(t, pts, plotter.XY{X: 4321, Y: 7})
	assert.Contains(t, pts, plotter.XY{X: 77, Y: -3})
}

func TestWriteStackErrors(t *testing.T) {
	assert.Error(t, WriteStack(&bytes.Buffer{}, "pdf", Width, []Panel{{New("", "", ""), Height}}))
	assert.Error(t, WriteStack(&bytes.Buffer{}, "svg", Width, nil))
}
