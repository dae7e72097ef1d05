package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/hdl"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/model"
	"github.com/htmhw/htmhw/series"
)

// newHDLCmd returns the hdl command: the Verilog RTL of the accelerator.
func newHDLCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hdl",
		Short: "Verify the accelerator's Verilog RTL in Verilator, or synthesize it",
		Long: `The accelerator's synthesizable Verilog RTL (hdl/rtl3, top htm3_accel): verify runs
it in Verilator against the cycle-level simulator, synth runs the open FPGA flow (Yosys;
nextpnr-ice40 and icepack for iCE40).

The RTL implements the host interface, the memories and every phase of a
STEP (docs/ARCHITECTURE.md version 4), bit- and cycle-exact with the simulator.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newHDLVerifyCmd(), newHDLSynthCmd())
	return cmd
}

type hdlVerifyOptions struct {
	image, data, vcd, work string
	steps                  int
	noLearn                bool
}

func newHDLVerifyCmd() *cobra.Command {
	o := &hdlVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify --image region.img --data F.csv [--steps N] [--vcd out.vcd]",
		Short: "Run the RTL in Verilator in lock step with the cycle-level simulator",
		Long: `Verify builds the RTL for the image's parameters with Verilator (cached under the
user cache directory, htmhw-hdl), initialises its memories from the image
($readmemh), drives it over its Wishbone bus like a host through the data's
steps, and compares with the cycle-level simulator (htmhw sim).

Verified: ` + hdl.Verified + `.

The first divergence is reported with its step, the register or phase, and
the missing and extra column indices.`,
		Example: "  htmhw hdl verify --image region.img --data testdata/nab/art_daily_jumpsup.csv --steps 500",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "memory image (htmhw compile)")
	f.StringVarP(&o.data, "data", "d", "", "input CSV")
	f.IntVar(&o.steps, "steps", 0, "steps to run (0: every row)")
	f.StringVar(&o.vcd, "vcd", "", "waveform of the whole run (VCD)")
	f.BoolVar(&o.noLearn, "no-learn", false, "run without learning")
	f.StringVar(&o.work, "keep", "", "keep the memory files in this directory instead of a temporary one")
	_ = cmd.MarkFlagRequired("image")
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

func (o *hdlVerifyOptions) run(cmd *cobra.Command) error {
	if o.steps < 0 {
		return fmt.Errorf("--steps %d: want 0 or more", o.steps)
	}
	im, err := image.ReadFile(o.image)
	if err != nil {
		return err
	}
	rows, err := readRows(o.data)
	if err != nil {
		return err
	}
	if o.steps > 0 && o.steps < len(rows) {
		rows = rows[:o.steps]
	}
	cfg, err := im.ModelConfig()
	if err != nil {
		return err
	}
	steps, err := encodeSteps(cfg, rows, !o.noLearn)
	if err != nil {
		return fmt.Errorf("%s: %w", o.data, err)
	}
	dir := o.work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "htmhw-hdl-*"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	out := cmd.OutOrStdout()
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	rep, err := hdl.Verify(ctx, im, nil, steps, hdl.RunOptions{VCD: o.vcd}, dir)
	if err != nil {
		return err
	}
	cached := ""
	if rep.Cached {
		cached = ", cached"
	}
	fmt.Fprintf(out, "verilator build %v%s; %d steps in %v (%d cycles simulated)\n", rep.Build.Round(1e6), cached,
		len(steps), rep.Run.Round(1e6), rep.SimCycles)
	if rep.Mismatch != nil {
		return fmt.Errorf("RTL and simulator differ: %w", rep.Mismatch)
	}
	var sum uint64
	for _, ph := range hdl.Implemented {
		sum += rep.Cycles[ph]
	}
	fmt.Fprintf(out, "%d steps match the simulator: %s\n", rep.Matched, hdl.Verified)
	fmt.Fprintf(out, "cycles: %d in all, %.1f per step\n", sum, float64(sum)/float64(max(1, len(steps))))
	return nil
}

// encodeSteps encodes the rows with the image's encoder.
func encodeSteps(cfg *model.Config, rows []series.Row, learn bool) ([]hdl.Step, error) {
	enc, err := model.NewEncoder(cfg)
	if err != nil {
		return nil, err
	}
	steps := make([]hdl.Step, len(rows))
	for i, r := range rows {
		in, err := enc.Encode(r.Time, r.Value)
		if err != nil {
			return nil, fmt.Errorf("row %d (line %d): %w", i, r.Line, err)
		}
		steps[i] = hdl.Step{Input: append([]uint32(nil), in...), Learn: learn}
	}
	return steps, nil
}

type hdlSynthOptions struct {
	target, model, rng, image, work, board string
	out                                    string
	bridge, packOnly, noModules            bool
	proxy, noProxy                         bool
	proxyUnits                             []string
	blocks, baud, proxySeed                int
	freq, proxyFill                        float64
}

func newHDLSynthCmd() *cobra.Command {
	o := &hdlSynthOptions{}
	cmd := &cobra.Command{
		Use:   "synth --target ice40-up5k|ecp5|xilinx (--model M | --image region.img) [--board icebreaker] | --board icebreaker --bridge",
		Short: "Synthesize the RTL with Yosys (and place and route it for iCE40)",
		Long: `Synth synthesizes the RTL for a model's dimensions (a fresh region compiled from
--model, or an image) with Yosys and prints the LUT, flip-flop, block RAM, SPRAM
and DSP counts, then each module's (a second Yosys run without flattening;
--no-modules leaves it out).

The design is the iCEBreaker's board top (--board icebreaker, the only board and
the default), the design of its bitstream: hdl/rtl3/icebreaker3_top.v, the
accelerator behind the UARTBone bridge at --baud, with the board's pins
(hdl/boards/icebreaker.pcf); its memories start blank and the host loads the
image (htmhw run --board serial://...). --bridge synthesizes the bridge on a
register file alone (no model).

For ice40-up5k, nextpnr-ice40 (--up5k --package sg48) first packs the design and
the logic cells, EBR, SPRAM and DSP in use are printed against the part. A design
that does not fit is an error, and is not placed. One that fits is placed and
routed for --freq (minutes: about 2 for small's board top; progress lines on standard
error), icepack writes the bitstream (top.bin in --work; -o copies it to a
file), and fmax and the critical path are printed; an fmax below --freq is an
error. --pack-only stops after the packing. ECP5 and
Xilinx are synthesis only: no place and route is packaged here, so their fmax is
unknown.

Timing proxy: when the board top does not fit the UP5K (and not --pack-only, nor
--no-proxy), each unit of the accelerator (the SP engine, the column engine, the
dendrite unit, the host side: --proxy-units) is then placed and routed alone on
the UP5K, and its fmax and critical path printed, labelled "` + hdl.ProxyLabel + `":
in the whole chip the same logic routes longer. --proxy runs the timing proxy
alone, without the board top (a few minutes; a progress line per unit).
--proxy-seed changes nextpnr's placement seed, --proxy-fill packs each unit's
logic cells into a rectangle they fill to that fraction, as in a full chip.`,
		Example: "  htmhw hdl synth --target ice40-up5k --model small --board icebreaker -o icebreaker.bin\n" +
			"  htmhw hdl synth --target ice40-up5k --model small --board icebreaker --work build\n" +
			"  htmhw hdl synth --target ice40-up5k --model small --proxy\n" +
			"  htmhw hdl synth --target ecp5 --model small --board icebreaker",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "", "target: "+strings.Join(hdl.Targets, ", "))
	f.StringVarP(&o.model, "model", "m", "", "model file or preset name")
	f.StringVar(&o.rng, "range", "0,100", "value range lo,hi for a data-derived RDSE resolution (does not change the dimensions)")
	f.StringVar(&o.image, "image", "", "memory image (htmhw compile) instead of --model")
	f.StringVar(&o.work, "work", "", "directory for the tools' files (default: a temporary one, removed)")
	f.StringVarP(&o.out, "out", "o", "", "ice40-up5k: write the bitstream to this file (only when the design fits and meets --freq)")
	f.StringVar(&o.board, "board", "icebreaker", "the board whose top holds the accelerator: icebreaker (hdl/rtl3/icebreaker3_top.v)")
	f.IntVar(&o.baud, "baud", hdl.DefaultBaud, "with --board icebreaker: the UART's rate (at least 4 clocks of 12 MHz a bit)")
	f.BoolVar(&o.packOnly, "pack-only", false, "ice40-up5k: stop after nextpnr's packing (no place and route)")
	f.BoolVar(&o.noModules, "no-modules", false, "leave out the per-module synthesis (yosys -noflatten)")
	f.BoolVar(&o.bridge, "bridge", false, "with --board icebreaker: the UARTBone bridge on a register file, without the accelerator")
	f.IntVar(&o.blocks, "blocks", 0, "ice40-up5k: also print the N largest blocks (logic attributed to the registers it feeds)")
	f.Float64Var(&o.freq, "freq", hdl.DefaultFreqMHz, "iCE40 clock target in MHz (nextpnr --freq; fmax below it is an error)")
	f.BoolVar(&o.proxy, "proxy", false, "ice40-up5k: only the timing proxy: each unit placed and routed alone, not the board top")
	f.BoolVar(&o.noProxy, "no-proxy", false, "ice40-up5k: no timing proxy when the board top does not fit")
	f.StringSliceVar(&o.proxyUnits, "proxy-units", nil, "the timing proxy's units (default all): "+strings.Join(hdl.ProxyUnitNames(), ", "))
	f.IntVar(&o.proxySeed, "proxy-seed", hdl.DefaultProxySeed, "the timing proxy's nextpnr --seed")
	f.Float64Var(&o.proxyFill, "proxy-fill", 0, "the timing proxy: confine each unit's logic cells to a rectangle they fill to this fraction (0: no)")
	_ = cmd.MarkFlagRequired("target")
	cmd.MarkFlagsMutuallyExclusive("model", "image")
	cmd.MarkFlagsMutuallyExclusive("proxy", "no-proxy")
	cmd.MarkFlagsMutuallyExclusive("proxy", "bridge")
	return cmd
}

func (o *hdlSynthOptions) run(cmd *cobra.Command) error {
	switch {
	case o.out == "":
	case o.out == "-":
		return errors.New("-o -: the bitstream is binary; give a file")
	case o.target != "ice40-up5k" || o.packOnly || o.proxy:
		return fmt.Errorf("-o %s: a bitstream comes only from a place and route (--target ice40-up5k, without --pack-only or --proxy)", o.out)
	}
	var im *image.Image
	var err error
	switch {
	case o.image != "":
		if im, err = image.ReadFile(o.image); err != nil {
			return err
		}
	case o.model != "":
		cfg, err := model.Load(o.model)
		if err != nil {
			return err
		}
		if cfg.NeedsRange() {
			var lo, hi float64
			if _, err := fmt.Sscanf(o.rng, "%g,%g", &lo, &hi); err != nil {
				return fmt.Errorf("--range %q: want lo,hi", o.rng)
			}
			cfg.ResolveResolution(lo, hi)
		}
		r, err := model.NewRegion(cfg)
		if err != nil {
			return err
		}
		if im, err = image.Compile(r, image.DefaultArch()); err != nil {
			return err
		}
	case o.bridge:
	default:
		return errors.New("give --model or --image")
	}
	dir := o.work
	if dir == "" {
		if dir, err = os.MkdirTemp("", "htmhw-synth-*"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if o.proxy {
		return o.runProxy(ctx, cmd, im, filepath.Join(dir, "proxy"))
	}
	rep, err := hdl.Synth(ctx, o.target, im, dir, hdl.SynthOptions{Board: o.board, Bridge: o.bridge, FreqMHz: o.freq,
		Baud: o.baud, PackOnly: o.packOnly, Modules: !o.noModules, Progress: cmd.ErrOrStderr()})
	var fe *hdl.FitError
	if errors.As(err, &fe) {
		fmt.Fprint(cmd.OutOrStdout(), rep.String())
		o.printBlocks(cmd, rep)
		if len(fe.Over) > 0 && im != nil && !o.packOnly && !o.noProxy {
			fmt.Fprintln(cmd.OutOrStdout(), "the board top does not fit: no fmax of the accelerator; the timing proxy follows")
			if perr := o.runProxy(ctx, cmd, im, filepath.Join(dir, "proxy")); perr != nil {
				return fmt.Errorf("%w; timing proxy: %w", err, perr)
			}
		}
		return err
	}
	if err != nil {
		if rep != nil && rep.Log != "" {
			return fmt.Errorf("%w\n%s", err, rep.Log)
		}
		return err
	}
	if o.out != "" {
		if err := copyBitstream(rep, o.out, cmd.OutOrStdout()); err != nil {
			return err
		}
	}
	fmt.Fprint(cmd.OutOrStdout(), rep.String())
	if o.out == "" && o.work == "" && rep.Routed {
		fmt.Fprintln(cmd.OutOrStdout(), "the bitstream is removed with the temporary directory: give -o FILE or --work DIR to keep it")
	}
	o.printBlocks(cmd, rep)
	return nil
}

// copyBitstream writes the report's bitstream to path (through output:
// a failed copy leaves what was there) and points the report at it.
func copyBitstream(rep *hdl.SynthReport, path string, stdout io.Writer) error {
	if !rep.Routed || rep.Bitstream == "" {
		return fmt.Errorf("-o %s: no bitstream (%s)", path, rep.PnRMessage)
	}
	b, err := os.ReadFile(rep.Bitstream)
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	w, err := createOutput(path, stdout)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		w.abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := w.commit(); err != nil {
		return err
	}
	rep.Bitstream = path
	return nil
}

// runProxy runs the timing proxy (hdl.TimingProxy) for the image's
// dimensions in dir and prints it.
func (o *hdlSynthOptions) runProxy(ctx context.Context, cmd *cobra.Command, im *image.Image, dir string) error {
	if o.target != "ice40-up5k" {
		return fmt.Errorf("--proxy: the timing proxy places and routes on the iCE40 UP5K (--target ice40-up5k), not %s", o.target)
	}
	if im == nil {
		return errors.New("--proxy: give --model or --image")
	}
	p, err := hdl.ParamsOf(im)
	if err != nil {
		return err
	}
	ts, err := hdl.TimingProxy(ctx, p, dir, hdl.ProxyOptions{Units: o.proxyUnits, FreqMHz: o.freq, Seed: o.proxySeed,
		Fill: o.proxyFill, Progress: cmd.ErrOrStderr()})
	if len(ts) > 0 {
		fmt.Fprint(cmd.OutOrStdout(), hdl.FormatTiming(ts, o.freq))
	}
	return err
}

// printBlocks prints the --blocks largest blocks of an iCE40 netlist.
func (o *hdlSynthOptions) printBlocks(cmd *cobra.Command, rep *hdl.SynthReport) {
	if o.blocks <= 0 || rep.Target != "ice40-up5k" {
		return
	}
	bs, err := hdl.BlockArea(filepath.Join(rep.WorkDir, "top.json"))
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "blocks: %v\n", err)
		return
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "largest blocks (LUTs and carries shared among the registers they feed):\n  %-40s %7s %6s %6s\n", "block", "LUT", "CARRY", "FF")
	for i, b := range bs {
		if i == o.blocks {
			break
		}
		fmt.Fprintf(w, "  %-40s %7.0f %6.0f %6d\n", b.Block, b.LUT, b.Carry, b.FF)
	}
}
