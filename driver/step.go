package driver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/htmhw/htmhw/arch"
)

// LastOutput reads the outputs of the board's last step (still in its
// output registers until the next STEP or RESET), checked with OUT_CRC
// against the step count the host knows (Attach, Load or Step). It
// returns an error if no checked read shows that count: the registers
// then hold no outputs of it (RESET or power-on clears them).
func (b *Board) LastOutput(ctx context.Context) (*Output, error) {
	if !b.known || b.next == 0 {
		return nil, errors.New("driver: LastOutput: no step known to be done")
	}
	n := uint32(b.next)
	for try := 0; try <= b.opt.retries; try++ {
		var (
			ok  bool
			got uint32
			err error
		)
		if try == 0 {
			var lo [1]uint32
			if err := b.read(ctx, arch.RegStepLo, lo[:], true); err != nil {
				return nil, b.stopped(err)
			}
			ok, got, err = b.readOutputs(ctx, n-1, lo[0])
		} else {
			ok, got, err = b.readOutputsAgreed(ctx, n-1) // a lossy link
		}
		if err != nil {
			return nil, b.stopped(err)
		}
		if ok && got == n {
			if b.out.AnomalyDen == 0 && len(b.out.ActiveColumns) == 0 {
				return nil, fmt.Errorf("driver: the output registers hold no outputs of step %d", b.next-1)
			}
			c, err := b.stable(ctx, arch.RegCycles)
			if err != nil {
				return nil, b.stopped(err)
			}
			b.out.Step, b.out.Cycles = b.next-1, uint64(c)
			return &b.out, nil
		}
		b.stats.OutputRereads++
	}
	return nil, b.stopped(fmt.Errorf("the outputs of step %d: OUT_CRC never matches", b.next-1))
}

// Step computes one input (ascending indices below N) exactly once, with
// or without learning, and returns its outputs (reused by the next Step).
//
// The protocol (docs/ARCHITECTURE.md 3.2), with n the steps completed:
// write IN_COUNT, IN_BUF and STEP_EXPECT = n and read IN_CRC (one
// exchange), and write the input again until IN_CRC matches the host's;
// write CTRL = STEP|learn with its complement and poll STATUS to CYCLES in
// one burst (one exchange; on a pipelined link the same exchange reads the
// outputs too, see await). STEP_LO = n and not busy
// (or busy past the step timeout): the command was lost or refused, so it
// is issued again (the board computes only while STEP_LO = STEP_EXPECT, so
// a repeat can never compute twice). STEP_LO = n+1: OUT_COUNT to OUT_CRC
// are read in one burst, then OUT_BUF and PRED_BUF, and checked with
// OUT_CRC against the polled STEP_LO (OUT_CRC covers it; the board is not
// busy, so it cannot change in between), so only a checked n+1 counts;
// from then on the step is done and is never issued again. CYCLES is
// confirmed by two equal reads (the poll's and one more). Any ERROR seen is
// counted in Stats and cleared. Without faults a step is 4 write frames
// and 6 read frames: 2 exchanges on a pipelined link (when the guess of
// the output counts holds), 6 round trips otherwise.
func (b *Board) Step(ctx context.Context, input []uint32, learn bool) (*Output, error) {
	t0 := time.Now()
	defer func() { b.stats.StepTime += time.Since(t0) }()
	if len(input) > arch.InBufWords {
		return nil, fmt.Errorf("driver: step input has %d indices, IN_BUF holds %d", len(input), arch.InBufWords)
	}
	for i, x := range input {
		if b.info != nil && x >= b.info.N || i > 0 && x <= input[i-1] {
			return nil, fmt.Errorf("driver: step input index %d (%d) is not ascending or not below N", i, x)
		}
	}
	if !b.known {
		if err := b.syncSteps(ctx); err != nil {
			return nil, b.stopped(err)
		}
	}
	o, err := b.step(ctx, input, learn)
	if err != nil {
		return nil, b.stopped(err)
	}
	b.next++
	b.stats.Steps++
	return o, nil
}

// readSteps reads the step count, STEP_LO and STEP_HI (two equal reads
// each).
func (b *Board) readSteps(ctx context.Context) (uint64, error) {
	lo, err := b.stable(ctx, arch.RegStepLo)
	if err != nil {
		return 0, err
	}
	hi, err := b.stable(ctx, arch.RegStepHi)
	if err != nil {
		return 0, err
	}
	return uint64(hi)<<32 | uint64(lo), nil
}

// syncSteps reads the board's step count.
func (b *Board) syncSteps(ctx context.Context) error {
	n, err := b.readSteps(ctx)
	if err != nil {
		return err
	}
	b.next, b.known = n, true
	return nil
}

// awaitResult is what polling after a STEP command found.
type awaitResult int

const (
	stepDone    awaitResult = iota // STEP_LO = n+1, outputs checked
	stepMissing                    // STEP_LO = n: issue again
)

func (b *Board) step(ctx context.Context, input []uint32, learn bool) (*Output, error) {
	n := uint32(b.next)
	wantIn := arch.InCRC(uint32(len(input)), input)
	c := uint16(arch.CmdStep)
	if learn {
		c |= arch.CmdLearn
	}
	ctrl := [1]uint32{arch.CtrlWord(c)}
	count, expect := [1]uint32{uint32(len(input))}, [1]uint32{n}
	var crc [1]uint32
	// One exchange: the input (the first time, and again whenever IN_CRC
	// differs), STEP_EXPECT, and IN_CRC read back.
	withInput := []Access{
		{Write: true, Addr: arch.RegInCount, Data: count[:]},
		{Write: true, Addr: arch.RegInBuf, Data: input},
		{Write: true, Addr: arch.RegStepExpect, Data: expect[:]},
		{Addr: arch.RegInCRC, Data: crc[:]},
	}
	acc := withInput
	var lastErr arch.ErrorCode
	refusals := 0
	for attempt := 0; ; attempt++ {
		if attempt > b.opt.retries {
			if lastErr != arch.CodeNone {
				return nil, fmt.Errorf("STEP issued %d times, STEP_LO stays %d (last ERROR %v)", attempt, n, lastErr)
			}
			return nil, fmt.Errorf("STEP issued %d times, STEP_LO stays %d", attempt, n)
		}
		if attempt > 0 {
			b.stats.Reissues++
		}
		for try := 0; ; try++ {
			if err := b.batchRetry(ctx, "input", acc); err != nil {
				return nil, err
			}
			if crc[0] == wantIn {
				break
			}
			if try >= b.opt.retries {
				return nil, fmt.Errorf("IN_CRC %08x, the input's %08x, after %d writes", crc[0], wantIn, try+1)
			}
			b.stats.InputRewrites++
			acc = withInput
		}
		acc = withInput[2:] // a reissue: STEP_EXPECT and IN_CRC
		res, code, err := b.await(ctx, n, ctrl[:])
		if err != nil {
			return nil, err
		}
		if res == stepDone {
			return &b.out, nil
		}
		// Not done: a refusal other than a lost or mismatched command that
		// persists is reported.
		if code == arch.CodeBadState || code == arch.CodeBadInput {
			if refusals++; refusals >= 4 {
				return nil, fmt.Errorf("the board refuses STEP %d: ERROR %v", n, code)
			}
		}
		if code != arch.CodeNone {
			lastErr = code
		}
	}
}

// specMargin is how many more PRED_BUF words than the last step's count a
// pipelined poll reads: the predicted columns vary from step to step, and
// a guess that falls short costs another exchange.
const specMargin = 2

// await sends the STEP command ctrl with its first poll and polls until
// the step is known done (outputs read and checked) or known missing.
//
// A poll reads STATUS to CYCLES. On a pipelined link the first poll (the
// one that carries the command) also reads, in the same exchange,
// OUT_COUNT to OUT_CRC, OUT_BUF and PRED_BUF sized from the last step's
// counts, and CYCLES again: one round trip for a step's results when the
// guess holds; later polls (after a failed exchange, or while busy) read
// the status alone and then the outputs, as on a link without pipelining. The output words are used only if STATUS,
// read before them in that exchange, says not busy (the board then stays
// idle until the host's next command); words beyond a short guess are
// read in another exchange; OUT_CRC checks them all.
func (b *Board) await(ctx context.Context, n uint32, ctrl []uint32) (awaitResult, arch.ErrorCode, error) {
	deadline := time.Now().Add(b.opt.stepTimeout)
	pipelined := b.pipelined()
	var st statusRegs
	var hdr outRegs
	var cyc2 [1]uint32
	acc := make([]Access, 0, 6)
	send := ctrl
	for polls := 0; ; polls++ {
		// Only the first poll reads the outputs with the status: after a
		// failed exchange (a lossy link) or a busy board, short
		// exchanges fail less and waste nothing.
		// Nor while exchanges are limited (shrink): the link loses
		// long answers now.
		spec := pipelined && polls == 0 && b.shrink.limit == 0
		var sc, sp int
		acc, sc, sp = b.pollAccesses(acc[:0], send, spec, &st, &hdr, &cyc2)
		if send != nil {
			// The STEP command is sent once per attempt, even if the
			// exchange fails: it may have arrived, and a second copy
			// would be refused and zero CYCLES. The polls find out.
			send = nil
			b.stats.Calls++
			if err := b.batch(ctx, acc); err != nil {
				if ctx.Err() != nil {
					return 0, 0, ctx.Err()
				}
				b.stats.BusErrors++
				continue
			}
		} else if err := b.batchRetry(ctx, "poll", acc); err != nil {
			return 0, 0, err
		}
		lo, code := st.get(arch.RegStepLo), arch.ErrorCode(st.get(arch.RegError))
		busy := st.get(arch.RegStatus)&arch.StatusBusy != 0
		switch {
		case busy && time.Now().Before(deadline):
			if err := b.pollPause(ctx); err != nil {
				return 0, 0, err
			}
			continue
		case busy:
			// Busy past the step timeout: issue again (refused while busy;
			// if the step ends first, refused by STEP_EXPECT).
			if code != arch.CodeNone {
				if err := b.clearErrors(ctx); err != nil {
					return 0, 0, err
				}
			}
			return stepMissing, code, nil
		case lo != n && lo != n+1:
			b.stats.StatusRereads++
			if polls > b.opt.retries {
				return 0, 0, fmt.Errorf("STEP_LO reads %d, want %d or %d", lo, n, n+1)
			}
			continue
		}
		// STEP_LO read n or n+1: read the outputs; OUT_CRC, which covers
		// STEP_LO, decides whether this STEP_LO read and the outputs read
		// are right (the board is not busy, so neither changes in
		// between). A STEP is issued again only after a checked n: a
		// repeat of a step that happened would be refused, but would set
		// CYCLES to 0 before the host reads the step's count.
		ok, got, err := b.stepOutputs(ctx, n, lo, spec, hdr, sc, sp)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			if polls > b.opt.retries {
				return 0, 0, errors.New("OUT_CRC never matches the outputs read")
			}
			continue
		}
		if got == n {
			if lo != n {
				b.stats.StatusRereads++ // the status read was wrong
			}
			if code != arch.CodeNone {
				if err := b.clearErrors(ctx); err != nil {
					return 0, 0, err
				}
			}
			return stepMissing, code, nil
		}
		b.guessC, b.guessP = len(b.out.ActiveColumns), len(b.out.PredictedColumns)+specMargin
		// Done, exactly once. Confirm CYCLES, then clear any error.
		if err := b.confirmCycles(ctx, st.get(arch.RegCycles), spec, &cyc2); err != nil {
			return 0, 0, err
		}
		if code != arch.CodeNone {
			if err := b.clearErrors(ctx); err != nil {
				return 0, 0, err
			}
		}
		return stepDone, arch.CodeNone, nil
	}
}

// pollPause waits the poll interval before the next poll of a busy board.
func (b *Board) pollPause(ctx context.Context) error {
	if b.opt.pollInterval <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(b.opt.pollInterval):
		return nil
	}
}

// pollAccesses appends a poll's accesses to acc: the STEP command send
// (if not nil), STATUS to CYCLES into st, and with spec the outputs'
// counts into hdr, OUT_BUF and PRED_BUF sized by the last step's counts
// (the guess, returned) and CYCLES again into cyc2.
func (b *Board) pollAccesses(acc []Access, send []uint32, spec bool, st *statusRegs, hdr *outRegs, cyc2 *[1]uint32) (_ []Access, sc, sp int) {
	if send != nil {
		acc = append(acc, Access{Write: true, Addr: arch.RegCtrl, Data: send})
	}
	acc = append(acc, Access{Addr: arch.RegStatus, Data: st[:]})
	if !spec {
		return acc, 0, 0
	}
	o := &b.out
	sc, sp = b.guessC, b.guessP
	o.ActiveColumns = slices.Grow(o.ActiveColumns[:0], sc)[:sc]
	o.PredictedColumns = slices.Grow(o.PredictedColumns[:0], sp)[:sp]
	return append(acc, Access{Addr: arch.RegOutCount, Data: hdr[:]},
		Access{Addr: arch.RegOutBuf, Data: o.ActiveColumns},
		Access{Addr: arch.RegPredBuf, Data: o.PredictedColumns},
		Access{Addr: arch.RegCycles, Data: cyc2[:]}), sc, sp
}

// stepOutputs reads the outputs of a step whose STEP_LO read lo (n or
// n+1), finishing a poll's speculative read (spec: hdr and the first sc
// and sp words are read), and reports whether OUT_CRC checks them, with
// the STEP_LO it covers. On a lossy link, where a long answer seldom
// arrives whole and unflipped, it reads every output word until two reads
// agree (OUT_CRC still decides).
func (b *Board) stepOutputs(ctx context.Context, n, lo uint32, spec bool, hdr outRegs, sc, sp int) (bool, uint32, error) {
	var (
		ok  bool
		got uint32
		err error
	)
	if spec {
		if int(hdr.get(arch.RegOutCount)) > sc || int(hdr.get(arch.RegPredCount)) > sp {
			b.stats.ShortGuesses++
		}
		ok, got, err = b.finishOutputs(ctx, n, lo, hdr, sc, sp)
	} else {
		ok, got, err = b.readOutputs(ctx, n, lo)
	}
	if err != nil || ok {
		return ok, got, err
	}
	b.stats.OutputRereads++
	return b.readOutputsAgreed(ctx, n)
}

// confirmCycles confirms CYCLES, read as cyc with STATUS, by a second
// equal read (made with the poll into cyc2 if spec), and sets the
// output's Cycles.
func (b *Board) confirmCycles(ctx context.Context, cyc uint32, spec bool, cyc2 *[1]uint32) error {
	if !spec {
		if err := b.read(ctx, arch.RegCycles, cyc2[:], true); err != nil {
			return err
		}
	}
	for try := 0; cyc2[0] != cyc; try++ {
		b.stats.StableRereads++
		cyc = cyc2[0]
		if try >= b.opt.retries {
			return errors.New("CYCLES: no two reads agree")
		}
		if err := b.read(ctx, arch.RegCycles, cyc2[:], true); err != nil {
			return err
		}
	}
	b.out.Cycles = uint64(cyc)
	return nil
}

// readOutputs reads the output registers into b.out and checks them, with
// lo, the STEP_LO the caller read while the board was not busy, against
// OUT_CRC. It returns whether they match, and the STEP_LO they match with
// (n or n+1; anything else is a mismatch). It reads OUT_COUNT to OUT_CRC in
// one burst, then OUT_BUF and PRED_BUF.
func (b *Board) readOutputs(ctx context.Context, n, lo uint32) (bool, uint32, error) {
	var r outRegs
	if err := b.read(ctx, arch.RegOutCount, r[:], true); err != nil {
		return false, 0, err
	}
	return b.finishOutputs(ctx, n, lo, r, 0, 0)
}

// finishOutputs completes and checks the outputs in b.out, given
// OUT_COUNT to OUT_CRC (r) and the first haveC words of OUT_BUF and haveP
// of PRED_BUF already read into b.out: it reads the words missing (one
// exchange) and checks them all with OUT_CRC against lo, as readOutputs.
func (b *Board) finishOutputs(ctx context.Context, n, lo uint32, r outRegs, haveC, haveP int) (bool, uint32, error) {
	limit := uint32(arch.OutBufWords)
	if b.info != nil {
		limit = min(limit, b.info.C)
	}
	if (lo != n && lo != n+1) || r.get(arch.RegOutCount) > limit || r.get(arch.RegPredCount) > limit {
		return false, 0, nil
	}
	o := &b.out
	nc, np := int(r.get(arch.RegOutCount)), int(r.get(arch.RegPredCount))
	haveC, haveP = min(haveC, nc), min(haveP, np)
	o.ActiveColumns = slices.Grow(o.ActiveColumns[:haveC], nc-haveC)[:nc]
	o.PredictedColumns = slices.Grow(o.PredictedColumns[:haveP], np-haveP)[:np]
	var acc [2]Access
	more := acc[:0]
	if haveC < nc {
		more = append(more, Access{Addr: arch.RegOutBuf + uint32(haveC), Data: o.ActiveColumns[haveC:]})
	}
	if haveP < np {
		more = append(more, Access{Addr: arch.RegPredBuf + uint32(haveP), Data: o.PredictedColumns[haveP:]})
	}
	if len(more) > 0 {
		if err := b.batchRetry(ctx, "read outputs", more); err != nil {
			return false, 0, err
		}
	}
	o.AnomalyNum, o.AnomalyDen = r.get(arch.RegAnomNum), r.get(arch.RegAnomDen)
	if arch.OutCRC(lo, o.ActiveColumns, o.PredictedColumns, o.AnomalyNum, o.AnomalyDen) != r.get(arch.RegOutCRC) {
		return false, 0, nil
	}
	o.Step = b.next
	return true, lo, nil
}

// statusRegs is the burst of registers STATUS to CYCLES, read in one access.
type statusRegs [arch.RegCycles - arch.RegStatus + 1]uint32

// get returns the register at addr.
func (r *statusRegs) get(addr uint32) uint32 { return r[addr-arch.RegStatus] }

// outRegs is the burst of registers OUT_COUNT to OUT_CRC, read in one
// access.
type outRegs [arch.RegOutCRC - arch.RegOutCount + 1]uint32

// get returns the register at addr.
func (r *outRegs) get(addr uint32) uint32 { return r[addr-arch.RegOutCount] }

// readOutputsAgreed reads STEP_LO, OUT_COUNT to OUT_CRC, then OUT_BUF and
// PRED_BUF into b.out with readAgreed, and checks them with OUT_CRC, as
// readOutputs: for a link on which a whole output read seldom arrives
// intact.
func (b *Board) readOutputsAgreed(ctx context.Context, n uint32) (bool, uint32, error) {
	var lo [1]uint32
	var r outRegs
	if err := b.readAgreed(ctx, []Access{{Addr: arch.RegStepLo, Data: lo[:]}, {Addr: arch.RegOutCount, Data: r[:]}}); err != nil {
		return false, 0, err
	}
	limit := uint32(arch.OutBufWords)
	if b.info != nil {
		limit = min(limit, b.info.C)
	}
	if (lo[0] != n && lo[0] != n+1) || r.get(arch.RegOutCount) > limit || r.get(arch.RegPredCount) > limit {
		return false, 0, nil
	}
	o := &b.out
	nc, np := int(r.get(arch.RegOutCount)), int(r.get(arch.RegPredCount))
	o.ActiveColumns = slices.Grow(o.ActiveColumns[:0], nc)[:nc]
	o.PredictedColumns = slices.Grow(o.PredictedColumns[:0], np)[:np]
	err := b.readAgreed(ctx, []Access{{Addr: arch.RegOutBuf, Data: o.ActiveColumns}, {Addr: arch.RegPredBuf, Data: o.PredictedColumns}})
	if err != nil {
		return false, 0, err
	}
	o.AnomalyNum, o.AnomalyDen = r.get(arch.RegAnomNum), r.get(arch.RegAnomDen)
	if arch.OutCRC(lo[0], o.ActiveColumns, o.PredictedColumns, o.AnomalyNum, o.AnomalyDen) != r.get(arch.RegOutCRC) {
		return false, 0, nil
	}
	o.Step = b.next
	return true, lo[0], nil
}

// readAgreed reads the incrementing reads acc word by word until every
// word has read the same value twice: in exchanges of as many words as a
// window says (halved after an exchange that fails, doubled after one
// that succeeds, as a load's), each word read again until a read equals
// one before it. On a link that flips 1% of the bytes a 4-byte word reads
// wrong 4% of the time, and the same wrong value twice almost never.
func (b *Board) readAgreed(ctx context.Context, acc []Access) error {
	type word struct {
		addr   uint32
		dst    *uint32
		seen   []uint32 // the values read so far
		agreed bool
	}
	var words []word
	for _, a := range acc {
		for i := range a.Data {
			words = append(words, word{addr: a.Addr + uint32(i), dst: &a.Data[i]})
		}
	}
	const most = 64
	win := window{k: 8}
	buf := make([]uint32, most)
	var ex []Access
	var idx []int // the words of ex, in order
	for {
		// The next exchange: up to win.k words not agreed yet, as runs
		// of consecutive addresses.
		idx = idx[:0]
		for i := range words {
			if len(idx) == min(win.k, most) {
				break
			}
			if !words[i].agreed {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return nil
		}
		ex = ex[:0]
		for t, i := range idx {
			if t > 0 && idx[t-1] == i-1 && words[i].addr == words[i-1].addr+1 {
				last := &ex[len(ex)-1]
				last.Data = buf[t-len(last.Data) : t+1]
				continue
			}
			ex = append(ex, Access{Addr: words[i].addr, Data: buf[t : t+1]})
		}
		if ok, err := b.exchange(ctx, "read outputs", ex, &win); !ok {
			if err != nil {
				return err
			}
			continue
		}
		for t, i := range idx {
			w := &words[i]
			v := buf[t]
			if slices.Contains(w.seen, v) {
				w.agreed, *w.dst = true, v
				continue
			}
			if len(w.seen) > 0 {
				b.stats.StableRereads++
			}
			if len(w.seen) > b.opt.retries {
				return fmt.Errorf("read outputs: no two of %d reads of register %#x agree", len(w.seen)+1, w.addr)
			}
			w.seen = append(w.seen, v)
		}
	}
}

// Run steps the board through the inputs in order and calls fn (if not
// nil) after each step with its output. It stops at the first error,
// which names the step.
func (b *Board) Run(ctx context.Context, inputs iter.Seq[[]uint32], learn bool, fn func(*Output) error) error {
	for in := range inputs {
		o, err := b.Step(ctx, in, learn)
		if err != nil {
			return err
		}
		if fn != nil {
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}
