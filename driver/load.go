package driver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
)

// Load loads an image: it unlocks the memory windows, writes every memory
// whose CRC_VALUE differs from the image's section CRC (sections already
// equal are kept; tm.free with RESTORE's used list above FREE_COUNT,
// image.Image.WithUsedList, which RESTORE takes and clears), checks each with CRC_VALUE and repairs it from a
// read-back until it matches (bounded), checks every memory again, issues
// RESET (CYCLES 0, ERROR 0, windows locked) and RESTORE until CYCLES shows
// that RESTORE ran, checks ERROR (BAD_STATE: the board refuses the
// memories) and confirms the lock. An image whose memories are not
// consistent (image.Image.Region) is refused before anything is written. The board's step count is then the
// image's (regs word 0), which it checks. A bus that implements
// Provisioner (sim://) is provisioned with the image first.
//
// The window addresses physical words (contract version 4): each memory
// is written, read back and checked as its units (image.Units), which the
// board's CRC_VALUE covers.
//
// Words are written as MEM_DATA_LO, MEM_DATA_HI frames (MEM_ADDR first
// where a run of consecutive words starts), in exchanges that end with a
// checkpoint read (writeMem), with the memory windows unlocked only while
// they are written; a memory whose CRC_VALUE differs after the write is
// read back in batches and only the words that still differ when read
// again are written again (repair).
func (b *Board) Load(ctx context.Context, im *image.Image) error {
	t0 := time.Now()
	defer func() { b.stats.LoadTime += time.Since(t0) }()
	if p, ok := b.bus.(Provisioner); ok {
		if err := p.Provision(im); err != nil {
			return fmt.Errorf("driver: %s: %w", b.name(), err)
		}
	}
	info, err := b.Info(ctx)
	if err != nil {
		return err
	}
	if err := info.CheckImage(im); err != nil {
		return err
	}
	// The memories as the host writes them: the image with RESTORE's used
	// list in tm.free (contract version 4), derived here from an image
	// whose memories are consistent (Region): the RTL raises no error on
	// memories it cannot restore and trusts the list, so the host checks
	// first, and a refused image leaves the board as it was.
	if _, err := im.Region(); err != nil {
		return fmt.Errorf("driver: load: %w", err)
	}
	lim, err := im.WithUsedList()
	if err != nil {
		return fmt.Errorf("driver: load: %w", err)
	}
	b.known = false
	if err := b.load(ctx, lim); err != nil {
		return b.stopped(fmt.Errorf("load: %w", err))
	}
	b.im = im
	b.next, b.known = im.Section(arch.MemRegs.String()).Words[arch.RegsSteps], true
	return nil
}

// Attach takes over a board that already runs an image, without loading
// it: it checks the board's Info against the image (as Load does), reads
// the step count (STEP_LO/STEP_HI, two equal reads each) and returns the
// steps done since the image's own count (its regs word 0). It refuses a
// board whose count is below the image's. Steps then continue from the
// board's count, and ReadState uses the image's layout. The board's
// memories are not checked: it is for resuming a run on a board that
// stopped answering, whose state has moved on from the image.
func (b *Board) Attach(ctx context.Context, im *image.Image) (uint64, error) {
	info, err := b.Info(ctx)
	if err != nil {
		return 0, err
	}
	if err := info.CheckImage(im); err != nil {
		return 0, err
	}
	b.known = false
	if err := b.syncSteps(ctx); err != nil {
		return 0, b.stopped(fmt.Errorf("attach: %w", err))
	}
	base := im.Section(arch.MemRegs.String()).Words[arch.RegsSteps]
	if b.next < base {
		return 0, fmt.Errorf("driver: %s is at step %d, before the image's %d: it does not run this image", b.name(), b.next, base)
	}
	b.im = im
	return b.next - base, nil
}

func (b *Board) load(ctx context.Context, im *image.Image) error {
	if err := b.clearErrors(ctx); err != nil {
		return err
	}
	steps := im
	// The window sees the memories' physical words (contract version 4):
	// what is written, read back and checked is the image's units.
	im, err := im.Units()
	if err != nil {
		return err
	}
	sus := suspects{}
	b.loadDone, b.loadTotal = 0, 0
	for _, s := range im.Sections {
		b.loadTotal += s.Depth()
	}
	// The memory windows are unlocked only while words are written:
	// a frame misparsed during a CRC check or a read-back (a lost byte
	// turns data into commands) then cannot commit a word unseen, which
	// would leave a large memory damaged after every full read-back.
	write := func(sel int, idx []int) error {
		if err := b.setStable(ctx, arch.RegMemLock, arch.MemUnlock, func(v uint32) bool { return v == 0 }); err != nil {
			return err
		}
		if err := b.writeMem(ctx, im, sel, idx, sus); err != nil {
			return err
		}
		return b.setStable(ctx, arch.RegMemLock, 1, func(v uint32) bool { return v != 0 })
	}
	if err := b.writeMemories(ctx, im, write, sus); err != nil {
		return err
	}
	b.loaded(b.loadTotal - b.loadDone)
	// RESTORE takes the used list from tm.free and clears it: a RESTORE
	// tried again finds it written again first (writeMemories, checked by
	// CRC_VALUE).
	again := func() error { return b.writeMemories(ctx, im, write, sus) }
	if err := b.restore(ctx, again); err != nil {
		return err
	}
	if err := b.setStable(ctx, arch.RegMemLock, 1, func(v uint32) bool { return v != 0 }); err != nil {
		return err
	}
	return b.checkSteps(ctx, steps)
}

// writeMemories writes every memory whose CRC_VALUE is not the image's
// with write, and repairs it until it is.
func (b *Board) writeMemories(ctx context.Context, im *image.Image, write func(sel int, idx []int) error, sus suspects) error {
	crcs := make([]uint32, len(im.Sections))
	for i, s := range im.Sections {
		crcs[i] = s.CRC()
	}
	written := make([]bool, len(im.Sections))
	fresh := make([]bool, len(im.Sections))
	// Rounds: every memory is checked; those that differ are written (the
	// first time) or repaired. A stray word written into another memory
	// shows in the next round; where the write checkpoints saw it go
	// (suspects), those words are read back first.
	for round := 0; ; round++ {
		bad := 0
		for i, s := range im.Sections {
			crc, err := b.memCRCIs(ctx, i, crcs[i])
			if err != nil {
				return err
			}
			if crc == crcs[i] {
				if round == 0 {
					b.stats.SectionsKept++
					b.loaded(s.Depth())
				}
				continue
			}
			bad++
			if round > b.opt.retries {
				return fmt.Errorf("memory %q: CRC_VALUE %08x, the image's %08x, after %d rounds", s.Name, crc, crcs[i], round)
			}
			if !written[i] {
				written[i], fresh[i] = true, true
				b.stats.SectionWrites++
				if err := write(i, nil); err != nil {
					return err
				}
				continue
			}
			b.stats.SectionRetries++
			if fresh[i] {
				// Written in full and not read back yet: corrupted
				// words can be anywhere, read them all.
				fresh[i] = false
				delete(sus, i)
			}
			if words := sus[i]; len(words) > 0 {
				delete(sus, i)
				if err := b.repair(ctx, im, i, words, write, sus); err != nil {
					return err
				}
				if crc, err = b.memCRCIs(ctx, i, crcs[i]); err != nil {
					return err
				}
				if crc == crcs[i] {
					continue
				}
			}
			if err := b.repair(ctx, im, i, nil, write, sus); err != nil {
				return err
			}
		}
		if bad == 0 {
			return nil
		}
	}
}

// restore issues RESET and RESTORE until CYCLES shows that RESTORE ran
// without error; before each try but the first it calls again, which
// writes the memories RESTORE may have changed (the used list).
func (b *Board) restore(ctx context.Context, again func() error) error {
	// RESTORE: CYCLES reads 0 after RESET (which also clears ERROR and
	// locks the windows; memories stay) and RESTORE's count (at least W >
	// 0) after RESTORE, which tells that it ran.
	for try := 0; ; try++ {
		if try > b.opt.retries {
			return errors.New("RESTORE does not run (CYCLES stays 0)")
		}
		if try > 0 {
			if err := again(); err != nil {
				return err
			}
		}
		if err := b.command(ctx, arch.CmdReset); err != nil {
			return err
		}
		c, err := b.stable(ctx, arch.RegCycles)
		if err != nil {
			return err
		}
		if c != 0 {
			continue // RESET lost
		}
		if err := b.command(ctx, arch.CmdRestore); err != nil {
			return err
		}
		if err := b.idle(ctx); err != nil {
			return err
		}
		if c, err = b.stable(ctx, arch.RegCycles); err != nil {
			return err
		}
		e, err := b.stable(ctx, arch.RegError)
		if err != nil {
			return err
		}
		if e == uint32(arch.CodeBadState) {
			return fmt.Errorf("the board refused the memories: ERROR %v", arch.ErrorCode(e))
		}
		if c != 0 && e == 0 {
			return nil
		}
	}
}

// checkSteps checks that the board's step count is now the image's.
func (b *Board) checkSteps(ctx context.Context, im *image.Image) error {
	want := im.Section(arch.MemRegs.String()).Words[arch.RegsSteps]
	for try := 0; ; try++ {
		n, err := b.readSteps(ctx)
		if err != nil {
			return err
		}
		if n == want {
			return nil
		}
		if try >= b.opt.retries {
			return fmt.Errorf("after RESTORE the board is at step %d, the image at %d", n, want)
		}
	}
}

// suspects are memory words a load may have damaged, by memory index:
// where write checkpoints saw runs of words go astray.
type suspects map[int][]int

// add records words [end-n, end) of memory sel, if it is one of im's.
func (s suspects) add(im *image.Image, sel uint32, end uint32, n int) {
	if int(sel) >= len(im.Sections) || int(end) > len(im.Sections[sel].Words) {
		return
	}
	for j := max(0, int(end)-n); j < int(end); j++ {
		s[int(sel)] = append(s[int(sel)], j)
	}
}

// repair reads the words (nil: all) of memory sel back, writes those that
// differ from the image's with write, and reads them back, with the
// suspects of sel the writes add, until they hold (bounded); the caller
// checks CRC_VALUE again.
func (b *Board) repair(ctx context.Context, im *image.Image, sel int, words []int, write func(sel int, idx []int) error, sus suspects) error {
	s := im.Sections[sel]
	if words != nil {
		words = union(words, nil)
	}
	diff, err := b.differing(ctx, sel, s, words)
	if err != nil {
		return err
	}
	for try := 0; len(diff) > 0; try++ {
		if try > b.opt.retries {
			return fmt.Errorf("memory %q: %d words do not take their values", s.Name, len(diff))
		}
		b.stats.WordsRepaired += uint64(len(diff))
		if err := write(sel, diff); err != nil {
			return err
		}
		check := union(diff, sus[sel])
		delete(sus, sel)
		if diff, err = b.differing(ctx, sel, s, check); err != nil {
			return err
		}
	}
	return nil
}

// loadWords is the most memory words a load moves per exchange.
const loadWords = 256

// window sizes a load's exchanges: halved after an exchange that fails,
// doubled after one that succeeds (up to loadWords), so that a lossy link
// keeps exchanges short and a clean one soon moves loadWords words per
// exchange.
type window struct {
	k        int
	failures failures // exchanges failed in a row (exchange)
}

func (w *window) ok()   { w.k = min(loadWords, 2*w.k) }
func (w *window) fail() { w.k = max(1, w.k/2) }

// exchange performs one exchange of a transfer sized by w: a failure
// halves the window and counts toward the retries (an error names what
// after too many in a row), a success doubles it. It reports whether the
// exchange succeeded.
func (b *Board) exchange(ctx context.Context, what string, acc []Access, w *window) (bool, error) {
	b.stats.Calls++
	if err := b.batch(ctx, acc); err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if b.fail(ctx, &w.failures, err) {
			return false, w.failures.giveUp(what, "exchanges", err)
		}
		w.fail()
		return false, nil
	}
	w.failures = failuresNone
	w.ok()
	return true, nil
}

// memCRCIs reads a memory's CRC_VALUE (memCRC) and, if it is not want,
// twice more: a CRC_SEL write that did not arrive leaves the CRC of the
// memory selected before in CRC_VALUE, and a memory is read back only on
// a mismatch confirmed by three selections.
func (b *Board) memCRCIs(ctx context.Context, sel int, want uint32) (uint32, error) {
	var crc uint32
	for range 3 {
		var err error
		if crc, err = b.memCRC(ctx, sel); err != nil || crc == want {
			return crc, err
		}
	}
	return crc, nil
}

// writeMem writes the words of a memory (idx nil: all of them) in
// exchanges of as many words as a window says (halved after an exchange
// that fails, doubled after one that succeeds). An exchange is MEM_SEL
// (the first), every word as one frame: MEM_ADDR,
// MEM_DATA_LO, MEM_DATA_HI (18 bytes on UARTBone) for the first of a run
// of consecutive words, MEM_DATA_LO, MEM_DATA_HI (14 bytes; the window's
// address moves on by itself) for the others, and after each run a read of
// MEM_SEL and MEM_ADDR, which must show the memory and the address after
// the run. The read is a checkpoint: a byte lost in the frames makes the
// bridge parse what follows as data until its frame timeout, so the read
// then fails (and the transport resynchronises) or shows another address,
// and the exchange is made again, after a read of MEM_SEL and MEM_ADDR in
// an exchange of its own (where the failed exchange left the window), with
// MEM_LOCK unlocked again (a misparsed frame may have locked it) and
// MEM_SEL written only if it changed. The words a run that went elsewhere
// may have written (before the address read, in the memory read) are
// added to sus, to be read back. Corrupted words the checkpoints
// cannot see; CRC_VALUE and the read-back of repair do. (The register map
// commits each word with a MEM_DATA_HI write, so a frame cannot carry more
// than one word.)
func (b *Board) writeMem(ctx context.Context, im *image.Image, sel int, idx []int, sus suspects) error {
	s := im.Sections[sel]
	n := len(s.Words)
	if idx != nil {
		n = len(idx)
	}
	selWord := []uint32{uint32(sel)}
	data := make([]uint32, 3*min(n, loadWords))
	acc := make([]Access, 0, 3+2*min(n, loadWords))
	type run struct{ start, end int } // words [start, end), checked by check[2r:2r+2]
	var runs []run
	check := make([]uint32, 2*min(n, loadWords))
	unlock := []uint32{arch.MemUnlock}
	win, failures := window{k: 16}, failuresNone
	var where [2]uint32 // MEM_SEL, MEM_ADDR after a failed exchange
	where[0] = ^uint32(0)
	for off := 0; off < n; {
		m := min(win.k, n-off)
		acc, runs = acc[:0], runs[:0]
		if failures.n > 0 {
			// A misparsed frame may have written MEM_LOCK (any value but
			// "LOAD" locks).
			acc = append(acc, Access{Write: true, Addr: arch.RegMemLock, Data: unlock})
		}
		if where[0] != uint32(sel) {
			acc = append(acc, Access{Write: true, Addr: arch.RegMemSel, Data: selWord})
		}
		endRun := func() {
			r := len(runs) - 1
			acc = append(acc, Access{Addr: arch.RegMemSel, Data: check[2*r : 2*r+2]})
		}
		for t := range m {
			j := off + t
			if idx != nil {
				j = idx[j]
			}
			v := s.Words[j]
			w := data[3*t : 3*t+3]
			w[0], w[1], w[2] = uint32(j), uint32(v), uint32(v>>32)
			if t > 0 && j == runs[len(runs)-1].end {
				acc = append(acc, Access{Write: true, Addr: arch.RegMemDataLo, Data: w[1:]})
				runs[len(runs)-1].end++
				continue
			}
			if t > 0 {
				endRun()
			}
			runs = append(runs, run{j, j + 1})
			acc = append(acc, Access{Write: true, Addr: arch.RegMemAddr, Data: w})
		}
		endRun()
		b.stats.Calls++
		err := b.batch(ctx, acc)
		if err == nil {
			for r, rn := range runs {
				got := check[2*r : 2*r+2]
				if got[0] == uint32(sel) && got[1] == uint32(rn.end) {
					continue
				}
				b.stats.StateRereads++
				if err == nil {
					err = fmt.Errorf("MEM_SEL, MEM_ADDR read %d, %d after words %d to %d, want %d, %d", got[0], got[1], rn.start, rn.end-1, sel, rn.end)
				}
				// The run went elsewhere (or the read is wrong): the
				// words it may have written are suspect.
				sus.add(im, got[0], got[1], rn.end-rn.start)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if b.fail(ctx, &failures, err) {
				return failures.giveUp(fmt.Sprintf("memory %q: write", s.Name), "exchanges", err)
			}
			// Where the failed exchange left the window (an exchange of
			// its own, which writes nothing): the words before it are
			// suspect.
			if err := b.batchRetry(ctx, "read MEM_SEL", []Access{{Addr: arch.RegMemSel, Data: where[:]}}); err != nil {
				return err
			}
			sus.add(im, where[0], where[1], m)
			win.fail()
			continue
		}
		failures = failuresNone
		where[0] = uint32(sel)
		win.ok()
		off += m
		if idx == nil {
			b.loaded(m)
		}
	}
	return nil
}

// loaded reports n more words of a load done (WithLoadProgress).
func (b *Board) loaded(n int) {
	b.loadDone += n
	if b.opt.loadProgress != nil {
		b.opt.loadProgress(b.loadDone, b.loadTotal)
	}
}

// union returns the sorted union of two lists of word indices.
func union(a, b []int) []int {
	u := append(slices.Clone(a), b...)
	slices.Sort(u)
	return slices.Compact(u)
}

// verifyMem reads the words idx (nil: all) of memory sel back (readWords)
// and returns those that differ from the image's, ascending. A good word
// read wrong is reported as differing (differing reads those again);
// CRC_VALUE has the last word.
func (b *Board) verifyMem(ctx context.Context, sel int, s *image.Section, idx []int) ([]int, error) {
	var diff []int
	err := b.readWords(ctx, sel, s.Width, s.Depth(), idx, func(j int, v uint64) {
		if v != s.Words[j] {
			diff = append(diff, j)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("memory %q: %w", s.Name, err)
	}
	slices.Sort(diff)
	return slices.Compact(diff), nil
}

// differing returns the words of idx (nil: all) of memory sel that
// differ from the image's (verifyMem), read again while that makes the
// list shorter (bounded): a data byte flipped in an answer makes a good
// word read wrong once (8% of the words at 1% flipped bytes), and writing
// it again would open the windows to a misparsed frame for nothing.
func (b *Board) differing(ctx context.Context, sel int, s *image.Section, idx []int) ([]int, error) {
	diff, err := b.verifyMem(ctx, sel, s, idx)
	for try := 0; err == nil && len(diff) > 0 && try < b.opt.retries; try++ {
		var again []int
		if again, err = b.verifyMem(ctx, sel, s, diff); len(again) >= len(diff) {
			break
		}
		diff = again
	}
	return diff, err
}

// readWords reads the words idx (nil: all depth of them) of memory sel
// through the window and calls got for each, with the value masked to
// width bits. Each word is read as MEM_ADDR, MEM_DATA_LO, MEM_DATA_HI
// (reading HI moves MEM_ADDR on), so the answer says which word it is: a
// word whose address reads wrong is read again, and so is the one before
// where the window was (a MEM_ADDR write corrupted into a MEM_DATA_HI
// write commits a word there, if the windows are unlocked); got may then
// be called twice for a word, the last call the newer read. The exchanges
// carry MEM_SEL, MEM_ADDR where the words are not consecutive, and as many
// word reads as a window says (as writeMem's): on a pipelined link, up to
// loadWords words a round trip.
func (b *Board) readWords(ctx context.Context, sel, width, depth int, idx []int, got func(j int, v uint64)) error {
	if idx == nil {
		idx = make([]int, depth)
		for j := range idx {
			idx[j] = j
		}
	}
	mask := ^uint64(0)
	if width < 64 {
		mask = 1<<width - 1
	}
	pending := slices.Clone(idx)
	selWord := []uint32{uint32(sel)}
	addrs := make([]uint32, loadWords) // pending may grow beyond idx
	data := make([]uint32, 3*loadWords)
	var acc []Access
	win := window{k: 16}
	for len(pending) > 0 {
		chunk := pending[:min(win.k, len(pending))]
		acc = append(acc[:0], Access{Write: true, Addr: arch.RegMemSel, Data: selWord})
		for t, j := range chunk {
			if t == 0 || j != chunk[t-1]+1 {
				addrs[t] = uint32(j)
				acc = append(acc, Access{Write: true, Addr: arch.RegMemAddr, Data: addrs[t : t+1]})
			}
			acc = append(acc, Access{Addr: arch.RegMemAddr, Data: data[3*t : 3*t+3]})
		}
		if ok, err := b.exchange(ctx, "read back", acc, &win); !ok {
			if err != nil {
				return err
			}
			continue
		}
		var again []int
		for t, j := range chunk {
			r := data[3*t : 3*t+3]
			if r[0] != uint32(j) {
				b.stats.StateRereads++
				again = append(again, j)
				if p := int(r[0]) - 1; p >= 0 && p < depth && p != j {
					again = append(again, p)
				}
				continue
			}
			got(j, (uint64(r[1])|uint64(r[2])<<32)&mask)
		}
		pending = append(pending[len(chunk):], again...)
	}
	return nil
}

// clearErrors issues CLEAR_ERROR until ERROR reads 0, counting what it
// clears.
func (b *Board) clearErrors(ctx context.Context) error {
	for try := 0; try <= b.opt.retries; try++ {
		e, err := b.stable(ctx, arch.RegError)
		if err != nil {
			return err
		}
		if e == 0 {
			return nil
		}
		b.countError(e)
		if err := b.command(ctx, arch.CmdClearError); err != nil {
			return err
		}
	}
	return errors.New("ERROR does not clear")
}

func (b *Board) countError(e uint32) {
	if e < arch.NumErrorCodes {
		b.stats.Errors[e]++
	}
}

// memCRC selects a memory for CRC_SEL and reads CRC_VALUE (two equal reads).
func (b *Board) memCRC(ctx context.Context, sel int) (uint32, error) {
	if err := b.write1(ctx, arch.RegCRCSel, uint32(sel)); err != nil {
		return 0, err
	}
	return b.stable(ctx, arch.RegCRCValue)
}
