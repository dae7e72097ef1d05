package chart

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Timeline is a detector's run over a series, drawn as two panels on a
// shared time axis: the series above, with its labelled anomaly windows
// shaded and the detections marked on it, and the scores below (raw
// anomaly, likelihood and, when given, the score the threshold applies to).
type Timeline struct {
	Title  string
	Times  []time.Time // one per row; the X axis is time when they ascend, else the row index
	Values []float64   // the series

	Anomaly    []float64 // raw anomaly, one per row
	Likelihood []float64 // anomaly likelihood, one per row
	// Score, when not nil, is what the threshold applies to (NAB's score,
	// the log likelihood); else the threshold applies to Likelihood.
	Score     []float64
	ScoreName string

	// Threshold marks the rows whose score is at least it as detections;
	// 0 or less marks none.
	Threshold float64
	// Labelled says Windows is the series' ground truth: detections are
	// then true positives (in a window) or false positives, and windows
	// without one are missed. Windows are rows, first and last inclusive.
	Labelled bool
	Windows  [][2]int
	// Probation is the number of leading rows that are not scored (NAB's
	// probationary period); no detection is marked there.
	Probation int
}

// Marks are a timeline's detections at its threshold.
type Marks struct {
	Detections []int // rows detected, outside the probation
	TP, FP     []int // of Detections, in a window and outside every window (Labelled only)
	Missed     []int // windows with no detection (Labelled only)
}

// threshold returns the series the threshold applies to.
func (tl *Timeline) scored() []float64 {
	if tl.Score != nil {
		return tl.Score
	}
	return tl.Likelihood
}

// Marks classifies the detections.
func (tl *Timeline) Marks() Marks {
	var m Marks
	if tl.Threshold <= 0 {
		if tl.Labelled {
			for k := range tl.Windows {
				m.Missed = append(m.Missed, k)
			}
		}
		return m
	}
	s := tl.scored()
	hit := make([]bool, len(tl.Windows))
	for i := max(tl.Probation, 0); i < len(s); i++ {
		if s[i] < tl.Threshold {
			continue
		}
		m.Detections = append(m.Detections, i)
		if !tl.Labelled {
			continue
		}
		in := false
		for k, w := range tl.Windows {
			if i >= w[0] && i <= w[1] {
				in, hit[k] = true, true
				break
			}
		}
		if in {
			m.TP = append(m.TP, i)
		} else {
			m.FP = append(m.FP, i)
		}
	}
	if tl.Labelled {
		for k, h := range hit {
			if !h {
				m.Missed = append(m.Missed, k)
			}
		}
	}
	return m
}

// xs returns the X coordinate of every row and whether they are times
// (Unix seconds).
func (tl *Timeline) xs() ([]float64, bool) {
	n := len(tl.Values)
	xs := make([]float64, n)
	byTime := len(tl.Times) == n && n > 1 && tl.Times[n-1].After(tl.Times[0])
	for i := 1; byTime && i < n; i++ {
		byTime = !tl.Times[i].Before(tl.Times[i-1])
	}
	for i := range xs {
		if byTime {
			xs[i] = float64(tl.Times[i].Unix())
		} else {
			xs[i] = float64(i)
		}
	}
	return xs, byTime
}

// scoreTop is the top of the scores' axis: room above 1 for the legend.
const scoreTop = 1.55

// maxColumns bounds the points drawn per line: beyond it, each column
// shows the least and greatest value that falls in it, so that no spike
// is lost.
const maxColumns = 800

// line returns a series' points, at most two per column of maxColumns.
func line(xs, ys []float64) plotter.XYs {
	n := len(ys)
	if n <= 2*maxColumns {
		pts := make(plotter.XYs, n)
		for i := range ys {
			pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
		}
		return pts
	}
	pts := make(plotter.XYs, 0, 2*maxColumns)
	for c := 0; c < maxColumns; c++ {
		lo, hi := c*n/maxColumns, (c+1)*n/maxColumns
		if lo >= hi {
			continue
		}
		a, b := lo, lo // indices of the least and greatest
		for i := lo; i < hi; i++ {
			if ys[i] < ys[a] {
				a = i
			}
			if ys[i] > ys[b] {
				b = i
			}
		}
		if a > b {
			a, b = b, a
		}
		pts = append(pts, plotter.XY{X: xs[a], Y: ys[a]})
		if b != a {
			pts = append(pts, plotter.XY{X: xs[b], Y: ys[b]})
		}
	}
	return pts
}

// Write draws the timeline in format ("svg" or "png") to w: the series
// above (windows, detections), the scores below, on one time axis.
func (tl *Timeline) Write(w io.Writer, format string) error {
	if err := tl.check(); err != nil {
		return err
	}
	xs, byTime := tl.xs()
	top, bottom, lo, hi := tl.panels(xs, byTime)
	m := tl.Marks()
	if err := tl.addWindows(top, bottom, xs, lo, hi, m); err != nil {
		return err
	}
	if err := tl.addSeries(top, xs, m); err != nil {
		return err
	}
	if err := tl.addScores(bottom, xs); err != nil {
		return err
	}
	return WriteStack(w, format, Width, []Panel{{top, 2.6 * vg.Inch}, {bottom, 2.4 * vg.Inch}})
}

// check reports a timeline with no rows or score series of another length.
func (tl *Timeline) check() error {
	n := len(tl.Values)
	if n == 0 {
		return fmt.Errorf("chart: %s: no rows to plot", tl.Title)
	}
	for _, s := range [][]float64{tl.Anomaly, tl.Likelihood, tl.Score} {
		if s != nil && len(s) != n {
			return fmt.Errorf("chart: %s: %d values but a score series of %d", tl.Title, n, len(s))
		}
	}
	return nil
}

// panels makes the two panels and their axes; lo and hi are the upper
// panel's value range, with room above the data for the legend.
func (tl *Timeline) panels(xs []float64, byTime bool) (top, bottom *plot.Plot, lo, hi float64) {
	n := len(tl.Values)
	xLabel := "row"
	if byTime {
		xLabel = fmt.Sprintf("time (UTC), %d rows from %s to %s", n, tl.Times[0].Format(time.DateTime), tl.Times[n-1].Format(time.DateTime))
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range tl.Values {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if !(lo < hi) {
		lo, hi = lo-1, hi+1
	}
	lo, hi = lo-(hi-lo)*0.05, hi+(hi-lo)*0.45

	top = New(tl.Title, "", "value")
	bottom = New("", xLabel, "score")
	bottom.Y.Min, bottom.Y.Max = 0, scoreTop
	bottom.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25}, {Value: 0.5, Label: "0.5"}, {Value: 0.75}, {Value: 1, Label: "1"}})
	for _, p := range []*plot.Plot{top, bottom} {
		p.X.Min, p.X.Max = xs[0], xs[n-1]
		if byTime {
			layout := "2006-01-02"
			if tl.Times[n-1].Sub(tl.Times[0]) < 72*time.Hour {
				layout = "01-02 15:04"
			}
			p.X.Tick.Marker = plot.TimeTicks{Format: layout}
		}
	}
	top.Y.Min, top.Y.Max = lo, hi
	top.X.Tick.Marker = unlabelled{top.X.Tick.Marker} // the time axis is the lower panel's
	return top, bottom, lo, hi
}

// addWindows shades the labelled windows in both panels (a missed one
// outlined in red) and the probation period in the lower one.
func (tl *Timeline) addWindows(top, bottom *plot.Plot, xs []float64, lo, hi float64, m Marks) error {
	n := len(tl.Values)
	missed := map[int]bool{}
	for _, k := range m.Missed {
		missed[k] = true
	}
	for k, win := range tl.Windows {
		if win[0] < 0 || win[1] >= n || win[0] > win[1] {
			return fmt.Errorf("chart: %s: window %d rows %d..%d outside the %d rows", tl.Title, k, win[0], win[1], n)
		}
		for _, pp := range []struct {
			p      *plot.Plot
			lo, hi float64
		}{{top, lo, hi}, {bottom, 0, scoreTop}} {
			poly, err := plotter.NewPolygon(plotter.XYs{
				{X: xs[win[0]], Y: pp.lo}, {X: xs[win[1]], Y: pp.lo}, {X: xs[win[1]], Y: pp.hi}, {X: xs[win[0]], Y: pp.hi},
			})
			if err != nil {
				return err
			}
			poly.Color = Shade
			poly.LineStyle.Width = 0
			if tl.Labelled && missed[k] && pp.p == top {
				poly.LineStyle = draw.LineStyle{Color: Bad, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
			}
			pp.p.Add(poly)
			if k == 0 && pp.p == top {
				name := "labelled window"
				if tl.Labelled && len(m.Missed) > 0 {
					name = "labelled window (missed: red outline)"
				}
				top.Legend.Add(name, poly)
			}
		}
	}
	if tl.Probation > 0 && tl.Probation < n {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: xs[0], Y: 0}, {X: xs[tl.Probation], Y: 0}, {X: xs[tl.Probation], Y: scoreTop}, {X: xs[0], Y: scoreTop}})
		if err != nil {
			return err
		}
		poly.Color = color.RGBA{0, 0, 0, 0x10}
		poly.LineStyle.Width = 0
		bottom.Add(poly)
		bottom.Legend.Add("probation (not scored)", poly)
	}
	return nil
}

// addSeries draws the series in the upper panel with its detections (true
// and false positives when the windows are labelled).
func (tl *Timeline) addSeries(top *plot.Plot, xs []float64, m Marks) error {
	series, err := plotter.NewLine(line(xs, tl.Values))
	if err != nil {
		return err
	}
	series.Color, series.Width = color.RGBA{0x33, 0x33, 0x33, 0xff}, vg.Points(0.8)
	top.Add(series)

	marks := []struct {
		name   string
		rows   []int
		colour color.RGBA
		shape  draw.GlyphDrawer
	}{
		{"detection", nil, Colour(3), draw.CircleGlyph{}},
		{"true positive", m.TP, Good, draw.CircleGlyph{}},
		{"false positive", m.FP, Bad, draw.CrossGlyph{}},
	}
	if !tl.Labelled {
		marks[0].rows = m.Detections
	}
	for _, mk := range marks {
		if len(mk.rows) == 0 {
			continue
		}
		pts := make(plotter.XYs, len(mk.rows))
		for j, i := range mk.rows {
			pts[j] = plotter.XY{X: xs[i], Y: tl.Values[i]}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: mk.colour, Radius: vg.Points(3), Shape: mk.shape}
		if _, cross := mk.shape.(draw.CrossGlyph); cross {
			sc.GlyphStyle.Radius = vg.Points(4)
		}
		top.Add(sc)
		top.Legend.Add(fmt.Sprintf("%s (%d)", mk.name, len(mk.rows)), sc)
	}
	return nil
}

// addScores draws the raw anomaly, the likelihood, the optional score and
// the threshold in the lower panel.
func (tl *Timeline) addScores(bottom *plot.Plot, xs []float64) error {
	n := len(tl.Values)
	scores := []struct {
		name   string
		ys     []float64
		colour color.RGBA
		width  vg.Length
	}{
		{"raw anomaly", tl.Anomaly, color.RGBA{0x1f / 2, 0x77 / 2, 0xb4 / 2, 0x80}, 0.5},
		{"likelihood", tl.Likelihood, Colour(1), 1},
		{tl.ScoreName, tl.Score, Colour(4), 1},
	}
	for _, s := range scores {
		if s.ys == nil {
			continue
		}
		l, err := plotter.NewLine(line(xs, s.ys))
		if err != nil {
			return err
		}
		l.Color, l.Width = s.colour, vg.Points(float64(s.width))
		bottom.Add(l)
		bottom.Legend.Add(s.name, l)
	}
	if tl.Threshold > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: xs[0], Y: tl.Threshold}, {X: xs[n-1], Y: tl.Threshold}})
		if err != nil {
			return err
		}
		l.Color, l.Dashes = Grey, []vg.Length{vg.Points(4), vg.Points(3)}
		bottom.Add(l)
		name := "likelihood"
		if tl.Score != nil {
			name = tl.ScoreName
		}
		bottom.Legend.Add(fmt.Sprintf("threshold %.4g on %s", tl.Threshold, name), l)
	}
	return nil
}

// unlabelled is a Ticker's ticks without their labels: the grid lines of a
// panel whose axis another panel labels.
type unlabelled struct{ plot.Ticker }

func (u unlabelled) Ticks(lo, hi float64) []plot.Tick {
	ts := u.Ticker.Ticks(lo, hi)
	for i := range ts {
		ts[i].Label = ""
	}
	return ts
}
