package main

import (
	"errors"
	"fmt"
	"os"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/htmhw/htmhw/internal/chart"
)

// benchPlot collects the CPU time per step of bench's cases, one line per
// preset and engine, against the cases' columns or segments.
type benchPlot struct {
	format string
	by     string // "columns" or "segments"
	keys   []string
	lines  map[string]plotter.XYs
}

// newPlot checks --plot against the other flags: a line needs several
// cases, so several --columns or several --segments, not both.
func (o *benchOptions) newPlot() (*benchPlot, error) {
	format, err := chart.FormatOf(o.plot)
	if err != nil {
		return nil, fmt.Errorf("--plot: %w", err)
	}
	pl := &benchPlot{format: format, lines: map[string]plotter.XYs{}}
	switch {
	case len(o.columns) > 1 && len(o.segments) > 1:
		return nil, errors.New("--plot: several --columns and several --segments: plot one of them")
	case len(o.columns) > 1:
		pl.by = "columns"
	case len(o.segments) > 1:
		pl.by = "segments"
	default:
		return nil, errors.New("--plot needs several --columns or several --segments")
	}
	return pl, nil
}

// add records one case's CPU ms/step; a nil plot records nothing.
func (pl *benchPlot) add(preset, engine string, columns, segments int, cpu float64) {
	if pl == nil {
		return
	}
	x := float64(columns)
	if pl.by == "segments" {
		x = float64(segments)
	}
	k := preset + " " + engine
	if _, ok := pl.lines[k]; !ok {
		pl.keys = append(pl.keys, k)
	}
	pl.lines[k] = append(pl.lines[k], plotter.XY{X: x, Y: cpu})
}

// write draws the lines, in the order their first case ran, to path.
func (pl *benchPlot) write(path, title string) error {
	p := chart.New(title, pl.by, "CPU ms/step")
	for i, k := range pl.keys {
		l, pts, err := plotter.NewLinePoints(pl.lines[k])
		if err != nil {
			return fmt.Errorf("--plot: %s: %w", k, err)
		}
		l.Color, pts.Color = chart.Colour(i), chart.Colour(i)
		p.Add(l, pts)
		p.Legend.Add(k, l, pts)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	if err := chart.Write(f, pl.format, chart.Width, 5*vg.Inch, p); err != nil {
		f.Close()
		return fmt.Errorf("--plot: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--plot: %w", err)
	}
	return nil
}
