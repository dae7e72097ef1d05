package runner

import (
	"context"
	"fmt"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/anomaly"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// host is the host side of the accelerator (docs/ARCHITECTURE.md): the
// image's encoder, which makes the accelerator's input, and its anomaly
// likelihood, which scores the accelerator's raw anomaly.
type host struct {
	enc *model.Encoder
	lik *anomaly.Likelihood // nil: the model has no likelihood
}

func newHost(im *image.Image) (host, error) {
	cfg, err := im.ModelConfig()
	if err != nil {
		return host{}, err
	}
	enc, err := model.NewEncoder(cfg)
	if err != nil {
		return host{}, err
	}
	lik, err := cfg.Likelihood.New()
	if err != nil {
		return host{}, err
	}
	return host{enc: enc, lik: lik}, nil
}

// likelihood scores a raw anomaly: 0.5 without a likelihood section.
func (h *host) likelihood(value, anomaly float64) float64 {
	if h.lik == nil {
		return 0.5
	}
	return h.lik.UpdateWithValue(value, anomaly)
}

// HasLikelihood reports whether the image's model scores a likelihood.
func (h *host) HasLikelihood() bool { return h.lik != nil }

// ratio is ANOM_NUM / ANOM_DEN as the golden model computes it (0 without
// active columns).
func ratio(num, den uint32) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// Sim is the cycle-level simulator as an Engine.
type Sim struct {
	host
	Sim *sim.Sim
}

// NewSim powers a simulator on with an image.
func NewSim(im *image.Image) (*Sim, error) {
	h, err := newHost(im)
	if err != nil {
		return nil, err
	}
	s, err := sim.New(im)
	if err != nil {
		return nil, err
	}
	if n := h.enc.Size(); n != s.N() {
		return nil, fmt.Errorf("runner: the encoder gives %d bits, the image has N = %d", n, s.N())
	}
	return &Sim{host: h, Sim: s}, nil
}

// Step implements Engine. The result's Regs carry the step's number (the
// simulator's step count before it), as a board's do.
func (s *Sim) Step(_ context.Context, row series.Row, learn bool) (*Result, error) {
	in, err := s.enc.Encode(row.Time, row.Value)
	if err != nil {
		return nil, err
	}
	return s.step(row, in, learn)
}

func (s *Sim) step(row series.Row, in []uint32, learn bool) (*Result, error) {
	n := s.Sim.Steps()
	r, err := s.Sim.Step(in, learn)
	if err != nil {
		return nil, err
	}
	a := ratio(r.AnomalyNum, r.AnomalyDen)
	return &Result{
		Anomaly:    a,
		Likelihood: s.likelihood(row.Value, a),
		Active:     len(r.ActiveColumns),
		Predicted:  len(r.PredictedColumns),
		Regs:       r.Regs(n),
		Sim:        r,
	}, nil
}

// Board is a board as an Engine: rows are encoded on the host, stepped on
// the board exactly once, and scored on the host.
type Board struct {
	host
	Board *driver.Board
}

// NewBoard returns the engine of a board that has the image loaded (or is
// to be attached to it).
func NewBoard(b *driver.Board, im *image.Image) (*Board, error) {
	h, err := newHost(im)
	if err != nil {
		return nil, err
	}
	return &Board{host: h, Board: b}, nil
}

// Step implements Engine.
func (b *Board) Step(ctx context.Context, row series.Row, learn bool) (*Result, error) {
	in, err := b.enc.Encode(row.Time, row.Value)
	if err != nil {
		return nil, err
	}
	out, err := b.Board.Step(ctx, in, learn)
	if err != nil {
		return nil, err
	}
	return b.result(row, out), nil
}

func (b *Board) result(row series.Row, out *driver.Output) *Result {
	a := out.Anomaly()
	return &Result{
		Anomaly:    a,
		Likelihood: b.likelihood(row.Value, a),
		Active:     len(out.ActiveColumns),
		Predicted:  len(out.PredictedColumns),
		Regs:       out.Regs(),
	}
}

// Attach attaches to a board that has im loaded, without loading it
// (driver.Board.Attach), to continue a run that stopped: it returns the
// steps the board has done since the image, the first row to step.
func (b *Board) Attach(ctx context.Context, im *image.Image) (int, error) {
	n, err := b.Board.Attach(ctx, im)
	return int(n), err
}

// Replay returns the likelihood of a row an earlier run stepped, from its
// raw anomaly: the likelihood is host state, so a resumed run shows it
// the rows done again, in order, and it goes on as if it had never
// stopped.
func (b *Board) Replay(row series.Row, anomaly float64) float64 {
	return b.likelihood(row.Value, anomaly)
}

// Last returns the result of the board's last step, read back from its
// output registers (driver.Board.LastOutput), for a resumed run whose
// last row the board completed but the run did not record.
func (b *Board) Last(ctx context.Context, row series.Row) (*Result, error) {
	out, err := b.Board.LastOutput(ctx)
	if err != nil {
		return nil, err
	}
	return b.result(row, out), nil
}

// ReadState reads the board's memories back (driver.Board.ReadState).
func (b *Board) ReadState(ctx context.Context) (*image.Image, error) {
	return b.Board.ReadState(ctx)
}

// Lockstep runs a board with the simulator beside it, on the same inputs,
// and fails the first step whose registers differ.
type Lockstep struct {
	*Board
	Ref  *sim.Sim
	done int // steps that matched
}

// NewLockstep powers a simulator on with the image the board is loaded
// with, to run beside it.
func NewLockstep(b *Board, im *image.Image) (*Lockstep, error) {
	ref, err := sim.New(im)
	if err != nil {
		return nil, err
	}
	return &Lockstep{Board: b, Ref: ref}, nil
}

// DivergedError is the error of a Lockstep whose board and simulator
// differ.
type DivergedError struct{ What string }

func (e *DivergedError) Error() string { return e.What }

// Step implements Engine.
func (l *Lockstep) Step(ctx context.Context, row series.Row, learn bool) (*Result, error) {
	in, err := l.enc.Encode(row.Time, row.Value)
	if err != nil {
		return nil, err
	}
	out, err := l.Board.Board.Step(ctx, in, learn)
	if err != nil {
		return nil, err
	}
	r, err := l.Ref.Step(in, learn)
	if err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	if m := trace.CompareRegs(r.Regs(out.Step), out.Regs(), l.done); m != nil {
		return nil, &DivergedError{fmt.Sprintf("the board differs from the simulator: %v", m)}
	}
	l.done++
	return l.result(row, out), nil
}

// ReadState reads the board's memories back (driver.Board.ReadState) and
// checks them against the simulator's, word for word.
func (l *Lockstep) ReadState(ctx context.Context) (*image.Image, error) {
	learned, err := l.Board.Board.ReadState(ctx)
	if err != nil {
		return nil, err
	}
	if d := image.Diff(learned, l.Ref.Image()); d != nil {
		return nil, &DivergedError{fmt.Sprintf("after the last row the board's memories differ from the simulator's: %v (board, simulator)", d)}
	}
	return learned, nil
}
