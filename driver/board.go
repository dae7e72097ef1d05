package driver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model/trace"
)

// DefaultURI is the board Open uses for an empty URI: the in-process
// simulator, whose scheme package driver/simbus registers.
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
// window's words done (the memories' units, image.Units: kept, as their
// CRC_VALUE already matched, or written once) of the image's total, after every exchange that writes words, and
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
