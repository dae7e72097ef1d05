package hdl

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/sim"
)

// Verified says what a verification compares, for the reports.
const Verified = "per step the active and predicted columns (OUT_BUF, PRED_BUF), the anomaly pair, STEP_LO, IN_CRC and OUT_CRC, the cycles of every phase (PHASE_CYCLES) and CYCLES; at the end every memory of the image read back over the bus, and its CRC_VALUE"

// RestoreMismatch is a RESTORE whose cycle count differs from the
// simulator's.
type RestoreMismatch struct{ RTL, Want uint64 }

func (m *RestoreMismatch) Error() string {
	return fmt.Sprintf("RESTORE takes %d cycles in the RTL, %d in the simulator", m.RTL, m.Want)
}

// PhaseMismatch is a phase whose cycle count differs from the simulator's.
type PhaseMismatch struct {
	Step      uint64
	Matched   int
	Phase     sim.Phase
	RTL, Want uint64
}

func (m *PhaseMismatch) Error() string {
	return fmt.Sprintf("step %d: phase %s takes %d cycles in the RTL, %d in the simulator (after %d matching steps)",
		m.Step, m.Phase, m.RTL, m.Want, m.Matched)
}

// MemMismatch is a memory word (or a CRC_VALUE, Word −1) that differs
// from the reference after the last step.
type MemMismatch struct {
	Mem       string
	Word      int
	RTL, Want uint64
	Unit      bool // Word is a window unit (arch.Window), not an image word
}

func (m *MemMismatch) Error() string {
	if m.Word < 0 {
		return fmt.Sprintf("memory %s: CRC_VALUE %#08x, reference %#08x", m.Mem, m.RTL, m.Want)
	}
	if m.Unit {
		return fmt.Sprintf("memory %s unit %d: RTL %#x, reference %#x", m.Mem, m.Word, m.RTL, m.Want)
	}
	return fmt.Sprintf("memory %s word %d: RTL %#x, reference %#x", m.Mem, m.Word, m.RTL, m.Want)
}

// Report is the outcome of Verify.
type Report struct {
	Steps      int                     // steps run
	Matched    int                     // steps that matched before the first mismatch (all when Mismatch is nil)
	Mismatch   error                   // the first divergence: *trace.Mismatch, *PhaseMismatch or *MemMismatch
	Cycles     [sim.NumPhases]uint64   // the simulator's cycles of the implemented phases, summed over the steps
	Build, Run time.Duration           // Verilator build (or cache lookup) and simulation times
	Cached     bool                    // the model came from the cache
	Log        string                  // the harness's standard error
	SimCycles  uint64                  // cycles the harness simulated (bus transactions included)
	Phases     [][sim.NumPhases]uint64 // PHASE_CYCLES as read from the RTL per step
	Result     *Result
}

// Verify runs the RTL (memories initialised from start's $readmemh files,
// or from init's and then loaded with start's through the memory windows
// when init is not nil) and the cycle-level simulator (from start) through
// the steps and reports the first divergence.
func Verify(ctx context.Context, start, init *image.Image, steps []Step, opt RunOptions, dir string) (*Report, error) {
	if init == nil {
		init = start
	}
	p, err := ParamsOf(init)
	if err != nil {
		return nil, err
	}
	if q, err := ParamsOf(start); err != nil || q != p {
		return nil, fmt.Errorf("hdl: the image to load has other parameters than the initial one")
	}
	rep := &Report{Steps: len(steps)}
	t0 := time.Now()
	m, err := Build(ctx, p)
	if err != nil {
		return nil, err
	}
	rep.Build, rep.Cached = time.Since(t0), m.Cached
	memDir := dir + "/init"
	if err := WriteMemFiles(init, memDir); err != nil {
		return nil, err
	}
	if start != init {
		opt.LoadDir = dir + "/load"
		if err := WriteMemFiles(start, opt.LoadDir); err != nil {
			return nil, err
		}
	}
	opt.Dump = true
	t0 = time.Now()
	res, err := m.Run(ctx, start, memDir, steps, opt)
	if err != nil {
		return nil, err
	}
	rep.Run, rep.Log, rep.Result, rep.Phases = time.Since(t0), res.Log, res, res.Phases
	fmt.Sscanf(lastLine(res.Log), "harness: %d cycles", &rep.SimCycles)
	if len(res.Regs) != len(steps) || len(res.Phases) != len(steps) {
		return nil, fmt.Errorf("hdl: the harness ran %d steps of %d", len(res.Regs), len(steps))
	}
	s, err := sim.New(start)
	if err != nil {
		return nil, err
	}
	if i := strings.Index(res.Log, "harness: RESTORE "); i >= 0 {
		var c uint64
		fmt.Sscanf(res.Log[i:], "harness: RESTORE %d cycles", &c)
		if w := s.Stats().RestoreCycles; c != w {
			rep.Mismatch = &RestoreMismatch{RTL: c, Want: w}
			return rep, nil
		}
	}
	first := start.Section(arch.MemRegs.String()).Words[arch.RegsSteps]
	if err := rep.compareSteps(s, steps, res, first); err != nil || rep.Mismatch != nil {
		return rep, err
	}
	rep.Matched = len(steps)
	return rep, rep.compareMems(s, res)
}

// compareSteps steps the simulator through steps and compares each step's
// outputs, then each phase's cycles (which name the phase that differs),
// then CYCLES with the harness's; the first difference is rep.Mismatch.
func (rep *Report) compareSteps(s *sim.Sim, steps []Step, res *Result, first uint64) error {
	for i, st := range steps {
		r, err := s.Step(st.Input, st.Learn)
		if err != nil {
			return fmt.Errorf("hdl: simulator, step %d: %w", i, err)
		}
		var total uint64
		for _, ph := range Implemented {
			total += r.Cycles[ph]
			rep.Cycles[ph] += r.Cycles[ph]
		}
		want := &trace.Regs{Step: first + uint64(i), Cols: r.ActiveColumns, Pred: r.PredictedColumns,
			AnomNum: r.AnomalyNum, AnomDen: r.AnomalyDen, Cycles: total, HasCycle: false}
		if mm := trace.CompareRegs(want, &res.Regs[i], i); mm != nil {
			rep.Matched, rep.Mismatch = i, mm
			return nil
		}
		for ph := sim.Phase(0); ph < sim.NumPhases; ph++ {
			w := r.Cycles[ph]
			if !slices.Contains(Implemented, ph) {
				w = 0 // not implemented: PHASE_CYCLES reads 0
			}
			if got := res.Phases[i][ph]; got != w {
				rep.Matched, rep.Mismatch = i, &PhaseMismatch{Step: want.Step, Matched: i, Phase: ph, RTL: got, Want: w}
				return nil
			}
		}
		want.HasCycle = true
		if mm := trace.CompareRegs(want, &res.Regs[i], i); mm != nil {
			rep.Matched, rep.Mismatch = i, mm
			return nil
		}
	}
	return nil
}

// compareMems compares every word and CRC of the memories the harness
// dumped with the simulator's; the first difference is rep.Mismatch.
func (rep *Report) compareMems(s *sim.Sim, res *Result) error {
	want := s.Image()
	units, err := want.Units() // CRC_VALUE covers the window's units (contract version 4)
	if err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	if len(res.Mems) != len(want.Sections) {
		return fmt.Errorf("hdl: the harness dumped %d memories of %d", len(res.Mems), len(want.Sections))
	}
	for i, got := range res.Mems {
		ref := want.Sections[i]
		if len(got.Words) != len(ref.Words) {
			return fmt.Errorf("hdl: memory %s: %d words read back, want %d", ref.Name, len(got.Words), len(ref.Words))
		}
		for j := range ref.Words {
			if got.Words[j] != ref.Words[j] {
				rep.Mismatch = &MemMismatch{Mem: ref.Name, Word: j, RTL: got.Words[j], Want: ref.Words[j]}
				return nil
			}
		}
		// the units as read (physical words: bits beyond the image's
		// widths, a spare half), which CRC_VALUE covers
		for j, u := range units.Sections[i].Words {
			if got := res.Units[i].Words[j]; got != u {
				rep.Mismatch = &MemMismatch{Mem: ref.Name, Word: j, RTL: got, Want: u, Unit: true}
				return nil
			}
		}
		if c := units.Sections[i].CRC(); res.CRCs[i] != c {
			rep.Mismatch = &MemMismatch{Mem: ref.Name, Word: -1, RTL: uint64(res.CRCs[i]), Want: uint64(c)}
			return nil
		}
	}
	return nil
}

func lastLine(s string) string {
	for len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
