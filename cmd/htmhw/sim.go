package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/runner"
	"github.com/htmhw/htmhw/series"
	"github.com/htmhw/htmhw/sim"
)

// parseClock reads a clock frequency such as "100MHz", "48 MHz", "1.5GHz"
// or "25000000".
func parseClock(s string) (float64, error) {
	t := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	mult := 1.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"ghz", 1e9}, {"mhz", 1e6}, {"khz", 1e3}, {"hz", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("--clock %q: want a frequency such as 100MHz", s)
	}
	return v * mult, nil
}

// readRows reads a data file with the fail policy.
func readRows(path string) ([]series.Row, error) {
	rows, err := series.ReadFile(path, series.Options{})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return rows, nil
}

// simOptions are the flags of sim.
type simOptions struct {
	image, data, trace, clock, plot string
	noLearn                         bool
}

// newSimCmd returns the sim command.
func newSimCmd() *cobra.Command {
	o := &simOptions{}
	cmd := &cobra.Command{
		Use:   "sim --image region.img --data F.csv [--trace out.trace] [--clock 12MHz]",
		Short: "Run a memory image on the cycle-level simulator",
		Long: `Sim loads a memory image into the cycle-level simulator of the accelerator
(docs/ARCHITECTURE.md), streams a CSV through it with learning, and prints the
cycles per step by phase (architecture 3's, those of hdl/rtl3), the word
accesses and bandwidth per memory, and the steps per second at the clock
(default 12 MHz, the iCEBreaker's oscillator). --trace writes the register trace
(` + trace.RegsHeader + `) that htmhw verify checks.`,
		Example: "  htmhw sim --image region.img --data testdata/nab/art_daily_jumpsup.csv --trace sim.trace --clock 24MHz",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "memory image (htmhw compile)")
	f.StringVarP(&o.data, "data", "d", "", "input CSV")
	f.StringVar(&o.trace, "trace", "", "register trace to write")
	f.StringVar(&o.clock, "clock", "12MHz", "clock frequency for steps per second and bandwidth")
	f.StringVar(&o.plot, "plot", "", "PNG of the cycles per step by phase over the stream")
	f.BoolVar(&o.noLearn, "no-learn", false, "run without learning")
	_ = cmd.MarkFlagRequired("image")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

func (o *simOptions) run(cmd *cobra.Command) error {
	hz, err := parseClock(o.clock)
	if err != nil {
		return err
	}
	im, err := image.ReadFile(o.image)
	if err != nil {
		return err
	}
	rows, err := readRows(o.data)
	if err != nil {
		return err
	}
	outs := (&outputs{stdout: cmd.OutOrStdout()}).reads("image", o.image, "data", o.data)
	defer outs.abort()
	var tw *trace.RegsWriter
	if o.trace != "" {
		out, err := outs.create("trace", o.trace)
		if err != nil {
			return err
		}
		tw = trace.NewRegsWriter(out)
	}
	var plotOut *output
	if plotOut, err = outs.createIf("plot", o.plot); err != nil {
		return err
	}
	prog := newProgress(cmd.ErrOrStderr(), len(rows))
	var cycles [][sim.NumPhases]uint64
	eng, err := runner.NewSim(im)
	if err != nil {
		return fmt.Errorf("%s: %w", o.data, err)
	}
	s := eng.Sim
	_, err = runner.Run(cmd.Context(), eng, rows, 0, !o.noLearn, func(i int, r *runner.Result) error {
		if plotOut != nil {
			cycles = append(cycles, r.Sim.Cycles)
		}
		if tw != nil {
			if err := tw.Write(r.Regs); err != nil {
				return fmt.Errorf("writing %s: %w", o.trace, err)
			}
		}
		prog.update(i + 1)
		return nil
	})
	prog.finish()
	if re, ok := errors.AsType[*runner.RowError](err); ok {
		return fmt.Errorf("%s: sim: %w", o.data, re)
	} else if err != nil {
		return err
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("writing %s: %w", o.trace, err)
		}
	}
	if plotOut != nil {
		cfg, _ := im.ModelConfig()
		title := fmt.Sprintf("%s on %s: cycles per step by phase", cfg.Name, filepath.Base(o.data))
		if err := writeCyclePlot(plotOut, title, cycles); err != nil {
			return fmt.Errorf("writing %s: %w", o.plot, err)
		}
	}
	if err := outs.commit(); err != nil {
		return err
	}
	return writeSimStats(cmd.OutOrStdout(), s, im, hz)
}

// writeSimStats prints the cycle breakdown and the memory traffic.
func writeSimStats(w io.Writer, s *sim.Sim, im *image.Image, hz float64) error {
	st := s.Stats()
	n := float64(st.Steps)
	perStep := float64(st.Total) / n
	fmt.Fprintf(w, "%d steps, %.0f cycles per step: %.0f steps/s at %.4g MHz\n\n", st.Steps, perStep, hz/perStep, hz/1e6)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tcycles/step\tshare\t")
	for p := sim.Phase(0); p < sim.NumPhases; p++ {
		c := float64(st.Cycles[p]) / n
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f%%\t\n", p, c, 100*c/perStep)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "memory\treads/step\twrites/step\twidth\tMB/s at clock\t")
	stepsPerSec := hz / perStep
	for m := sim.Mem(0); m < sim.NumMems; m++ {
		r, wr := float64(st.Reads[m])/n, float64(st.Writes[m])/n
		width := 32
		if int(m) < len(im.Sections) {
			width = im.Sections[m].Width
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%d\t%.2f\t\n", m, r, wr, width, (r+wr)*float64(width)/8*stepsPerSec/1e6)
	}
	return tw.Flush()
}

// verifyOptions are the flags of verify.
type verifyOptions struct {
	reference, image, data, trace string
	prefix                        bool
}

// newVerifyCmd returns the verify command.
func newVerifyCmd() *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify --reference sim|golden --image region.img --data F.csv --trace hw.trace",
		Short: "Check a register trace against the simulator or the golden model",
		Long: `Verify replays the data on a reference loaded from the image (the cycle-level
simulator, or the golden model decompiled from the image) and compares the
register trace (from a board, the RTL testbench or the simulator) step by
step, in the manner of lock-step co-simulation. At the first divergence it
reports the step, the register, the expected and actual values, the indices
that differ, the phase that writes that register, and how many steps matched
before, and exits with status 1. Cycles are compared only against the
simulator, and only when the trace has them.

A trace with fewer steps than the data has rows (cut short, or a header
only) is a failure too, after its steps are checked, unless --prefix asks
for a check of the steps it has; a trace without steps always fails.`,
		Example: "  htmhw verify --reference sim --image region.img --data testdata/nab/art_daily_jumpsup.csv --trace board.trace",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.reference, "reference", "sim", "reference: sim or golden")
	f.StringVar(&o.image, "image", "", "memory image the trace started from")
	f.StringVarP(&o.data, "data", "d", "", "input CSV the trace ran")
	f.StringVar(&o.trace, "trace", "", "register trace to check")
	f.BoolVar(&o.prefix, "prefix", false, "accept a trace of fewer steps than the data has rows: check the steps it has")
	for _, name := range []string{"image", "data", "trace"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (o *verifyOptions) run(cmd *cobra.Command) error {
	if o.reference != "sim" && o.reference != "golden" {
		return fmt.Errorf("--reference %q: want sim or golden", o.reference)
	}
	im, err := image.ReadFile(o.image)
	if err != nil {
		return err
	}
	rows, err := readRows(o.data)
	if err != nil {
		return err
	}
	f, err := os.Open(o.trace)
	if err != nil {
		return err
	}
	got, err := trace.ReadRegs(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", o.trace, err)
	}
	if len(got) > len(rows) {
		return fmt.Errorf("%s: %d steps, the data has %d rows", o.trace, len(got), len(rows))
	}
	if len(got) == 0 {
		return fmt.Errorf("%s: no steps to check (a header only)", o.trace)
	}
	want, err := o.replay(im, rows[:len(got)])
	if err != nil {
		return err
	}
	for i := range got {
		if m := trace.CompareRegs(&want[i], &got[i], i); m != nil {
			return fmt.Errorf("%s: %v", o.trace, m)
		}
	}
	if len(got) < len(rows) && !o.prefix {
		return fmt.Errorf("%s: incomplete: its %d steps match the %s reference, but the data has %d rows (%d more); --prefix accepts a trace cut short",
			o.trace, len(got), o.reference, len(rows), len(rows)-len(got))
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d steps match the %s reference\n", o.trace, len(got), o.reference)
	if len(got) < len(rows) {
		fmt.Fprintf(cmd.OutOrStdout(), "(--prefix: the data has %d more rows than the trace)\n", len(rows)-len(got))
	}
	return nil
}

// replay runs the reference over the rows and returns its register trace.
func (o *verifyOptions) replay(im *image.Image, rows []series.Row) ([]trace.Regs, error) {
	first := im.Section(arch.MemRegs.String()).Words[arch.RegsSteps]
	want := make([]trace.Regs, 0, len(rows))
	if o.reference == "sim" {
		eng, err := runner.NewSim(im)
		if err != nil {
			return nil, err
		}
		_, err = runner.Run(context.Background(), eng, rows, 0, true, func(_ int, r *runner.Result) error {
			g := *r.Regs
			g.Cols, g.Pred = append([]uint32(nil), g.Cols...), append([]uint32(nil), g.Pred...)
			want = append(want, g)
			return nil
		})
		if re, ok := errors.AsType[*runner.RowError](err); ok {
			return want, fmt.Errorf("sim: %w", re)
		}
		return want, err
	}
	r, err := im.Region()
	if err != nil {
		return nil, err
	}
	for i, row := range rows {
		out, err := r.Compute(model.Input{Time: row.Time, Value: row.Value}, true)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", o.data, row.Line, err)
		}
		want = append(want, trace.Regs{Step: first + uint64(i),
			Cols: append([]uint32(nil), out.ActiveColumns...), Pred: append([]uint32(nil), out.PredictedColumns...),
			AnomNum: out.Anomaly.Num, AnomDen: out.Anomaly.Den})
	}
	return want, nil
}
