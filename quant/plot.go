package quant

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/htmhw/htmhw/internal/chart"
)

// primary returns the run that stands for a width in the plot: the
// model's own policy, else lsb, else the first run of that width.
func (r *Report) primary(bits int) *Run {
	for _, pol := range []string{r.SmallSteps, "lsb"} {
		if x := r.run(bits, pol); x != nil {
			return x
		}
	}
	for i := range r.Runs {
		if r.Runs[i].Bits == bits {
			return &r.Runs[i]
		}
	}
	return nil
}

// metric is one agreement measure of the plot.
type metric struct {
	name   string
	colour color.RGBA
	value  func(*Run) (float64, bool)
}

var metrics = []metric{
	{"active columns, mean Jaccard", chart.Colour(0), func(x *Run) (float64, bool) { return x.ActiveJaccardMean, true }},
	{"predicted columns, mean Jaccard", chart.Colour(2), func(x *Run) (float64, bool) { return x.PredictedJaccardMean, true }},
	{"raw anomaly, Pearson r", chart.Colour(3), func(x *Run) (float64, bool) {
		if x.AnomalyPearson == nil {
			return 0, false
		}
		return *x.AnomalyPearson, true
	}},
	{"active columns, min Jaccard", color.RGBA{0x9e, 0xc5, 0xe6, 0xff}, func(x *Run) (float64, bool) { return x.ActiveJaccardMin, true }},
}

// WritePNG draws the agreement of the integer model with the float
// reference against the permanence width, as a PNG image: one line per
// measure through the runs of the model's own policy (lsb where that
// refuses a width), and crosses for the runs under smallSteps: zero
// beside them.
func (r *Report) WritePNG(w io.Writer) error {
	title := fmt.Sprintf("%s: integer model against the float reference (%d rows)", r.Model, r.Rows)
	if r.Data != "" {
		title = fmt.Sprintf("%s on %s: integer model against the float reference", r.Model, r.Data)
	}
	p := chart.New(title, "permanence bits", "agreement")
	p.Y.Min, p.Y.Max = 0, 1.02
	p.Legend.Top = false
	p.Legend.Left = false
	var ticks []plot.Tick
	for _, b := range r.Widths {
		ticks = append(ticks, plot.Tick{Value: float64(b), Label: fmt.Sprint(b)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if len(r.Widths) > 0 {
		p.X.Min, p.X.Max = float64(r.Widths[0])-0.5, float64(r.Widths[len(r.Widths)-1])+0.5
	}
	zeroShown, baseShown := false, false
	type entry struct {
		name  string
		thumb plot.Thumbnailer
	}
	var extra []entry // explanations, after the measures
	for k, m := range metrics {
		// The baseline (the float reference under another TM seed) as a
		// dashed level, for the TM measures.
		if v, ok := m.value(&r.Baseline.Run); ok && k >= 1 && k <= 2 && len(r.Widths) > 0 {
			l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: v}, {X: p.X.Max, Y: v}})
			if err != nil {
				return err
			}
			l.Color = m.colour
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
			p.Y.Min = min(p.Y.Min, v)
			if !baseShown {
				g, _ := plotter.NewLine(plotter.XYs{{}, {X: 1}})
				g.Color = color.RGBA{0x55, 0x55, 0x55, 0xff}
				g.Dashes = l.Dashes
				extra = append(extra, entry{fmt.Sprintf("dashed: float with tm.seed %d (TM tie-break floor)", r.Baseline.TMSeed), g})
				baseShown = true
			}
		}
		var line, zero plotter.XYs
		for _, b := range r.Widths {
			x := r.primary(b)
			if x == nil {
				continue
			}
			if v, ok := m.value(x); ok {
				line = append(line, plotter.XY{X: float64(b), Y: v})
				p.Y.Min = min(p.Y.Min, v)
			}
			if x.Policy != "zero" {
				if z := r.run(b, "zero"); z != nil {
					if v, ok := m.value(z); ok {
						zero = append(zero, plotter.XY{X: float64(b), Y: v})
						p.Y.Min = min(p.Y.Min, v)
					}
				}
			}
		}
		if len(line) > 0 {
			l, s, err := plotter.NewLinePoints(line)
			if err != nil {
				return err
			}
			l.Color, s.Color = m.colour, m.colour
			l.Width = vg.Points(1.5)
			s.Shape = draw.CircleGlyph{}
			p.Add(l, s)
			p.Legend.Add(m.name, l, s)
		}
		if len(zero) > 0 {
			s, err := plotter.NewScatter(zero)
			if err != nil {
				return err
			}
			s.Color = m.colour
			s.Shape = draw.CrossGlyph{}
			s.Radius = vg.Points(4)
			p.Add(s)
			if !zeroShown {
				// One legend entry explains the crosses of every measure.
				g, _ := plotter.NewScatter(plotter.XYs{{}})
				g.Color = color.RGBA{0x55, 0x55, 0x55, 0xff}
				g.Shape = draw.CrossGlyph{}
				g.Radius = vg.Points(4)
				extra = append(extra, entry{"crosses: smallSteps zero (lines: lsb where refused)", g})
				zeroShown = true
			}
		}
	}
	for _, e := range extra {
		p.Legend.Add(e.name, e.thumb)
	}
	return chart.Write(w, "png", 8*vg.Inch, 5*vg.Inch, p)
}
