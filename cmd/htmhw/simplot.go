package main

import (
	"fmt"
	"io"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/htmhw/htmhw/internal/chart"
	"github.com/htmhw/htmhw/sim"
)

// writeCyclePlot draws the cycles per step of each phase over the stream
// as stacked areas (averaged over buckets of steps so that at most 600
// points are drawn), as a PNG.
func writeCyclePlot(w io.Writer, title string, cycles [][sim.NumPhases]uint64) error {
	n := len(cycles)
	if n == 0 {
		return fmt.Errorf("no steps to plot")
	}
	bucket := (n + 599) / 600
	var xs []float64
	var stacks [][sim.NumPhases]float64
	for start := 0; start < n; start += bucket {
		end := min(start+bucket, n)
		var sum [sim.NumPhases]float64
		for _, c := range cycles[start:end] {
			acc := 0.0
			for p := range c {
				acc += float64(c[p])
				sum[p] += acc
			}
		}
		for p := range sum {
			sum[p] /= float64(end - start)
		}
		xs = append(xs, float64(start))
		stacks = append(stacks, sum)
	}
	p := chart.New(title, "step", "cycles (stacked by phase)")
	for ph := sim.NumPhases - 1; ph >= 0; ph-- {
		// A polygon from the phase's upper edge back along the one below.
		pts := make(plotter.XYs, 0, 2*len(xs))
		for i, x := range xs {
			pts = append(pts, plotter.XY{X: x, Y: stacks[i][ph]})
		}
		for i := len(xs) - 1; i >= 0; i-- {
			below := 0.0
			if ph > 0 {
				below = stacks[i][ph-1]
			}
			pts = append(pts, plotter.XY{X: xs[i], Y: below})
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return err
		}
		poly.Color = chart.Colour(int(ph))
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(sim.Phase(ph).String(), poly)
	}
	return chart.Write(w, "png", chart.Width, 5*vg.Inch, p)
}
