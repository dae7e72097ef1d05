package sim

import (
	"bytes"
	"slices"
	"testing"

	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
)

// FuzzImageState changes up to two words of a trained image's memories,
// and optionally its configuration, then writes the image, which reseals
// every CRC, so that the fuzzer reaches the checks past the checksums
// (image.Parse's FuzzParse rarely gets through them). Whatever the
// changes: the image parses; image.Image.Region and New accept or refuse
// it together, without panicking; and an accepted image steps on the golden
// model and on the simulator alike, with equal outputs and memories.
func FuzzImageState(f *testing.F) {
	rows := readRows(f, jumpsup)
	cfg := tightConfig(f, rows)
	r, err := model.NewRegion(cfg)
	if err != nil {
		f.Fatal(err)
	}
	for _, row := range rows[:80] {
		if _, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true); err != nil {
			f.Fatal(err)
		}
	}
	base, err := image.Compile(r, image.DefaultArch())
	if err != nil {
		f.Fatal(err)
	}
	next := rows[80:84]
	sec := func(name string) uint8 { return uint8(slices.Index(image.Memories, name)) }
	none := []byte(nil)
	f.Add(sec("regs"), uint32(regSPIter), ^uint64(0), uint8(0), uint32(0), uint64(32), none) // SP iteration about to wrap
	f.Add(sec("regs"), uint32(regTMIter), ^uint64(0), uint8(0), uint32(0), uint64(32), none)
	f.Add(sec("regs"), uint32(regGen), uint64(0), uint8(0), uint32(0), uint64(32), none)
	f.Add(sec("regs"), uint32(regFreeCount), uint64(1)<<40, uint8(0), uint32(0), uint64(32), none)
	f.Add(sec("sp.duty"), uint32(3), ^uint64(0), sec("sp.boost"), uint32(3), uint64(0), none)
	f.Add(sec("tm.seg"), uint32(0), ^uint64(0), sec("tm.syn"), uint32(5), ^uint64(0), none)
	f.Add(sec("tm.free"), uint32(0), uint64(0), sec("tm.cellsegs"), uint32(7), uint64(9), none)
	f.Add(sec("sp.poollen"), uint32(1), uint64(0), sec("sp.pool"), uint32(0), uint64(0), none)
	f.Add(sec("cfg"), uint32(12), uint64(0), sec("cfg"), uint32(13), uint64(0), none)
	f.Add(uint8(0), uint32(0), uint64(0), uint8(0), uint32(0), uint64(0), bytes.Replace(base.Config, []byte(`"segmentPoolCapacity":16`), []byte(`"segmentPoolCapacity":1048576`), 1))
	f.Fuzz(func(t *testing.T, s1 uint8, w1 uint32, v1 uint64, s2 uint8, w2 uint32, v2 uint64, config []byte) {
		im := cloneImage(base)
		for _, m := range []struct {
			s uint8
			w uint32
			v uint64
		}{{s1, w1, v1}, {s2, w2, v2}} {
			sec := im.Sections[int(m.s)%len(im.Sections)]
			if sec.Width < 64 {
				m.v &= 1<<sec.Width - 1
			}
			sec.Words[int(m.w)%len(sec.Words)] = m.v
		}
		if len(config) > 0 {
			im.Config = config
		}
		var b bytes.Buffer
		if _, err := im.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		back, err := image.Parse(b.Bytes())
		if err != nil {
			t.Fatalf("a written image does not parse: %v", err)
		}
		golden, gerr := back.Region()
		s, serr := New(back)
		if (gerr == nil) != (serr == nil) {
			t.Fatalf("image.Region says %v, New says %v", gerr, serr)
		}
		if gerr != nil {
			return
		}
		for i, row := range next {
			o, err := golden.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
			if err != nil {
				return // the (changed) encoder refuses the value
			}
			res, err := s.Step(o.Encoding, true)
			if err != nil {
				t.Fatalf("step %d: the golden model steps, the simulator: %v", i, err)
			}
			if !slices.Equal(o.ActiveColumns, res.ActiveColumns) || !slices.Equal(o.PredictedColumns, res.PredictedColumns) ||
				o.Anomaly.Num != res.AnomalyNum || o.Anomaly.Den != res.AnomalyDen {
				t.Fatalf("step %d: the golden model and the simulator differ", i)
			}
		}
		want, err := image.Compile(golden, back.Arch)
		if err != nil {
			t.Fatal(err)
		}
		if d := image.Diff(want, s.Image()); d != nil {
			t.Fatalf("after the steps: %v (golden, simulator)", d)
		}
	})
}

// cloneImage returns a deep copy of an image.
func cloneImage(im *image.Image) *image.Image {
	c := &image.Image{Arch: im.Arch, Config: bytes.Clone(im.Config)}
	for _, s := range im.Sections {
		c.Sections = append(c.Sections, &image.Section{Name: s.Name, Width: s.Width, Words: slices.Clone(s.Words)})
	}
	return c
}
