package driver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
)

// ReadState reads every memory back through the window (its units,
// unpacked into the image's words: arch.Window) and returns the
// board's state as an image (the loaded image's configuration and layout,
// the board's words). Each memory is checked against CRC_VALUE; words of a
// memory that does not match are read again until it does (bounded).
func (b *Board) ReadState(ctx context.Context) (*image.Image, error) {
	t0 := time.Now()
	defer func() { b.stats.ReadTime += time.Since(t0) }()
	if b.im == nil {
		return nil, errors.New("driver: ReadState needs the layout of a loaded image: Load first")
	}
	out := &image.Image{Arch: b.im.Arch, Config: append([]byte(nil), b.im.Config...)}
	ws, err := b.im.Windows() // the window's units (contract version 4)
	if err != nil {
		return nil, fmt.Errorf("driver: read state: %w", err)
	}
	for i, s := range b.im.Sections {
		units, err := b.readChecked(ctx, i, ws[i].UnitWidth(), ws[i].Units())
		if err != nil {
			return nil, fmt.Errorf("driver: read state: memory %q: %w", s.Name, b.stopped(err))
		}
		out.Sections = append(out.Sections, &image.Section{Name: s.Name, Width: s.Width, Words: ws[i].FromUnits(units)})
	}
	return out, nil
}

// readChecked reads memory sel (readWords) until the words match its
// CRC_VALUE: after a mismatch, the words not yet read the same twice are
// read again, and if all have been, all are read again (bounded).
func (b *Board) readChecked(ctx context.Context, sel, width, depth int) ([]uint64, error) {
	cur := make([]uint64, depth)
	if err := b.readWords(ctx, sel, width, depth, nil, func(j int, v uint64) { cur[j] = v }); err != nil {
		return nil, err
	}
	confirmed := make([]bool, depth)
	for pass := 0; ; pass++ {
		want, err := b.memCRC(ctx, sel)
		if err != nil {
			return nil, err
		}
		if image.UpdateCRC(0, width, cur) == want {
			return cur, nil
		}
		if pass > b.opt.retries {
			return nil, fmt.Errorf("CRC_VALUE %08x never matches the words read", want)
		}
		var again []int
		for j, ok := range confirmed {
			if !ok {
				again = append(again, j)
			}
		}
		n := len(again)
		if n == 0 {
			clear(confirmed) // every word twice the same and still no match: start over
			n = depth        // again nil: all
		}
		b.stats.StateRereads += uint64(n)
		err = b.readWords(ctx, sel, width, depth, again, func(j int, v uint64) {
			confirmed[j] = v == cur[j]
			cur[j] = v
		})
		if err != nil {
			return nil, err
		}
	}
}

// Reset issues RESET: the registers return to their power-on values
// (windows locked, no error, IN_COUNT 0, outputs 0); memories and the step
// count are unchanged. It is confirmed by IN_COUNT, set to 1 before and
// read 0 after.
func (b *Board) Reset(ctx context.Context) error {
	for try := 0; try <= b.opt.retries; try++ {
		if err := b.setStable(ctx, arch.RegInCount, 1, func(v uint32) bool { return v == 1 }); err != nil {
			return b.stopped(err)
		}
		if err := b.command(ctx, arch.CmdReset); err != nil {
			return b.stopped(err)
		}
		v, err := b.stable(ctx, arch.RegInCount)
		if err != nil {
			return b.stopped(err)
		}
		if v == 0 {
			return nil
		}
	}
	return b.stopped(errors.New("RESET does not take"))
}
