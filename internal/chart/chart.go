// Package chart is the one look of htmhw's plots, on gonum/plot: the
// colours, the title and grid, the image format chosen by a file's
// extension (SVG or PNG), and panels stacked on a shared horizontal axis.
// Every plot the command line draws (htmhw run --plot, sim --plot, explore,
// nab --report) and quant's report plot goes through it.
package chart

import (
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Palette is the colours of the series of a plot, in order (the "tab10"
// palette of matplotlib and d3).
var Palette = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff}, {0xd6, 0x27, 0x28, 0xff},
	{0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff}, {0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff},
	{0xbc, 0xbd, 0x22, 0xff}, {0x17, 0xbe, 0xcf, 0xff},
}

// Colour returns the i-th colour of the palette, cycling.
func Colour(i int) color.RGBA { return Palette[i%len(Palette)] }

// Named colours of the look, for marks that mean the same in every plot.
var (
	Grey  = color.RGBA{0x88, 0x88, 0x88, 0xff}
	Shade = color.NRGBA{0xf2, 0xc9, 0x4c, 0x60} // a labelled window: translucent amber
	Good  = color.RGBA{0x2c, 0xa0, 0x2c, 0xff}  // a true positive
	Bad   = color.RGBA{0xd6, 0x27, 0x28, 0xff}  // a false positive or a miss
)

// Default sizes.
const (
	Width  = 9 * vg.Inch
	Height = 4.5 * vg.Inch
)

// New returns a plot in the shared look: a title, axis labels, a light
// grid behind the data and the legend at the top left.
func New(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(13)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.Padding = vg.Points(1)
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe4}
	g.Horizontal.Color = color.Gray{0xe4}
	p.Add(g)
	return p
}

// FormatOf returns the image format a file name asks for: "svg" or "png".
func FormatOf(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".svg", ".png":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("%s: a plot is written as .svg or .png, not %q", path, ext)
	}
}

// Write draws p on a width x height canvas in format ("svg" or "png") to w.
func Write(w io.Writer, format string, width, height vg.Length, p *plot.Plot) error {
	return WriteStack(w, format, width, []Panel{{Plot: p, Height: height}})
}

// Panel is one plot of a stack and its height.
type Panel struct {
	Plot   *plot.Plot
	Height vg.Length
}

// WriteStack draws panels one above the other on one canvas of the given
// width (the heights summed), their data areas aligned left and right so
// that panels with the same X range share the horizontal axis.
func WriteStack(w io.Writer, format string, width vg.Length, panels []Panel) error {
	if format != "svg" && format != "png" {
		return fmt.Errorf("chart: format %q: want svg or png", format)
	}
	if len(panels) == 0 {
		return fmt.Errorf("chart: nothing to draw")
	}
	var height vg.Length
	for _, pn := range panels {
		height += pn.Height
	}
	cw, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return err
	}
	dc := draw.New(cw)
	if format == "png" {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
	}
	// Each panel's slice of the canvas, top to bottom, and the widest
	// left and right margins of any panel's data area.
	slices := make([]draw.Canvas, len(panels))
	var left, right vg.Length
	top := height
	for i, pn := range panels {
		slices[i] = draw.Crop(dc, 0, 0, top-pn.Height, -(height - top))
		top -= pn.Height
		d := pn.Plot.DataCanvas(slices[i])
		left = max(left, d.Min.X-slices[i].Min.X)
		right = max(right, slices[i].Max.X-d.Max.X)
	}
	for i, pn := range panels {
		d := pn.Plot.DataCanvas(slices[i])
		l := left - (d.Min.X - slices[i].Min.X)
		r := right - (slices[i].Max.X - d.Max.X)
		pn.Plot.Draw(draw.Crop(slices[i], l, -r, 0, 0))
	}
	_, err = cw.WriteTo(w)
	return err
}
