package trace

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/htmhw/htmhw/internal/limit"
	"github.com/htmhw/htmhw/internal/quote"
	"github.com/htmhw/htmhw/model/sdr"
)

// RegsHeader is the first line of a register trace: what the accelerator's
// output registers hold after each step (docs/ARCHITECTURE.md section 3.1),
// and the step's cycle count (0 when the source does not count cycles).
// The cycle-level simulator, the RTL testbench and the board driver write
// register traces; htmhw verify checks them against a reference.
const RegsHeader = "step,cols,pred,anom_num,anom_den,cycles"

// Regs is one step of a register trace.
type Regs struct {
	Step     uint64
	Cols     []uint32 // OUT_BUF: active columns, ascending
	Pred     []uint32 // PRED_BUF: columns predicted for this step, ascending
	AnomNum  uint32   // ANOM_NUM
	AnomDen  uint32   // ANOM_DEN
	Cycles   uint64   // CYCLES of the STEP command; 0 when unknown
	HasCycle bool     // whether Cycles was measured
}

// RegsWriter writes a register trace.
type RegsWriter struct {
	w      *bufio.Writer
	header bool
}

// NewRegsWriter returns a writer that writes RegsHeader before the first row.
func NewRegsWriter(w io.Writer) *RegsWriter { return &RegsWriter{w: bufio.NewWriter(w)} }

// Write writes one step.
func (w *RegsWriter) Write(r *Regs) error {
	if !w.header {
		w.header = true
		if _, err := w.w.WriteString(RegsHeader + "\n"); err != nil {
			return err
		}
	}
	cycles := ""
	if r.HasCycle {
		cycles = strconv.FormatUint(r.Cycles, 10)
	}
	_, err := fmt.Fprintf(w.w, "%d,%s,%s,%d,%d,%s\n", r.Step, joinUints(r.Cols), joinUints(r.Pred), r.AnomNum, r.AnomDen, cycles)
	return err
}

// Flush writes any buffered data.
func (w *RegsWriter) Flush() error { return w.w.Flush() }

// ReadRegs reads a whole register trace, checking every field; errors name
// the line.
func ReadRegs(r io.Reader) ([]Regs, error) {
	lim := limit.NewReader(r, MaxLineBytes)
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = 6
	head, err := cr.Read()
	lim.Mark()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("trace: empty input, want a header")
	}
	if err != nil {
		return nil, fmt.Errorf("trace: header: %w", err)
	}
	if strings.Join(head, ",") != RegsHeader {
		return nil, fmt.Errorf("trace: header %s, want %q", quote.Short(strings.Join(head, ",")), RegsHeader)
	}
	var rows []Regs
	for {
		rec, err := cr.Read()
		lim.Mark()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if errors.Is(err, limit.ErrTooLong) {
			return nil, fmt.Errorf("trace: line %d: %w", len(rows)+2, err)
		}
		if err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		line, _ := cr.FieldPos(0)
		var g Regs
		var perr error
		parse := func(name, s string, bits int) uint64 {
			v, err := strconv.ParseUint(s, 10, bits)
			if err != nil && perr == nil {
				perr = fmt.Errorf("trace: line %d: %s %s is not a number", line, name, quote.Short(s))
			}
			return v
		}
		g.Step = parse("step", rec[0], 64)
		for _, f := range []struct {
			name string
			dst  *[]uint32
			text string
		}{{"cols", &g.Cols, rec[1]}, {"pred", &g.Pred, rec[2]}} {
			for _, x := range strings.Fields(f.text) {
				*f.dst = append(*f.dst, uint32(parse(f.name, x, 32)))
			}
			if !slices.IsSorted(*f.dst) {
				perr = errors.Join(perr, fmt.Errorf("trace: line %d: %s not ascending", line, f.name))
			}
		}
		g.AnomNum = uint32(parse("anom_num", rec[3], 32))
		g.AnomDen = uint32(parse("anom_den", rec[4], 32))
		if rec[5] != "" {
			g.Cycles, g.HasCycle = parse("cycles", rec[5], 64), true
		}
		if perr != nil {
			return nil, perr
		}
		if len(rows) > 0 && g.Step != rows[len(rows)-1].Step+1 {
			return nil, fmt.Errorf("trace: line %d: step %d follows step %d", line, g.Step, rows[len(rows)-1].Step)
		}
		rows = append(rows, g)
	}
}

// Mismatch is the first difference between a register trace and its
// reference, as lock-step co-simulation reports it.
type Mismatch struct {
	Step     uint64 // the step that differs
	Matched  int    // steps that matched before it
	Field    string // cols, pred, anom_num, anom_den, cycles or step
	Expected string
	Actual   string
	Missing  []uint32 // for cols and pred: indices expected but absent
	Extra    []uint32 // indices present but not expected
	Phase    string   // the phase of docs/ARCHITECTURE.md section 4 that produces the field
}

func (m *Mismatch) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "step %d: %s differs (phase %s) after %d matching steps: expected %s, got %s",
		m.Step, m.Field, m.Phase, m.Matched, m.Expected, m.Actual)
	if len(m.Missing) > 0 {
		fmt.Fprintf(&b, "; missing %v", m.Missing)
	}
	if len(m.Extra) > 0 {
		fmt.Fprintf(&b, "; extra %v", m.Extra)
	}
	return b.String()
}

// phases names the phase that writes each field.
var phases = map[string]string{
	"step": "LOAD", "cols": "SP_INHIBIT", "pred": "TM_DENDRITE (of the step before)",
	"anom_num": "TM_PREDICT", "anom_den": "SP_INHIBIT", "cycles": "all",
}

// CompareRegs compares one step of a trace with its reference and returns
// the mismatch, or nil. Cycles are compared only when both have them.
// matched is the number of steps that matched before this one.
func CompareRegs(want, got *Regs, matched int) *Mismatch {
	m := &Mismatch{Step: want.Step, Matched: matched}
	set := func(field, e, a string) *Mismatch {
		m.Field, m.Expected, m.Actual, m.Phase = field, e, a, phases[field]
		return m
	}
	switch {
	case want.Step != got.Step:
		return set("step", strconv.FormatUint(want.Step, 10), strconv.FormatUint(got.Step, 10))
	case !slices.Equal(want.Cols, got.Cols):
		m.Missing, m.Extra = sdr.Difference(want.Cols, got.Cols)
		return set("cols", fmt.Sprintf("%d columns", len(want.Cols)), fmt.Sprintf("%d columns", len(got.Cols)))
	case !slices.Equal(want.Pred, got.Pred):
		m.Missing, m.Extra = sdr.Difference(want.Pred, got.Pred)
		return set("pred", fmt.Sprintf("%d columns", len(want.Pred)), fmt.Sprintf("%d columns", len(got.Pred)))
	case want.AnomNum != got.AnomNum:
		return set("anom_num", fmt.Sprint(want.AnomNum), fmt.Sprint(got.AnomNum))
	case want.AnomDen != got.AnomDen:
		return set("anom_den", fmt.Sprint(want.AnomDen), fmt.Sprint(got.AnomDen))
	case want.HasCycle && got.HasCycle && want.Cycles != got.Cycles:
		return set("cycles", fmt.Sprint(want.Cycles), fmt.Sprint(got.Cycles))
	}
	return nil
}
