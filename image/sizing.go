package image

import (
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
)

// Target is an FPGA's on-chip memory, for sizing a region.
type Target struct {
	Name string
	Bits int // block RAM (and SPRAM) bits on the device
}

// Targets are the FPGA families docs/ARCHITECTURE.md sizes regions for.
var Targets = []Target{
	{"iCE40 UP5K", 4*256*1024 + 30*4096}, // 4 SPRAM + 30 EBR
	{"ECP5-85", 208 * 18 * 1024},         // 208 EBR of 18 Kbit
	{"Artix-7 100T", 135 * 36 * 1024},    // 135 BRAM of 36 Kbit
}

// Fit says how an image fits a target: on chip when its memories take no
// more bits than the device has (a lower bound: block granularity and the
// working memories are not counted), else which memories, largest first,
// must move to external memory for the rest to fit.
func (im *Image) Fit(t Target) (onChip bool, external []string) {
	total := im.Bits()
	if total <= t.Bits {
		return true, nil
	}
	secs := append([]*Section(nil), im.Sections...)
	sort.SliceStable(secs, func(i, j int) bool { return secs[i].Bits() > secs[j].Bits() })
	for _, s := range secs {
		if total <= t.Bits {
			break
		}
		total -= s.Bits()
		external = append(external, s.Name)
	}
	return false, external
}

// WriteSizing writes the table of memories (width, depth, bits) and how the
// image fits each target.
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
	for _, t := range Targets {
		on, ext := im.Fit(t)
		if on {
			fmt.Fprintf(w, "%-13s %9d bits: fits on chip (%.0f%%)\n", t.Name, t.Bits, 100*float64(im.Bits())/float64(t.Bits))
		} else {
			fmt.Fprintf(w, "%-13s %9d bits: external memory for %v\n", t.Name, t.Bits, ext)
		}
	}
	return nil
}
