package driver

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bus access with retries of failed calls.

// failures counts the failed calls of one operation in a row and decides
// when to give up: after more than the retries, and, for the errors of a
// lossy or slow link, not before the patience is spent. Between failures
// it pauses, longer and longer, so that a busy host (or board) gets the
// time it needs.
type failures struct {
	n     int
	first time.Time
}

// failuresNone is no failure yet.
var failuresNone failures

// transient reports whether err is what a lossy link or a busy host
// produces: worth waiting out.
func transient(err error) bool {
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrLinkLost)
}

// fail records a failed call and pauses; it returns whether to give up.
func (b *Board) fail(ctx context.Context, f *failures, err error) bool {
	b.stats.BusErrors++
	if f.n == 0 {
		f.first = time.Now()
	}
	f.n++
	if f.n > b.opt.retries && (!transient(err) || time.Since(f.first) >= b.opt.patience) {
		return true
	}
	if !transient(err) || f.n < 4 {
		return false // loss is random: the next try soon
	}
	pause := min(time.Millisecond<<min(f.n-4, 20), maxBackoff)
	b.stats.Backoff += pause
	select {
	case <-ctx.Done():
	case <-time.After(pause):
	}
	return false
}

// maxBackoff is the longest pause between failed calls.
const maxBackoff = 500 * time.Millisecond

// giveUp is the error of an operation given up on.
func (f *failures) giveUp(what, unit string, err error) error {
	return fmt.Errorf("%s: %d %s failed in a row over %v, the last: %w", what, f.n, unit, time.Since(f.first).Round(time.Millisecond), err)
}

// read reads len(dst) words in bursts of MaxBurst, retrying failed bursts
// in smaller exchanges (batchRetry).
func (b *Board) read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	return b.bursts(ctx, false, addr, dst, incr)
}

// write writes the words in bursts of MaxBurst, retrying failed bursts
// in smaller exchanges (batchRetry).
func (b *Board) write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	return b.bursts(ctx, true, addr, src, incr)
}

// bursts reads into or writes words, one batchRetry per burst of
// MaxBurst.
func (b *Board) bursts(ctx context.Context, write bool, addr uint32, words []uint32, incr bool) error {
	what := "read"
	if write {
		what = "write"
	}
	mb := max(1, b.bus.MaxBurst())
	for off := 0; off < len(words); off += mb {
		chunk := words[off:min(len(words), off+mb)]
		a := addr
		if incr {
			a += uint32(off)
		}
		if err := b.batchRetry(ctx, fmt.Sprintf("%s %#x", what, a), []Access{{Write: write, Addr: a, Data: chunk, Fixed: !incr}}); err != nil {
			return err
		}
	}
	return nil
}

func (b *Board) write1(ctx context.Context, addr, v uint32) error {
	return b.write(ctx, addr, []uint32{v}, true)
}

// pipelined reports whether the bus sends a batch's reads back to back.
func (b *Board) pipelined() bool {
	bt, ok := b.bus.(Batcher)
	return ok && bt.Pipelined()
}

// batch performs the accesses in one exchange if the bus is a Batcher,
// otherwise as one bus call per access (in bursts of MaxBurst). It does
// not retry and counts no call.
func (b *Board) batch(ctx context.Context, acc []Access) error {
	if bt, ok := b.bus.(Batcher); ok {
		if err := bt.Batch(ctx, acc); err != nil {
			return err
		}
	} else {
		mb := max(1, b.bus.MaxBurst())
		for _, a := range acc {
			for off := 0; off < len(a.Data); off += mb {
				chunk := a.Data[off:min(len(a.Data), off+mb)]
				addr := a.Addr
				if !a.Fixed {
					addr += uint32(off)
				}
				var err error
				if a.Write {
					err = b.bus.Write(ctx, addr, chunk, !a.Fixed)
				} else {
					err = b.bus.Read(ctx, addr, chunk, !a.Fixed)
				}
				if err != nil {
					return err
				}
			}
		}
	}
	for _, a := range acc {
		if a.Write {
			b.stats.WordsWritten += uint64(len(a.Data))
		} else {
			b.stats.WordsRead += uint64(len(a.Data))
		}
	}
	return nil
}

// batchRetry performs a batch whose accesses may be repeated, again
// while it fails (bounded: failures). After a failure it goes on in
// smaller exchanges: the words not done yet, in pieces of at most half
// the words of the piece that failed, as far as one word (a reply of n
// bytes arrives whole with probability (1-p)^n on a link that loses a
// fraction p of the bytes). The limit stays for the board's later
// exchanges and doubles after every few that succeed (shrink).
func (b *Board) batchRetry(ctx context.Context, what string, acc []Access) error {
	var fl failures
	var pieces [8]Access
	for len(acc) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		piece, rest, words := cutAccesses(pieces[:0], acc, b.shrink.limit)
		b.stats.Calls++
		err := b.batch(ctx, piece)
		if err == nil {
			acc = rest
			if hasRead(piece) {
				// (Writes alone are not answered: their success
				// says nothing of the link.)
				b.shrink.ok()
			}
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		b.shrink.fail(words)
		if b.fail(ctx, &fl, err) {
			return fl.giveUp(what, "calls", err)
		}
	}
	return nil
}

// hasRead reports whether acc reads.
func hasRead(acc []Access) bool {
	for _, a := range acc {
		if !a.Write {
			return true
		}
	}
	return false
}

// shrink limits the words of a batchRetry exchange after failures.
type shrink struct {
	limit int // most words per exchange; 0: no limit
	oks   int // exchanges in a row that succeeded since the last change
}

// shrinkGrow is how many exchanges in a row must succeed before the limit
// doubles; a limit that reaches shrinkFree words is lifted.
const (
	shrinkGrow = 4
	shrinkFree = 1024
)

func (s *shrink) ok() {
	if s.limit == 0 {
		return
	}
	if s.oks++; s.oks >= shrinkGrow {
		s.oks = 0
		if s.limit *= 2; s.limit >= shrinkFree {
			s.limit = 0
		}
	}
}

func (s *shrink) fail(words int) {
	s.oks = 0
	s.limit = max(1, words/2)
}

// cutAccesses returns the first accesses of acc up to limit words (0: all
// of them) appended to dst, the rest, and the words taken. An access is
// cut at the limit: its first part is taken, the rest starts the rest (an
// incrementing access at the next address). At least one word is taken.
func cutAccesses(dst, acc []Access, limit int) (piece, rest []Access, words int) {
	if limit <= 0 {
		for _, a := range acc {
			words += len(a.Data)
		}
		return acc, nil, words
	}
	for i, a := range acc {
		if words+len(a.Data) <= limit || (words == 0 && len(a.Data) == 0) {
			dst = append(dst, a)
			words += len(a.Data)
			continue
		}
		k := limit - words
		if k == 0 {
			return dst, acc[i:], words
		}
		head, tail := a, a
		head.Data, tail.Data = a.Data[:k], a.Data[k:]
		if !a.Fixed {
			tail.Addr += uint32(k)
		}
		dst = append(dst, head)
		// The rest: a new slice, as acc's own element must not change.
		rest = append([]Access{tail}, acc[i+1:]...)
		return dst, rest, words + k
	}
	return dst, nil, words
}
