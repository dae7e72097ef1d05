package image

import (
	"fmt"

	"github.com/htmhw/htmhw/arch"
)

// Windows returns how the memory window sees each of the image's memories
// (contract version 4, arch.Window), in MEM_SEL order.
func (im *Image) Windows() ([]arch.Window, error) {
	d, err := im.dims()
	if err != nil {
		return nil, err
	}
	if len(im.Sections) != int(arch.NumMems) {
		return nil, fmt.Errorf("image: %d memories, the window has %d", len(im.Sections), int(arch.NumMems))
	}
	wCell := arch.NewLayout(d).WCell
	ws := make([]arch.Window, len(im.Sections))
	for i, s := range im.Sections {
		ws[i] = arch.NewWindow(arch.Mem(i), s.Width, s.Depth(), wCell)
	}
	return ws, nil
}

// Units returns the image as the memory window sees it: each memory's
// units (arch.Window.ToUnits, the spare half of an odd memory's last unit
// 0), UnitWidth bits each, so that a section's CRC is the device's
// CRC_VALUE for it.
func (im *Image) Units() (*Image, error) {
	ws, err := im.Windows()
	if err != nil {
		return nil, err
	}
	out := &Image{Arch: im.Arch, Config: im.Config}
	for i, s := range im.Sections {
		out.Sections = append(out.Sections, &Section{Name: s.Name, Width: ws[i].UnitWidth(), Words: ws[i].ToUnits(s.Words)})
	}
	return out, nil
}
