package hdl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/htmhw/htmhw/image"
)

// The RTL as a board: RTLTarget runs the Verilated model in its bus server
// mode (harness/serve.cpp, Vhtm_accel --serve) and implements
// driver.Target over the process's standard input and output, so that
// emulator.Server (htmhw emulate --backend rtl) serves UARTBone or Etherbone
// backed by the RTL.
//
// Framing (little-endian): the server first sends "HTMS" and the version
// (u32). Requests: 'W' addr u32 data u32 (no answer), 'R' addr u32
// (answered with the word), 'C' (answered with the cycles simulated, u64),
// 'Q' (quit). Writes are buffered here and sent with the next read (or
// within RTLWriteDelay), so a burst of writes costs one pipe write.

// serveVersion is the framing's version the server announces.
const serveVersion = 1

// RTLWriteDelay bounds how long a write stays buffered when no read
// follows it.
const RTLWriteDelay = time.Millisecond

// ErrRTLClosed is the error of an RTLTarget after Close.
var ErrRTLClosed = errors.New("hdl: the RTL target is closed")

// RTLOptions configure an RTLTarget.
type RTLOptions struct {
	// Log, if not nil, receives the server's standard error as it comes
	// (its messages, and Verilator's). The last 8 KiB are kept for errors
	// in any case.
	Log io.Writer
	// Timeout bounds the wait for one answer (default 60 s). A read the
	// RTL holds (a window or OUT_BUF read while a command runs) is answered
	// when the command finishes.
	Timeout time.Duration
}

// RTLTarget is a driver.Target backed by the Verilated RTL in a child
// process. Its methods are safe for concurrent use. When the process fails
// (it exits, or does not answer within the timeout) the target records the
// error (Err), kills the process, closes Failed, and from then on reads
// return 0 and writes are dropped; it never blocks beyond the timeout.
type RTLTarget struct {
	model   *Model
	dir     string
	cmd     *exec.Cmd
	in, out *os.File
	stderr  *tailBuffer
	timeout time.Duration
	exited  chan struct{} // closed when the process has exited
	exitErr error         // the process's exit status, valid after exited

	mu      sync.Mutex // guards the pipes, pending, timer and the counts
	pending []byte     // requests not yet sent
	timer   *time.Timer
	reads   uint64
	writes  uint64

	errMu  sync.Mutex
	err    error
	failed chan struct{}
}

// StartRTL starts the model's bus server with the image's memories
// ($readmemh files written by WriteMemFiles into a temporary directory,
// removed by Close). The model must be built for the image's parameters.
func (m *Model) StartRTL(im *image.Image, opt RTLOptions) (*RTLTarget, error) {
	p, err := ParamsOf(im)
	if err != nil {
		return nil, err
	}
	if p != m.Params {
		return nil, fmt.Errorf("hdl: the model is built for %v, the image has %v", m.Params, p)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 60 * time.Second
	}
	dir, err := os.MkdirTemp("", "htmhw-rtl-*")
	if err != nil {
		return nil, fmt.Errorf("hdl: %w", err)
	}
	t := &RTLTarget{model: m, dir: dir, stderr: &tailBuffer{max: 8 << 10, tee: opt.Log}, timeout: opt.Timeout,
		exited: make(chan struct{}), failed: make(chan struct{})}
	if err := t.start(im); err != nil {
		t.kill()
		os.RemoveAll(dir)
		return nil, err
	}
	return t, nil
}

func (t *RTLTarget) start(im *image.Image) error {
	if err := WriteMemFiles(im, t.dir); err != nil {
		return err
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("hdl: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fmt.Errorf("hdl: %w", err)
	}
	t.in, t.out = inW, outR
	t.cmd = exec.Command(t.model.Bin, "+memdir="+t.dir, "--serve")
	t.cmd.Stdin, t.cmd.Stdout, t.cmd.Stderr = inR, outW, t.stderr
	err = t.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		close(t.exited)
		return fmt.Errorf("hdl: %s: %w", filepath.Base(t.model.Bin), err)
	}
	go func() {
		t.exitErr = t.cmd.Wait()
		close(t.exited)
		// An exit nobody asked for (no Close) is a failure even when no
		// request is waiting.
		t.setErr(t.exitError())
	}()
	var hello [8]byte
	if err := t.readFull(hello[:]); err != nil {
		return t.describe(err, "its hello")
	}
	if string(hello[:4]) != "HTMS" || binary.LittleEndian.Uint32(hello[4:]) != serveVersion {
		return fmt.Errorf("hdl: %s --serve: unexpected hello %q (want HTMS, version %d)", filepath.Base(t.model.Bin), hello[:], serveVersion)
	}
	return nil
}

// ReadWord implements driver.Target: it sends the buffered writes and the
// read and waits for the answer.
func (t *RTLTarget) ReadWord(addr uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Err() != nil {
		return 0
	}
	t.pending = binary.LittleEndian.AppendUint32(append(t.pending, 'R'), addr)
	if !t.flush() {
		return 0
	}
	var b [4]byte
	if err := t.readFull(b[:]); err != nil {
		t.fail(t.describe(err, fmt.Sprintf("a read of %#x", addr)))
		return 0
	}
	t.reads++
	return binary.LittleEndian.Uint32(b[:])
}

// WriteWord implements driver.Target: the write is buffered until the next
// read, or at most RTLWriteDelay.
func (t *RTLTarget) WriteWord(addr, v uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Err() != nil {
		return
	}
	first := len(t.pending) == 0
	t.pending = binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(append(t.pending, 'W'), addr), v)
	t.writes++
	switch {
	case len(t.pending) >= 32<<10:
		t.flush()
	case first && t.timer == nil:
		t.timer = time.AfterFunc(RTLWriteDelay, t.flushLater)
	case first:
		t.timer.Reset(RTLWriteDelay)
	}
}

func (t *RTLTarget) flushLater() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) > 0 && t.Err() == nil {
		t.flush()
	}
}

// flush sends the pending requests (t.mu held).
func (t *RTLTarget) flush() bool {
	if len(t.pending) == 0 {
		return true
	}
	_, err := t.in.Write(t.pending)
	t.pending = t.pending[:0]
	if err != nil {
		t.fail(t.describe(err, "a request"))
		return false
	}
	return true
}

// Cycles returns the clock cycles the RTL has simulated (bus cycles and
// the free-running clock of busy commands), 0 after a failure.
func (t *RTLTarget) Cycles() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Err() != nil {
		return 0
	}
	t.pending = append(t.pending, 'C')
	if !t.flush() {
		return 0
	}
	var b [8]byte
	if err := t.readFull(b[:]); err != nil {
		t.fail(t.describe(err, "the cycle count"))
		return 0
	}
	return binary.LittleEndian.Uint64(b[:])
}

// Accesses returns the word reads and writes served so far.
func (t *RTLTarget) Accesses() (reads, writes uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reads, t.writes
}

// Model returns the model the target runs.
func (t *RTLTarget) Model() *Model { return t.model }

// Err returns the failure that stopped the target (nil while it runs;
// ErrRTLClosed after Close).
func (t *RTLTarget) Err() error {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	return t.err
}

// Failed is closed when the target stops: its process failed, or Close.
func (t *RTLTarget) Failed() <-chan struct{} { return t.failed }

// Close kills the process and removes the memory files. It returns the
// failure that stopped the target before, if any.
func (t *RTLTarget) Close() error {
	t.errMu.Lock()
	prev := t.err
	t.errMu.Unlock()
	t.setErr(ErrRTLClosed)
	t.kill()
	t.mu.Lock()
	if t.timer != nil {
		t.timer.Stop()
	}
	t.mu.Unlock()
	os.RemoveAll(t.dir)
	return prev
}

func (t *RTLTarget) readFull(b []byte) error {
	if err := t.out.SetReadDeadline(time.Now().Add(t.timeout)); err != nil {
		return err
	}
	_, err := io.ReadFull(t.out, b)
	return err
}

// describe turns an I/O error on the pipes into the target's error.
func (t *RTLTarget) describe(err error, what string) error {
	if e := t.Err(); e != nil {
		return e
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("hdl: the RTL (%s --serve) did not answer %s within %v%s",
			filepath.Base(t.model.Bin), what, t.timeout, t.stderr.quote())
	}
	select {
	case <-t.exited:
	case <-time.After(2 * time.Second):
		return fmt.Errorf("hdl: the RTL (%s --serve), waiting for %s: %w%s", filepath.Base(t.model.Bin), what, err, t.stderr.quote())
	}
	return t.exitError()
}

// exitError describes the process's exit (after exited).
func (t *RTLTarget) exitError() error {
	status := "exit status 0"
	if t.exitErr != nil {
		status = t.exitErr.Error()
	}
	return fmt.Errorf("hdl: the RTL process (%s --serve) stopped: %s%s", filepath.Base(t.model.Bin), status, t.stderr.quote())
}

// fail records err as the target's error and kills the process.
func (t *RTLTarget) fail(err error) {
	t.setErr(err)
	t.kill()
}

func (t *RTLTarget) setErr(err error) {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	if t.err == nil {
		t.err = err
		close(t.failed)
	}
}

// kill ends the process and waits for it (at most 5 s).
func (t *RTLTarget) kill() {
	if t.cmd != nil && t.cmd.Process != nil {
		_ = t.cmd.Process.Kill()
		select {
		case <-t.exited:
		case <-time.After(5 * time.Second):
		}
	}
	if t.in != nil {
		t.in.Close()
	}
	if t.out != nil {
		t.out.Close()
	}
}

// tailBuffer keeps the last max bytes written to it, and copies them to
// tee.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
	tee io.Writer
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if len(w.b) > w.max {
		w.b = append(w.b[:0], w.b[len(w.b)-w.max:]...)
	}
	if w.tee != nil {
		_, _ = w.tee.Write(p)
	}
	return len(p), nil
}

// quote returns the kept output as the end of an error message.
func (w *tailBuffer) quote() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := strings.TrimSpace(string(w.b))
	if s == "" {
		return " (no output on standard error)"
	}
	return "; its standard error:\n" + s
}
