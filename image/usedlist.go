package image

import (
	"fmt"
	"slices"

	"github.com/htmhw/htmhw/arch"
)

// RESTORE's used list (contract version 4, docs/ARCHITECTURE.md 3.3): the
// host writes the used segments in creation order, oldest first, into
// tm.free's entries above FREE_COUNT (FREE_COUNT .. S − 1, which an image
// holds 0) before RESTORE, and RESTORE takes them from there to link the
// accelerator's used list and clears them back to 0. An image (Compile,
// a board's state read back) holds the state form, those entries 0; the
// list is derived from it by UsedList, and WithUsedList gives the memories
// as the host writes them.

// UsedList returns RESTORE's used list of the image: the segments that are
// not on the free stack (tm.free's FREE_COUNT entries), by ascending
// tm.segseq (creation order, oldest first; equal numbers, which no image
// of a model state holds, by index). It checks only what it needs: the
// free count and the free stack's entries; Region checks the rest.
func (im *Image) UsedList() ([]uint64, error) {
	regs, free, seq := im.Section(arch.MemRegs.String()), im.Section(arch.MemTMFree.String()), im.Section(arch.MemTMSegSeq.String())
	if regs == nil || free == nil || seq == nil {
		return nil, fmt.Errorf("image: the used list needs sections %q, %q and %q", arch.MemRegs, arch.MemTMFree, arch.MemTMSegSeq)
	}
	S := len(free.Words)
	if len(seq.Words) != S || len(regs.Words) <= arch.RegsFreeCount {
		return nil, fmt.Errorf("image: the used list: %q has %d words, %q %d, %q %d", arch.MemTMFree, S,
			arch.MemTMSegSeq, len(seq.Words), arch.MemRegs, len(regs.Words))
	}
	fc := regs.Words[arch.RegsFreeCount]
	if fc > uint64(S) {
		return nil, fmt.Errorf("image: section %q: free count %d exceeds %d segments", arch.MemRegs, fc, S)
	}
	isFree := make([]bool, S)
	for j, f := range free.Words[:fc] {
		if f >= uint64(S) || isFree[f] {
			return nil, fmt.Errorf("image: section %q: entry %d, segment %d, is not a free segment of %d once", arch.MemTMFree, j, f, S)
		}
		isFree[f] = true
	}
	used := make([]uint64, 0, S-int(fc))
	for s, f := range isFree {
		if !f {
			used = append(used, uint64(s))
		}
	}
	slices.SortStableFunc(used, func(a, b uint64) int {
		switch x, y := seq.Words[a], seq.Words[b]; {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return used, nil
}

// WithUsedList returns a copy of the image whose tm.free holds the used
// list (UsedList) above FREE_COUNT: the memories a host writes before
// RESTORE. The other sections are shared with im.
func (im *Image) WithUsedList() (*Image, error) {
	used, err := im.UsedList()
	if err != nil {
		return nil, err
	}
	return im.withFreeTop(used), nil
}

// TakeUsedList is RESTORE's check of the used list: tm.free above
// FREE_COUNT must hold the image's used list (UsedList), or, unless
// strict, be all 0 (an image in its state form, as Compile makes it and
// sim.New takes it). It returns the image as RESTORE leaves it, those
// entries 0 (the other sections shared with im).
func (im *Image) TakeUsedList(strict bool) (*Image, error) {
	used, err := im.UsedList()
	if err != nil {
		return nil, err
	}
	free := im.Section(arch.MemTMFree.String()).Words
	fc := len(free) - len(used)
	top := free[fc:]
	if strict || slices.ContainsFunc(top, func(w uint64) bool { return w != 0 }) {
		for j, w := range top {
			if w != used[j] {
				return nil, fmt.Errorf("image: section %q: entry %d is %d, RESTORE's used list (creation order by %q) gives %d",
					arch.MemTMFree, fc+j, w, arch.MemTMSegSeq, used[j])
			}
		}
	}
	return im.withFreeTop(make([]uint64, len(used))), nil
}

// withFreeTop returns a copy of im with tm.free's last len(top) entries
// replaced by top.
func (im *Image) withFreeTop(top []uint64) *Image {
	out := &Image{Arch: im.Arch, Config: im.Config, Sections: slices.Clone(im.Sections)}
	for i, s := range out.Sections {
		if s.Name == arch.MemTMFree.String() {
			w := slices.Clone(s.Words)
			copy(w[len(w)-len(top):], top)
			out.Sections[i] = &Section{Name: s.Name, Width: s.Width, Words: w}
		}
	}
	return out
}
