package driver

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model/trace"
)

// DefaultURI is the board Open uses for an empty URI: the in-process
// simulator.
const DefaultURI = "sim://"

// Option configures a Board.
type Option func(*options)

type options struct {
	retries      int
	patience     time.Duration
	stepTimeout  time.Duration
	pollInterval time.Duration
	loadProgress func(done, total int)
}

// WithRetries sets how many times in a row an operation is retried (a bus
// call that fails, a CRC that does not match, a STEP reissued) before the
// board is given up on. Default 32.
func WithRetries(n int) Option { return func(o *options) { o.retries = max(1, n) } }

// WithPatience sets how long a link that times out (ErrTimeout,
// ErrMalformed, ErrLinkLost: a lossy link, a busy host) is given before
// the board is given up on: failed calls are retried, with a growing pause
// between them, until both the retries (WithRetries) and this time are
// spent. Other errors give up after the retries alone. Default 30 s.
func WithPatience(d time.Duration) Option { return func(o *options) { o.patience = max(0, d) } }

// WithStepTimeout sets how long a STEP may keep the board busy before it is
// issued again. Default 2 s.
func WithStepTimeout(d time.Duration) Option { return func(o *options) { o.stepTimeout = d } }

// WithPollInterval sets the pause between STATUS polls while the board is
// busy. Default 50 µs.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.pollInterval = d } }

// WithLoadProgress has Load report its progress: fn is called with the
// memory words done (kept, as their CRC_VALUE already matched, or written
// once) of the image's total, after every exchange that writes words, and
// with total, total when the load is done (repairs do not move it on).
func WithLoadProgress(fn func(done, total int)) Option {
	return func(o *options) { o.loadProgress = fn }
}

// Info is what a board says about itself: the registers ID to DIM_SYNS.
type Info struct {
	ID, Version uint32
	Arch        image.Arch // from CAPS
	N, C, K     uint32     // DIM_IN, DIM_COLS, DIM_CELLS
	S, M        uint32     // DIM_SEGS, DIM_SYNS
}

// CheckImage returns an error unless the board can run the image: the same
// architecture version and parameters, and the image's dimensions (its cfg
// words) equal to the board's.
func (i *Info) CheckImage(im *image.Image) error {
	if i.Version != arch.Version {
		return fmt.Errorf("driver: board implements architecture version %d, images are version %d", i.Version, arch.Version)
	}
	if i.Arch != im.Arch {
		return fmt.Errorf("driver: board has LANES_OV %d, LANES_SYN %d, DIV_LAT %d; the image was compiled for %d, %d, %d",
			i.Arch.LanesOV, i.Arch.LanesSyn, i.Arch.DivLat, im.Arch.LanesOV, im.Arch.LanesSyn, im.Arch.DivLat)
	}
	cfg := im.Section(arch.MemCfg.String())
	if cfg == nil || len(cfg.Words) < arch.CfgWords {
		return errors.New("driver: image has no cfg memory")
	}
	for _, d := range []struct {
		name  string
		board uint32
		word  int
	}{{"N (DIM_IN)", i.N, arch.CfgN}, {"C (DIM_COLS)", i.C, arch.CfgC}, {"K (DIM_CELLS)", i.K, arch.CfgK},
		{"S (DIM_SEGS)", i.S, arch.CfgS}, {"M (DIM_SYNS)", i.M, arch.CfgM}} {
		if uint64(d.board) != cfg.Words[d.word] {
			return fmt.Errorf("driver: board has %s = %d, the image %d", d.name, d.board, cfg.Words[d.word])
		}
	}
	if len(im.Sections) != int(arch.NumMems) {
		return fmt.Errorf("driver: image has %d memories, the board %d", len(im.Sections), int(arch.NumMems))
	}
	return nil
}

// Output is what one STEP computed, read back and checked with OUT_CRC. Its
// slices are reused by the next Step.
type Output struct {
	Step             uint64   // the step's number: STEP_LO before it
	ActiveColumns    []uint32 // OUT_BUF
	PredictedColumns []uint32 // PRED_BUF
	AnomalyNum       uint32   // ANOM_NUM
	AnomalyDen       uint32   // ANOM_DEN
	Cycles           uint64   // CYCLES (confirmed by two equal reads)
}

// Anomaly returns the raw anomaly as the golden model computes it
// (anomaly.Score.Float64): num/den, 0 when den is 0.
func (o *Output) Anomaly() float64 {
	if o.AnomalyDen == 0 {
		return 0
	}
	return float64(o.AnomalyNum) / float64(o.AnomalyDen)
}

// Regs returns the step's register trace row; it shares the output's
// slices.
func (o *Output) Regs() *trace.Regs {
	return &trace.Regs{Step: o.Step, Cols: o.ActiveColumns, Pred: o.PredictedColumns,
		AnomNum: o.AnomalyNum, AnomDen: o.AnomalyDen, Cycles: o.Cycles, HasCycle: true}
}

// Stats count a board's traffic, timings and retries since Open.
type Stats struct {
	Steps                   uint64        // steps completed
	StepTime                time.Duration // time in Step
	LoadTime                time.Duration // time in Load
	ReadTime                time.Duration // time in ReadState
	Calls                   uint64        // Bus Read and Write calls
	WordsRead, WordsWritten uint64        // words moved (by calls that returned no error)
	BytesSent, BytesRecv    uint64        // from a LinkStatser bus; 0 otherwise

	// Retries, by kind.
	BusErrors      uint64                     // Bus calls that returned an error and were made again
	InputRewrites  uint64                     // IN_CRC differed: the input was written again
	Reissues       uint64                     // STEP_LO still n after STEP: the command was issued again
	StatusRereads  uint64                     // STEP_LO read neither n nor n+1: read again
	OutputRereads  uint64                     // OUT_CRC differed: the outputs were read again
	StableRereads  uint64                     // two reads of a register differed: read again
	SectionWrites  uint64                     // load: sections written (those whose CRC_VALUE already matched are skipped)
	SectionsKept   uint64                     // load: sections skipped
	SectionRetries uint64                     // load: CRC_VALUE differed after writing: read back and repaired
	WordsRepaired  uint64                     // load: words written again after a read-back
	StateRereads   uint64                     // ReadState: words read again after a CRC mismatch
	Backoff        time.Duration              // pauses between failed calls (WithPatience)
	ShortGuesses   uint64                     // pipelined polls whose OUT_BUF/PRED_BUF reads, sized from the last step, fell short (not a retry: the rest is read in one more exchange)
	Errors         [arch.NumErrorCodes]uint64 // ERROR codes seen (and cleared), by code
}

// Retries returns the sum of the retries of every kind.
func (s *Stats) Retries() uint64 {
	return s.BusErrors + s.InputRewrites + s.Reissues + s.StatusRereads + s.OutputRereads +
		s.StableRereads + s.SectionRetries + s.WordsRepaired + s.StateRereads
}

// String returns a one-line summary.
func (s *Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d steps", s.Steps)
	if s.Steps > 0 && s.StepTime > 0 {
		fmt.Fprintf(&b, " (%.0f steps/s)", float64(s.Steps)/s.StepTime.Seconds())
	}
	fmt.Fprintf(&b, ", %d bus calls, %d words read, %d written", s.Calls, s.WordsRead, s.WordsWritten)
	if s.BytesSent+s.BytesRecv > 0 {
		fmt.Fprintf(&b, ", %d bytes sent, %d received", s.BytesSent, s.BytesRecv)
	}
	if s.ShortGuesses > 0 {
		fmt.Fprintf(&b, ", %d short output guesses", s.ShortGuesses)
	}
	if s.Backoff > 0 {
		fmt.Fprintf(&b, ", %v paused after failures", s.Backoff.Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "; retries: %d", s.Retries())
	for _, k := range []struct {
		name string
		n    uint64
	}{{"bus errors", s.BusErrors}, {"input rewrites", s.InputRewrites}, {"step reissues", s.Reissues},
		{"status rereads", s.StatusRereads}, {"output rereads", s.OutputRereads}, {"register rereads", s.StableRereads},
		{"section retries", s.SectionRetries}, {"words repaired", s.WordsRepaired}, {"state rereads", s.StateRereads}} {
		if k.n > 0 {
			fmt.Fprintf(&b, ", %d %s", k.n, k.name)
		}
	}
	for code, n := range s.Errors {
		if n > 0 && code > 0 {
			fmt.Fprintf(&b, ", %d %v", n, arch.ErrorCode(code))
		}
	}
	return b.String()
}

// Board is an accelerator reached over a Bus. It loads images, runs steps
// exactly once over links that lose and corrupt words
// (docs/ARCHITECTURE.md section 3.2) and reads the learned state back.
//
// Every write is treated as possibly lost or corrupted, and every read as
// possibly wrong: the input is checked with IN_CRC before STEP, commands
// carry their complement, outputs are checked with OUT_CRC (which covers
// STEP_LO), a load with CRC_VALUE, and only a STEP_LO checked by OUT_CRC
// decides whether a step happened. Operations are retried a bounded number
// of times (WithRetries); failed calls of a lossy or slow link go on in
// smaller exchanges, with growing pauses, for at least WithPatience. When
// the board does not recover the error names the last completed step.
//
// Steps do not overlap: Run writes the next input only after the
// previous step's outputs are read and checked. (Writing input n+1 while
// step n computes would need a second IN_BUF bank, which the register map
// (docs/ARCHITECTURE.md) does not have.) Within a step, accesses travel in batches
// (Batcher): a step is two exchanges on a pipelined link.
//
// A Board is not safe for concurrent use.
type Board struct {
	bus   Bus
	uri   string
	opt   options
	info  *Info
	im    *image.Image // layout of the loaded image (ReadState)
	next  uint64       // STEP_LO as the host knows it: steps completed
	known bool         // next was read from the board or follows from a load
	stats Stats
	out   Output

	loadDone, loadTotal int // words a load has done of its total (WithLoadProgress)

	// guessC and guessP size a pipelined poll's OUT_BUF and PRED_BUF
	// reads (the last step's counts, PRED_BUF's with a margin).
	guessC, guessP int

	shrink shrink // batchRetry's limit on the words of an exchange
}

// Open opens the board at uri (DefaultURI if empty); see OpenBus for the
// schemes.
func Open(uri string, opts ...Option) (*Board, error) {
	if uri == "" {
		uri = DefaultURI
	}
	bus, err := OpenBus(uri)
	if err != nil {
		return nil, err
	}
	b := NewBoard(bus, opts...)
	b.uri = uri
	return b, nil
}

// NewBoard returns a board on an open bus.
func NewBoard(bus Bus, opts ...Option) *Board {
	b := &Board{bus: bus, opt: options{retries: 32, patience: 30 * time.Second, stepTimeout: 2 * time.Second, pollInterval: 50 * time.Microsecond}}
	for _, o := range opts {
		o(&b.opt)
	}
	return b
}

// Bus returns the board's bus.
func (b *Board) Bus() Bus { return b.bus }

// Close closes the bus.
func (b *Board) Close() error { return b.bus.Close() }

// Stats returns the counters since Open.
func (b *Board) Stats() Stats {
	st := b.stats
	if c, ok := b.bus.(LinkStatser); ok {
		ls := c.LinkStats()
		st.BytesSent, st.BytesRecv = ls.BytesOut, ls.BytesIn
	}
	return st
}

// StepsDone returns the steps the board has completed, as the host knows
// them, and whether it knows.
func (b *Board) StepsDone() (uint64, bool) { return b.next, b.known }

// stopped wraps the error that ends an operation in a *StoppedError.
func (b *Board) stopped(err error) error {
	return &StoppedError{LastStep: b.next, Known: b.known, Err: err}
}

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
	mb := max(1, b.bus.MaxBurst())
	for off := 0; off < len(dst); off += mb {
		chunk := dst[off:min(len(dst), off+mb)]
		a := addr
		if incr {
			a += uint32(off)
		}
		if err := b.batchRetry(ctx, fmt.Sprintf("read %#x", a), []Access{{Addr: a, Data: chunk, Fixed: !incr}}); err != nil {
			return err
		}
	}
	return nil
}

// write writes the words in bursts of MaxBurst, retrying failed bursts
// in smaller exchanges (batchRetry).
func (b *Board) write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	mb := max(1, b.bus.MaxBurst())
	for off := 0; off < len(src); off += mb {
		chunk := src[off:min(len(src), off+mb)]
		a := addr
		if incr {
			a += uint32(off)
		}
		if err := b.batchRetry(ctx, fmt.Sprintf("write %#x", a), []Access{{Write: true, Addr: a, Data: chunk, Fixed: !incr}}); err != nil {
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

func (b *Board) command(ctx context.Context, c uint16) error {
	return b.write1(ctx, arch.RegCtrl, arch.CtrlWord(c))
}

// stable reads a register until two reads in a row agree.
func (b *Board) stable(ctx context.Context, addr uint32) (uint32, error) {
	var v [1]uint32
	if err := b.read(ctx, addr, v[:], true); err != nil {
		return 0, err
	}
	prev := v[0]
	for try := 0; try <= b.opt.retries; try++ {
		if err := b.read(ctx, addr, v[:], true); err != nil {
			return 0, err
		}
		if v[0] == prev {
			return prev, nil
		}
		b.stats.StableRereads++
		prev = v[0]
	}
	return 0, fmt.Errorf("register %#x: no two reads in a row agree", addr)
}

// idle polls STATUS until the board is not busy (a RESTORE takes a
// dendrite activation's cycles), or the step timeout passes: a STATUS read
// that is corrupted into "busy" costs a poll, one corrupted into "idle"
// is caught by the caller's checks.
func (b *Board) idle(ctx context.Context) error {
	deadline := time.Now().Add(b.opt.stepTimeout)
	for {
		st, err := b.stable(ctx, arch.RegStatus)
		if err != nil {
			return err
		}
		if st&arch.StatusBusy == 0 || time.Now().After(deadline) {
			return nil
		}
		if b.opt.pollInterval > 0 {
			time.Sleep(b.opt.pollInterval)
		}
	}
}

// setStable writes a register and reads until it holds what ok accepts.
func (b *Board) setStable(ctx context.Context, addr, v uint32, ok func(uint32) bool) error {
	for try := 0; try <= b.opt.retries; try++ {
		if err := b.write1(ctx, addr, v); err != nil {
			return err
		}
		got, err := b.stable(ctx, addr)
		if err != nil {
			return err
		}
		if ok(got) {
			return nil
		}
	}
	return fmt.Errorf("register %#x does not take %#x", addr, v)
}

// Info reads the board's identity and dimensions (two equal reads).
//
// Another ID is read three times over (each time two equal reads) before
// the board is called something else: answers an earlier host left on a
// serial line, read as this host's first ones, agree with each other too.
func (b *Board) Info(ctx context.Context) (*Info, error) {
	var r, prev [arch.RegDimSyns - arch.RegID + 1]uint32 // ID .. DIM_SYNS
	reg := func(addr uint32) uint32 { return r[addr-arch.RegID] }
	for round := 0; ; round++ {
		var err error
		agreed := false
		for try := 0; try <= b.opt.retries && !agreed; try++ {
			if err = b.read(ctx, arch.RegID, r[:], true); err != nil {
				return nil, b.stopped(err)
			}
			agreed = try > 0 && r == prev
			if try > 0 && !agreed {
				b.stats.StableRereads++
			}
			prev = r
		}
		if !agreed {
			return nil, b.stopped(errors.New("ID to DIM_SYNS: no two reads agree"))
		}
		if id := reg(arch.RegID); id != arch.DeviceID {
			if round < 2 {
				b.stats.StableRereads++
				continue
			}
			return nil, fmt.Errorf("driver: %s is not an htmhw board (ID %#08x, want %#08x, read %d times)", b.name(), id, uint32(arch.DeviceID), 2*(round+1))
		}
		break
	}
	info := &Info{ID: reg(arch.RegID), Version: reg(arch.RegVersion), Arch: arch.ParamsFromCaps(reg(arch.RegCaps)),
		N: reg(arch.RegDimIn), C: reg(arch.RegDimCols), K: reg(arch.RegDimCells), S: reg(arch.RegDimSegs), M: reg(arch.RegDimSyns)}
	b.info = info
	return info, nil
}

func (b *Board) name() string {
	if b.uri != "" {
		return b.uri
	}
	return "the board"
}

// Load loads an image: it unlocks the memory windows, writes every memory
// whose CRC_VALUE differs from the image's section CRC (sections already
// equal are kept), checks each with CRC_VALUE and repairs it from a
// read-back until it matches (bounded), checks every memory again, issues
// RESET (CYCLES 0, ERROR 0, windows locked) and RESTORE until CYCLES shows
// that RESTORE ran, checks ERROR (BAD_STATE: the board refuses the
// memories) and confirms the lock. The board's step count is then the
// image's (regs word 0), which it checks. A bus that implements
// Provisioner (sim://) is provisioned with the image first.
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
	b.known = false
	if err := b.load(ctx, im); err != nil {
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

func (b *Board) load(ctx context.Context, im *image.Image) error {
	if err := b.clearErrors(ctx); err != nil {
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
			break
		}
	}
	b.loaded(b.loadTotal - b.loadDone)
	// RESTORE: CYCLES reads 0 after RESET (which also clears ERROR and
	// locks the windows; memories stay) and RESTORE's count (at least W >
	// 0) after RESTORE, which tells that it ran.
	for try := 0; ; try++ {
		if try > b.opt.retries {
			return errors.New("RESTORE does not run (CYCLES stays 0)")
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
			break
		}
	}
	if err := b.setStable(ctx, arch.RegMemLock, 1, func(v uint32) bool { return v != 0 }); err != nil {
		return err
	}
	// The step count must now be the image's.
	want := im.Section(arch.MemRegs.String()).Words[arch.RegsSteps]
	for try := 0; ; try++ {
		lo, err := b.stable(ctx, arch.RegStepLo)
		if err != nil {
			return err
		}
		hi, err := b.stable(ctx, arch.RegStepHi)
		if err != nil {
			return err
		}
		if uint64(hi)<<32|uint64(lo) == want {
			return nil
		}
		if try >= b.opt.retries {
			return fmt.Errorf("after RESTORE the board is at step %d, the image at %d", uint64(hi)<<32|uint64(lo), want)
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

// syncSteps reads STEP_LO/STEP_HI (two equal reads each).
func (b *Board) syncSteps(ctx context.Context) error {
	lo, err := b.stable(ctx, arch.RegStepLo)
	if err != nil {
		return err
	}
	hi, err := b.stable(ctx, arch.RegStepHi)
	if err != nil {
		return err
	}
	b.next, b.known = uint64(hi)<<32|uint64(lo), true
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
	o := &b.out
	acc := make([]Access, 0, 6)
	send := ctrl
	for polls := 0; ; polls++ {
		acc = acc[:0]
		if send != nil {
			acc = append(acc, Access{Write: true, Addr: arch.RegCtrl, Data: send})
		}
		acc = append(acc, Access{Addr: arch.RegStatus, Data: st[:]})
		// Only the first poll reads the outputs with the status: after a
		// failed exchange (a lossy link) or a busy board, short
		// exchanges fail less and waste nothing.
		// Nor while exchanges are limited (shrink): the link loses
		// long answers now.
		spec := pipelined && polls == 0 && b.shrink.limit == 0
		sc, sp := 0, 0
		if spec {
			sc, sp = b.guessC, b.guessP
			o.ActiveColumns = slices.Grow(o.ActiveColumns[:0], sc)[:sc]
			o.PredictedColumns = slices.Grow(o.PredictedColumns[:0], sp)[:sp]
			acc = append(acc, Access{Addr: arch.RegOutCount, Data: hdr[:]},
				Access{Addr: arch.RegOutBuf, Data: o.ActiveColumns},
				Access{Addr: arch.RegPredBuf, Data: o.PredictedColumns},
				Access{Addr: arch.RegCycles, Data: cyc2[:]})
		}
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
			if b.opt.pollInterval > 0 {
				select {
				case <-ctx.Done():
					return 0, 0, ctx.Err()
				case <-time.After(b.opt.pollInterval):
				}
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
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			// A lossy link: a long answer seldom arrives whole and
			// unflipped. Read every output word until two reads agree
			// (OUT_CRC still decides).
			b.stats.OutputRereads++
			if ok, got, err = b.readOutputsAgreed(ctx, n); err != nil {
				return 0, 0, err
			}
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
		b.guessC, b.guessP = len(o.ActiveColumns), len(o.PredictedColumns)+specMargin
		// Done, exactly once. Confirm CYCLES (read with STATUS) by a
		// second equal read (made with the poll on a pipelined link),
		// then clear any error.
		cyc := st.get(arch.RegCycles)
		if !spec {
			if err := b.read(ctx, arch.RegCycles, cyc2[:], true); err != nil {
				return 0, 0, err
			}
		}
		for try := 0; cyc2[0] != cyc; try++ {
			b.stats.StableRereads++
			cyc = cyc2[0]
			if try >= b.opt.retries {
				return 0, 0, errors.New("CYCLES: no two reads agree")
			}
			if err := b.read(ctx, arch.RegCycles, cyc2[:], true); err != nil {
				return 0, 0, err
			}
		}
		b.out.Cycles = uint64(cyc)
		if code != arch.CodeNone {
			if err := b.clearErrors(ctx); err != nil {
				return 0, 0, err
			}
		}
		return stepDone, arch.CodeNone, nil
	}
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

// ReadState reads every memory back through the window and returns the
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
	for i, s := range b.im.Sections {
		words, err := b.readChecked(ctx, i, s.Width, s.Depth())
		if err != nil {
			return nil, fmt.Errorf("driver: read state: memory %q: %w", s.Name, b.stopped(err))
		}
		out.Sections = append(out.Sections, &image.Section{Name: s.Name, Width: s.Width, Words: words})
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
