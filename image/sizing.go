package image

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteSizing writes the table of memories (width, depth, bits, CRC) and a
// line per part: the SPRAM and block RAM its memory map takes (Map).
func (im *Image) WriteSizing(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "memory\twidth\tdepth\tbits\tcrc\t")
	for _, s := range im.Sections {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%08x\t\n", s.Name, s.Width, s.Depth(), s.Bits(), s.CRC())
	}
	fmt.Fprintf(tw, "total\t\t\t%d\t\t\n", im.Bits())
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nOn each part, with the working memories (docs/ARCHITECTURE.md 2.3; htmhw image inspect --part P for the map):")
	for _, p := range Parts {
		mm, err := im.Map(p)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, mm.Summary())
	}
	return nil
}
