package main

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"
)

// plotPoint is one step of a plot.
type plotPoint struct {
	t                   time.Time
	anomaly, likelihood float64
}

// Plot geometry, in SVG user units.
const (
	plotW, plotH                    = 900, 320
	marginL, marginR                = 50, 20
	marginT, marginB                = 36, 44
	areaW                           = plotW - marginL - marginR
	areaH                           = plotH - marginT - marginB
	anomalyColour, likelihoodColour = "#4a7ab5", "#d9480f"
)

// plotTitle returns the title of the plot of a model run on a data file.
func plotTitle(modelName, data string) string {
	return fmt.Sprintf("%s on %s", modelName, filepath.Base(data))
}

// writePlot writes a self-contained SVG line plot of the raw anomaly and
// the likelihood of the points over time. Points are placed by their
// timestamps when these ascend, else by their index; when there are more
// points than pixels, each pixel column shows the least and greatest
// value that falls in it, so that no spike is lost.
func writePlot(w io.Writer, pts []plotPoint, title string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", plotW, plotH, plotW, plotH)
	p(`<rect width="100%%" height="100%%" fill="white"/>` + "\n")
	p(`<text x="%d" y="20" font-size="14">%s</text>`+"\n", marginL, html.EscapeString(title))
	// Legend.
	lx := plotW - marginR - 230
	p(`<line x1="%d" y1="16" x2="%d" y2="16" stroke="%s" stroke-width="2"/><text x="%d" y="20">raw anomaly</text>`+"\n", lx, lx+20, anomalyColour, lx+25)
	p(`<line x1="%d" y1="16" x2="%d" y2="16" stroke="%s" stroke-width="2"/><text x="%d" y="20">likelihood</text>`+"\n", lx+120, lx+140, likelihoodColour, lx+145)

	// Y axis: 0 to 1 with grid lines.
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := yPos(v)
		p(`<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#e4e4e4"/>`+"\n", marginL, y, marginL+areaW, y)
		p(`<text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", marginL-6, y+4, v)
	}
	p(`<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>`+"\n", marginL, marginT, areaW, areaH)

	// X axis.
	xs := xPositions(pts)
	if len(pts) > 0 {
		layout := "2006-01-02"
		if span := pts[len(pts)-1].t.Sub(pts[0].t); span < 72*time.Hour {
			layout = "01-02 15:04"
		}
		const ticks = 5
		for k := 0; k < ticks; k++ {
			i := k * (len(pts) - 1) / (ticks - 1)
			x := xs[i]
			anchor := "middle"
			switch k {
			case 0:
				anchor = "start"
			case ticks - 1:
				anchor = "end"
			}
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>`+"\n", x, marginT+areaH, x, marginT+areaH+4)
			p(`<text x="%.1f" y="%d" text-anchor="%s">%s</text>`+"\n", x, marginT+areaH+17, anchor, pts[i].t.Format(layout))
		}
		p(`<text x="%d" y="%d" text-anchor="middle" fill="#555">%d steps, %s to %s</text>`+"\n",
			marginL+areaW/2, plotH-6, len(pts), pts[0].t.Format(time.DateTime), pts[len(pts)-1].t.Format(time.DateTime))
	}

	// The two series.
	for _, s := range []struct {
		colour string
		width  float64
		value  func(plotPoint) float64
	}{
		{anomalyColour, 1, func(q plotPoint) float64 { return q.anomaly }},
		{likelihoodColour, 1.5, func(q plotPoint) float64 { return q.likelihood }},
	} {
		p(`<polyline fill="none" stroke="%s" stroke-width="%g" stroke-linejoin="round" points="`, s.colour, s.width)
		writePolyline(bw, xs, pts, s.value)
		p("\"/>\n")
	}
	p("</svg>\n")
	return bw.Flush()
}

// yPos returns the y coordinate of a value in [0, 1].
func yPos(v float64) float64 {
	return marginT + areaH*(1-min(max(v, 0), 1))
}

// xPositions returns the x coordinate of every point.
func xPositions(pts []plotPoint) []float64 {
	xs := make([]float64, len(pts))
	n := len(pts)
	if n == 0 {
		return xs
	}
	byTime := n > 1 && pts[n-1].t.After(pts[0].t)
	for i := 1; byTime && i < n; i++ {
		byTime = !pts[i].t.Before(pts[i-1].t)
	}
	span := float64(pts[n-1].t.Sub(pts[0].t))
	for i := range pts {
		var f float64
		switch {
		case byTime:
			f = float64(pts[i].t.Sub(pts[0].t)) / span
		case n > 1:
			f = float64(i) / float64(n-1)
		}
		xs[i] = marginL + f*areaW
	}
	return xs
}

// writePolyline writes the points of one series, at most two per pixel
// column: the least and the greatest value in it.
func writePolyline(w *bufio.Writer, xs []float64, pts []plotPoint, value func(plotPoint) float64) {
	var sb strings.Builder
	emit := func(x, v float64) {
		fmt.Fprintf(&sb, "%.1f,%.1f ", x, yPos(v))
	}
	col, lo, hi := math.NaN(), 0.0, 0.0
	flush := func() {
		if math.IsNaN(col) {
			return
		}
		emit(col, lo)
		if hi != lo {
			emit(col, hi)
		}
	}
	for i, q := range pts {
		x, v := math.Round(xs[i]), value(q)
		if x != col {
			flush()
			col, lo, hi = x, v, v
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	flush()
	w.WriteString(strings.TrimSpace(sb.String()))
}
