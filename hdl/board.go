package hdl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/image"
)

// BoardClockHz is the iCEBreaker's oscillator, the clock of its top.
const BoardClockHz = 12_000_000

// DefaultClksPerBit is the UART's clocks per bit of a Verilated board: 4,
// 3 Mbaud at 12 MHz, the fastest the receiver samples reliably and a rate
// the iCEBreaker's FTDI chip runs at.
const DefaultClksPerBit = 4

// BuildBoard compiles the iCEBreaker top (rtl3/icebreaker3_top.v: UART,
// UARTBone bridge, htm3_accel) for these parameters, with the UART at
// clksPerBit clocks a bit, and harness/board.cpp, which puts its UART pins
// on standard input and output. The build is cached like Build's.
func BuildBoard(ctx context.Context, p Params, clksPerBit int) (*Model, error) {
	if clksPerBit < 4 {
		return nil, fmt.Errorf("hdl: %d clocks per bit: the UART needs at least 4", clksPerBit)
	}
	// The harness includes Vicebreaker_top.h: the prefix keeps its name.
	return build(ctx, p, verilatorTop{module: "icebreaker3_top", prefix: "Vicebreaker_top",
		defines: []string{"ACCEL=1", "CLK_HZ=" + strconv.Itoa(BoardClockHz), "BAUD=" + strconv.Itoa(BoardClockHz/clksPerBit)},
		harness: []string{"board.cpp"}})
}

// BoardOptions configure a Verilated board.
type BoardOptions struct {
	ClksPerBit int       // the clocks per bit it was built with (BuildBoard); 0 is DefaultClksPerBit
	Log        io.Writer // the simulation's standard error, if not nil
	// Blank starts every memory but cfg at zero, as a board's SPRAM is at
	// power-on, so that the host must load the image (driver.Board.Load).
	// Otherwise
	// the memories start with the image, as block RAM initialised by the
	// bitstream does.
	Blank bool
}

// Board is a Verilated iCEBreaker top running as a process: bytes written
// to it arrive at its uart_rx pin, bytes its uart_tx pin sends are read
// from it.
type Board struct {
	cmd    *exec.Cmd
	dir    string
	in     io.WriteCloser
	out    io.ReadCloser
	stderr *tailBuffer

	once    sync.Once
	exited  chan struct{}
	exitErr error
}

// StartBoard starts the built board (BuildBoard) for an image of the
// model's parameters.
func (m *Model) StartBoard(im *image.Image, opt BoardOptions) (*Board, error) {
	p, err := ParamsOf(im)
	if err != nil {
		return nil, err
	}
	if p != m.Params {
		return nil, fmt.Errorf("hdl: the board is built for %v, the image has %v", m.Params, p)
	}
	if opt.ClksPerBit == 0 {
		opt.ClksPerBit = DefaultClksPerBit
	}
	dir, err := os.MkdirTemp("", "htmhw-board-*")
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	start := im
	if opt.Blank {
		start = blankImage(im)
	}
	if err := WriteMemFiles(start, dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	b := &Board{dir: dir, stderr: &tailBuffer{max: 8 << 10, tee: opt.Log}, exited: make(chan struct{})}
	b.cmd = exec.Command(m.Bin, "+memdir="+dir, "--clks-per-bit="+strconv.Itoa(opt.ClksPerBit))
	b.cmd.Stderr = b.stderr
	if b.in, err = b.cmd.StdinPipe(); err == nil {
		b.out, err = b.cmd.StdoutPipe()
	}
	if err == nil {
		err = b.cmd.Start()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("hdl: %s: %w", filepath.Base(m.Bin), err)
	}
	go func() {
		b.exitErr = b.cmd.Wait()
		close(b.exited)
	}()
	return b, nil
}

// blankImage returns a copy of im whose memories are all zero but cfg (the
// configuration the bitstream is built for).
func blankImage(im *image.Image) *image.Image {
	c := *im
	c.Sections = make([]*image.Section, len(im.Sections))
	for i, s := range im.Sections {
		c.Sections[i] = &image.Section{Name: s.Name, Width: s.Width, Words: make([]uint64, len(s.Words))}
		if s.Name == "cfg" {
			copy(c.Sections[i].Words, s.Words)
		}
	}
	return &c
}

// Write sends bytes to the board's uart_rx pin.
func (b *Board) Write(p []byte) (int, error) { return b.in.Write(p) }

// Read receives bytes from the board's uart_tx pin.
func (b *Board) Read(p []byte) (int, error) { return b.out.Read(p) }

// Exited is closed when the process has exited.
func (b *Board) Exited() <-chan struct{} { return b.exited }

// Err says why the process exited, with the end of its standard error; nil
// while it runs or after a clean exit.
func (b *Board) Err() error {
	select {
	case <-b.exited:
	default:
		return nil
	}
	if b.exitErr == nil {
		return nil
	}
	return fmt.Errorf("hdl: board: %w%s", b.exitErr, b.stderr.quote())
}

// Close ends the simulation (its input closes; it is killed if it does not
// exit) and removes its files.
func (b *Board) Close() error {
	b.once.Do(func() {
		b.in.Close()
		select {
		case <-b.exited:
		default:
			_ = b.cmd.Process.Kill()
			<-b.exited
		}
		os.RemoveAll(b.dir)
	})
	return nil
}

// BoardURI is the driver URI of a Verilated board served on the pty whose
// slave is path: no pipelining (the bridge, like LiteX's UARTBone, has no
// receive FIFO), no line rate of the host's own (the pty has none; the
// simulated UART sets the pace), and reply and frame timeouts wide enough
// for a simulation that runs many times slower than the board's 12 MHz on a
// loaded machine (the bridge's 100 ms frame timeout is 1.2 million
// simulated cycles).
func BoardURI(path string) string {
	return "serial://" + path + "?baud=0&pipeline=0&timeout=2s&frame=10s"
}

// ServePTY puts the board's serial line on a new pty: what a host writes to
// the pty's slave reaches the board's UART, and its answers come back;
// BoardURI(SlavePath) is the URI to open it with. It returns when ctx ends
// or the board exits (then with the board's error); ready receives the pty
// first.
func (b *Board) ServePTY(ctx context.Context, ready func(*emulator.PTY)) error {
	pt, err := emulator.OpenPTY()
	if err != nil {
		return err
	}
	defer pt.Close()
	ready(pt)
	errc := make(chan error, 2)
	go func() { // host → board
		buf := make([]byte, 4096)
		for {
			n, err := pt.Master.Read(buf)
			if n > 0 {
				if _, werr := b.Write(buf[:n]); werr != nil {
					errc <- werr
					return
				}
			}
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	go func() { // board → host
		_, err := io.Copy(pt.Master, b.out)
		errc <- err
	}()
	select {
	case <-ctx.Done():
		return nil
	case <-b.exited:
		if err := b.Err(); err != nil {
			return err
		}
		return errors.New("hdl: board: the simulation exited")
	case err := <-errc:
		if e := b.Err(); e != nil {
			return e
		}
		return fmt.Errorf("hdl: board: serial line: %w", err)
	}
}
