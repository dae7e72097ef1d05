package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/driver/uartbone"
	"github.com/htmhw/htmhw/hdl"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/sim"
)

// emulateOptions are the flags of emulate.
type emulateOptions struct {
	listen, backend, image, faults string
	top                            string
	baud                           int
	frame, idle                    time.Duration
	maxConns                       int
	noRxFIFO, noGreeting, blank    bool
}

// newEmulateCmd returns the emulate command.
func newEmulateCmd() *cobra.Command {
	o := &emulateOptions{}
	cmd := &cobra.Command{
		Use:   "emulate --listen pty|tcp://127.0.0.1:1234 --image region.img [--backend sim|rtl] [--faults seed=1,drop=0.01] [--baud 3000000]",
		Short: "Emulate a board on a pty (UARTBone) or a TCP port (Etherbone)",
		Long: `Emulate serves an emulated board until interrupted: the accelerator's registers
(docs/ARCHITECTURE.md section 3) backed by the cycle-level simulator (--backend
sim) or by the Verilated RTL (--backend rtl: architecture 3's accelerator,
hdl/rtl3/htm3_accel.v, built with Verilator for the image's parameters, cached,
run cycle by cycle in a child process), powered on with the image, behind LiteX's UARTBone on a new pseudo-terminal (--listen
pty) or LiteX's Etherbone on a TCP port (--listen tcp://HOST:PORT). It prints
the board URI to give htmhw run --board (docs/DRIVER.md).

--faults injects reproducible link faults on the emulator's side, in both
directions: seed=S (the generator), drop=P (a byte is lost), flip=P (one bit of
a byte is flipped), delay=D (latency added per frame). --baud paces the pty at
a UART's rate (10 bits per byte): a pty has no rate of its own. --frame-timeout
is the UARTBone bridge's frame timeout (LiteX's is 100 ms). The emulated bridge
queues requests that arrive while it answers, so the printed URI has pipeline=1
(read requests sent back to back); --no-rx-fifo makes it lose them instead, as
LiteX's UARTBone does (on a paced pty), and the URI leaves pipelining off.

On TCP the emulator greets each connection as litex_server does
("CommHTMHW:HOST:PORT"), so that LiteX's RemoteClient and litex_client.py
connect to it unchanged; --no-greeting leaves the greeting out, as an older
litex_server or an Etherbone core.

Whoever reaches the TCP port drives the board: there is no authentication
(docs/DRIVER.md, "Trust"). tcp://:PORT listens on the loopback address only;
every interface (tcp://0.0.0.0:PORT) must be asked for and is warned about. To
reach an emulated board from another machine, forward the port over SSH
(ssh -L 1234:127.0.0.1:1234 HOST). --max-conns bounds the connections served
at once (one more is closed at once) and --idle-timeout closes a connection
that sends nothing for that long.

--top icebreaker (with --backend rtl and --listen pty) serves the iCEBreaker
top instead: the design of the board's bitstream (hdl/rtl3/icebreaker3_top.v:
UART, UARTBone bridge, htm3_accel; htmhw hdl synth --board icebreaker), Verilated, with the pty's bytes shifted into its
uart_rx pin and its uart_tx pin decoded, at 3 Mbaud of its 12 MHz clock. No Go
code is between the host and the RTL's own UART. Its bridge has no receive FIFO
(the URI has pipeline=0), and the simulation runs slower than the board's 12
MHz, so the URI widens the host's reply and frame timeouts; --blank powers it on
with every memory but cfg zero, as a board's SPRAM is, so that the host's load
writes the whole image.`,
		Example: "  htmhw emulate --listen pty --image region.img --baud 3000000\n  htmhw emulate --listen pty --image region.img --backend rtl --top icebreaker --blank\n  htmhw emulate --listen tcp://127.0.0.1:1234 --image region.img --backend rtl\n  htmhw emulate --listen tcp://127.0.0.1:1234 --image region.img --faults seed=1,drop=0.01,flip=0.01",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "pty", "pty, or tcp://HOST:PORT")
	f.StringVar(&o.backend, "backend", "sim", "what computes the steps: sim (the cycle-level simulator) or rtl (the Verilated RTL, needs verilator)")
	f.StringVar(&o.image, "image", "", "memory image the board powers on with (htmhw compile)")
	f.StringVar(&o.faults, "faults", "", "link faults: seed=1,drop=0.01,flip=0.01,delay=5ms")
	f.IntVar(&o.baud, "baud", 0, "pace the pty at this rate (0: unpaced)")
	f.DurationVar(&o.frame, "frame-timeout", uartbone.FrameTimeout, "UARTBone frame timeout")
	f.BoolVar(&o.noRxFIFO, "no-rx-fifo", false, "lose bytes that arrive while the bridge answers, as LiteX's UARTBone (paced pty)")
	f.StringVar(&o.top, "top", "accel", "with --backend rtl: accel (htm3_accel's bus behind the emulator's bridge) or icebreaker (the board's own top, icebreaker3_top, UART pins on the pty)")
	f.BoolVar(&o.blank, "blank", false, "with --top icebreaker: power on with every memory zero, as SPRAM")
	f.BoolVar(&o.noGreeting, "no-greeting", false, "send no greeting on TCP connections (litex_server sends one since 2022)")
	f.IntVar(&o.maxConns, "max-conns", emulator.DefaultMaxConns, "most TCP connections served at once (0: no limit)")
	f.DurationVar(&o.idle, "idle-timeout", emulator.DefaultIdleTimeout, "close a TCP connection that sends nothing for this long (0: never)")
	return cmd
}

func (o *emulateOptions) run(cmd *cobra.Command) error {
	faults, err := emulator.ParseFaults(o.faults)
	if err != nil {
		return fmt.Errorf("--faults: %w", err)
	}
	if o.baud < 0 {
		return fmt.Errorf("--baud %d: want a rate, or 0 for none", o.baud)
	}
	if o.frame <= 0 {
		return fmt.Errorf("--frame-timeout %v: want a positive duration", o.frame)
	}
	if o.maxConns < 0 {
		return fmt.Errorf("--max-conns %d: want a count, or 0 for no limit", o.maxConns)
	}
	if o.idle < 0 {
		return fmt.Errorf("--idle-timeout %v: want a duration, or 0 for none", o.idle)
	}
	if o.backend != "sim" && o.backend != "rtl" {
		return fmt.Errorf("--backend %q: want sim or rtl", o.backend)
	}
	if o.image == "" {
		return fmt.Errorf("--backend %s needs --image: the emulated board is the accelerator built for an image's configuration", o.backend)
	}
	im, err := image.ReadFile(o.image)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	switch o.top {
	case "accel":
		if o.blank {
			return fmt.Errorf("--blank needs --top icebreaker")
		}
	case "icebreaker":
		if o.backend != "rtl" || o.listen != "pty" {
			return fmt.Errorf("--top icebreaker needs --backend rtl and --listen pty: the board's top has a UART, not Etherbone")
		}
		if o.baud != 0 || o.noRxFIFO || !faults.None() {
			return fmt.Errorf("--top icebreaker takes no --baud, --no-rx-fifo or --faults: its line is the RTL's own UART at 3 Mbaud")
		}
		return o.serveBoard(ctx, cmd, im)
	default:
		return fmt.Errorf("--top %q: want accel or icebreaker", o.top)
	}
	var target driver.Target
	switch o.backend {
	case "sim":
		dev, err := sim.NewDevice(im)
		if err != nil {
			return err
		}
		target = dev
	case "rtl":
		rt, err := startRTL(ctx, cmd.ErrOrStderr(), im)
		if err != nil {
			return err
		}
		defer rt.Close()
		target = rt
	}
	e, err := emulator.StartEmulator(ctx, target, emulator.EmulatorConfig{
		Listen:     o.listen,
		NoGreeting: o.noGreeting,
		ServeConfig: emulator.ServeConfig{Faults: faults, Baud: o.baud, FrameTimeout: o.frame, NoRxFIFO: o.noRxFIFO,
			MaxConns: cmp.Or(o.maxConns, -1), IdleTimeout: cmp.Or(o.idle, -1)},
	})
	if err != nil {
		return err
	}
	if e.Wildcard() {
		fmt.Fprintf(cmd.ErrOrStderr(), "emulate: warning: listening on every interface (%s): whoever reaches this port drives the board, without authentication; listen on 127.0.0.1 and forward the port over SSH instead (docs/DRIVER.md, \"Trust\")\n", e.Addr())
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "emulating on %s\n", e.Addr())
	fmt.Fprintf(w, "board URI: %s\n", e.URI())
	if !faults.None() {
		fmt.Fprintf(w, "faults: %s\n", faults)
	}
	err = e.Wait()
	st := e.Stats()
	fmt.Fprintf(cmd.ErrOrStderr(), "emulate: %d frames, %d abandoned, %d malformed; %d bytes in, %d out, %d lost while answering; faults in: %d dropped, %d flipped; out: %d dropped, %d flipped\n",
		st.Frames, st.Abandoned, st.Malformed, st.BytesIn, st.BytesOut, st.Overrun,
		st.ToBoard.Dropped, st.ToBoard.Flipped, st.FromBoard.Dropped, st.FromBoard.Flipped)
	return err
}

// serveBoard serves the Verilated iCEBreaker top on a pty until ctx ends.
func (o *emulateOptions) serveBoard(ctx context.Context, cmd *cobra.Command, im *image.Image) error {
	p, err := hdl.ParamsOf(im)
	if err != nil {
		return err
	}
	log := cmd.ErrOrStderr()
	t0 := time.Now()
	m, err := hdl.BuildBoard(ctx, p, hdl.DefaultClksPerBit)
	if err != nil {
		return err
	}
	if !m.Cached {
		fmt.Fprintf(log, "emulate: built the iCEBreaker top with Verilator in %v\n", time.Since(t0).Round(time.Second))
	}
	b, err := m.StartBoard(im, hdl.BoardOptions{Log: log, Blank: o.blank})
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintf(log, "emulate: backend rtl, top icebreaker: %s\n", m.Bin)
	w := cmd.OutOrStdout()
	return b.ServePTY(ctx, func(pt *emulator.PTY) {
		fmt.Fprintf(w, "emulating on %s\n", pt.SlavePath)
		fmt.Fprintf(w, "board URI: %s\n", hdl.BoardURI(pt.SlavePath))
	})
}

// startRTL builds architecture 3's accelerator for the image's parameters
// (or finds the cached build) and starts it as a board.
func startRTL(ctx context.Context, log io.Writer, im *image.Image) (*hdl.RTLTarget, error) {
	p, err := hdl.ParamsOf(im)
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	m, err := hdl.Build(ctx, p)
	if err != nil {
		return nil, err
	}
	if !m.Cached {
		fmt.Fprintf(log, "emulate: built the RTL with Verilator in %v\n", time.Since(t0).Round(time.Second))
	}
	rt, err := m.StartRTL(im, hdl.RTLOptions{Log: log})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "emulate: backend rtl: %s\n", m.Bin)
	return rt, nil
}
