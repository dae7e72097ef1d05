package explore

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/internal/chart"
)

// A Reference is a published detector's NAB standard score.
type Reference struct {
	Name     string
	Standard float64
}

// ReferenceDetectors are the detectors of NAB's published table drawn as
// reference lines: the HTM detectors and the best and simplest others.
var ReferenceDetectors = []string{"ARTime", "numenta", "htmjava", "numentaTM", "knncad", "relativeEntropy"}

// Published reads NAB's published scores (results/final_results.json of
// numenta/NAB) and returns those of ReferenceDetectors, best first.
func Published(path string) ([]Reference, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var table map[string]map[string]float64
	if err := json.Unmarshal(data, &table); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Reference
	for _, name := range ReferenceDetectors {
		if s, ok := table[name]["standard"]; ok {
			out = append(out, Reference{Name: name, Standard: s})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Standard > out[j].Standard })
	return out, nil
}

// partGlyphs are the marks of the parts, in the order of image.Parts.
var partGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.PyramidGlyph{},
	draw.BoxGlyph{}, draw.RingGlyph{}, draw.CrossGlyph{}}

// WritePlot draws NAB standard score against image bits (log scale): each
// variant marked by the smallest part that holds it on chip, the Pareto
// front, and the published detectors as dashed reference lines, in format
// ("svg" or "png").
func WritePlot(w io.Writer, format, title string, rs []Result, refs []Reference) error {
	if len(rs) == 0 {
		return fmt.Errorf("explore: no variants to plot")
	}
	p := chart.New(title, "memory image (bits, log scale)", "NAB standard score")
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.TickerFunc(bitTicks)
	p.Y.Tick.Marker = plot.TickerFunc(scoreTicks)
	setRanges(p, rs, refs)
	for _, add := range []func(*plot.Plot, []Result, []Reference) error{addReferences, addFront, addVariants, addFrontNames} {
		if err := add(p, rs, refs); err != nil {
			return err
		}
	}
	p.Legend.Top, p.Legend.Left = false, false
	p.Legend.YOffs = vg.Points(4)
	return chart.Write(w, format, chart.Width, 5.5*vg.Inch, p)
}

// setRanges fits the axes to the variants and the reference scores.
func setRanges(p *plot.Plot, rs []Result, refs []Reference) {
	lo, hi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, r := range rs {
		b := float64(r.ImageBits)
		lo, hi = min(lo, b), max(hi, b)
		ylo, yhi = min(ylo, r.Standard), max(yhi, r.Standard)
	}
	for _, ref := range refs {
		ylo, yhi = min(ylo, ref.Standard), max(yhi, ref.Standard)
	}
	p.X.Min, p.X.Max = lo/1.6, hi*2.5
	p.Y.Min, p.Y.Max = math.Floor(ylo/5)*5-2, math.Ceil(yhi/5)*5+2
}

// addReferences draws each published detector's score as a labelled
// dashed line.
func addReferences(p *plot.Plot, _ []Result, refs []Reference) error {
	for _, ref := range refs {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: ref.Standard}, {X: p.X.Max, Y: ref.Standard}})
		if err != nil {
			return err
		}
		l.Color, l.Width, l.Dashes = chart.Grey, vg.Points(0.7), []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		lb, err := plotter.NewLabels(plotter.XYLabels{
			XYs:    []plotter.XY{{X: p.X.Min, Y: ref.Standard}},
			Labels: []string{fmt.Sprintf("%s %.1f", ref.Name, ref.Standard)},
		})
		if err != nil {
			return err
		}
		for i := range lb.TextStyle {
			lb.TextStyle[i].Color = chart.Grey
			lb.TextStyle[i].Font.Size = vg.Points(8)
			lb.TextStyle[i].XAlign = draw.XLeft
			lb.TextStyle[i].YAlign = draw.YBottom
		}
		lb.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(5)}
		p.Add(lb)
	}
	return nil
}

// addFront draws the Pareto front as a staircase.
func addFront(p *plot.Plot, rs []Result, _ []Reference) error {
	front := Pareto(rs)
	pts := make(plotter.XYs, 0, 2*len(front))
	for k, i := range front {
		if k > 0 {
			pts = append(pts, plotter.XY{X: float64(rs[i].ImageBits), Y: rs[front[k-1]].Standard})
		}
		pts = append(pts, plotter.XY{X: float64(rs[i].ImageBits), Y: rs[i].Standard})
	}
	pts = append(pts, plotter.XY{X: p.X.Max, Y: pts[len(pts)-1].Y})
	fl, err := plotter.NewLine(pts)
	if err != nil {
		return err
	}
	fl.Color, fl.Width = chart.Colour(0), vg.Points(1.2)
	p.Add(fl)
	p.Legend.Add("Pareto front", fl)
	return nil
}

// addFrontNames names the front's variants above their points (drawn last,
// over the points).
func addFrontNames(p *plot.Plot, rs []Result, _ []Reference) error {
	var lxy []plotter.XY
	var names []string
	for _, i := range Pareto(rs) {
		lxy = append(lxy, plotter.XY{X: float64(rs[i].ImageBits), Y: rs[i].Standard})
		names = append(names, rs[i].Name)
	}
	lb, err := plotter.NewLabels(plotter.XYLabels{XYs: lxy, Labels: names})
	if err != nil {
		return err
	}
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font.Size = vg.Points(7.5)
		lb.TextStyle[i].YAlign = draw.YBottom
		lb.TextStyle[i].XAlign = draw.XCenter
	}
	lb.Offset = vg.Point{Y: vg.Points(4)}
	p.Add(lb)
	return nil
}

// addVariants marks every variant by the smallest part that holds it.
func addVariants(p *plot.Plot, rs []Result, _ []Reference) error {
	groups := append([]string{}, partNames()...)
	groups = append(groups, "")
	for g, name := range groups {
		var xy plotter.XYs
		for _, r := range rs {
			if r.Smallest() == name {
				xy = append(xy, plotter.XY{X: float64(r.ImageBits), Y: r.Standard})
			}
		}
		if len(xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: chart.Colour(g + 1), Radius: vg.Points(3.5), Shape: partGlyphs[g%len(partGlyphs)]}
		label := "fits " + name
		if name == "" {
			sc.GlyphStyle.Color = chart.Grey
			label = "no part holds it on chip"
		}
		p.Add(sc)
		p.Legend.Add(label, sc)
	}
	return nil
}

// partNames returns the names of image.Parts.
func partNames() []string {
	var out []string
	for _, p := range image.Parts {
		out = append(out, p.Name)
	}
	return out
}

// bitTicks are ticks at 1, 2 and 5 times the powers of ten, labelled in
// kbit and Mbit.
func bitTicks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v < lo || v > hi {
				continue
			}
			var label string
			switch {
			case v >= 1e6:
				label = fmt.Sprintf("%g Mbit", v/1e6)
			case v >= 1e3:
				label = fmt.Sprintf("%g kbit", v/1e3)
			default:
				label = fmt.Sprintf("%g bit", v)
			}
			ts = append(ts, plot.Tick{Value: v, Label: label})
		}
	}
	return ts
}

// scoreTicks are ticks every 5 points of score, labelled every 10.
func scoreTicks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := math.Ceil(lo/5) * 5; v <= hi; v += 5 {
		t := plot.Tick{Value: v}
		if math.Mod(v, 10) == 0 {
			t.Label = fmt.Sprintf("%.0f", v)
		}
		ts = append(ts, t)
	}
	return ts
}
