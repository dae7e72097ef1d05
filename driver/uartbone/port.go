package uartbone

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tarm/serial"
	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/htmhw/htmhw/driver"
)

func init() { driver.Register("serial", openSerial) }

// openSerial opens serial:///dev/ttyUSB1?baud=3000000 (docs/DRIVER.md):
//
//	baud     line rate (default 115200; 0: no rate, an unpaced pty)
//	timeout  reply slack beyond the line time (default 50ms)
//	frame    the bridge's frame timeout (default 100ms, LiteX's)
//	burst    most words per frame (default 255)
//	io       auto, tarm or file (default auto: file for a pty, tarm otherwise)
//	pipeline 1: the board buffers requests while it answers, so read
//	         requests may be sent back to back (default 0: LiteX's
//	         UARTBone, which loses bytes that arrive while it answers)
//
// With io=tarm the port is opened by github.com/tarm/serial (a fixed list
// of rates; read timeouts in steps of 100 ms). With io=file it is opened
// as a pollable file in raw mode, with read deadlines: the choice for a
// pty (an emulated board), which has no rate of its own. A parameter given
// twice takes its last value.
func openSerial(u *url.URL) (driver.Bus, error) {
	path := u.Path
	if path == "" {
		path = u.Opaque
	}
	if u.Host != "" {
		return nil, fmt.Errorf("serial: want serial:///dev/NAME (three slashes), not host %q", u.Host)
	}
	if path == "" {
		return nil, errors.New("serial: no device path")
	}
	q := u.Query()
	cfg := Config{Baud: 115200}
	var err error
	if v := last(q, "baud"); v != "" {
		if cfg.Baud, err = strconv.Atoi(v); err != nil || cfg.Baud < 0 {
			return nil, fmt.Errorf("serial: baud %q", v)
		}
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{"timeout", &cfg.Timeout}, {"frame", &cfg.FrameTimeout}} {
		if v := last(q, d.key); v != "" {
			if *d.dst, err = time.ParseDuration(v); err != nil || *d.dst <= 0 {
				return nil, fmt.Errorf("serial: %s %q: want a duration such as 20ms", d.key, v)
			}
		}
	}
	if v := last(q, "burst"); v != "" {
		if cfg.MaxBurst, err = strconv.Atoi(v); err != nil || cfg.MaxBurst < 1 || cfg.MaxBurst > 255 {
			return nil, fmt.Errorf("serial: burst %q: want 1 to 255", v)
		}
	}
	switch v := last(q, "pipeline"); v {
	case "", "0", "false", "off":
	case "1", "true", "on":
		cfg.Pipeline = true
	default:
		return nil, fmt.Errorf("serial: pipeline %q: want 1 or 0", v)
	}
	mode := last(q, "io")
	switch mode {
	case "", "auto":
		mode = "tarm"
		if isPTY(path) {
			mode = "file"
		}
	case "tarm", "file":
	default:
		return nil, fmt.Errorf("serial: io %q: want auto, tarm or file", mode)
	}
	if mode == "tarm" && cfg.Baud == 0 {
		return nil, errors.New("serial: baud=0 (no line rate) is for a pty opened with io=file")
	}
	if mode == "file" {
		f, err := OpenRawFile(path)
		if err != nil {
			return nil, fmt.Errorf("serial: %w", err)
		}
		return New(f, cfg), nil
	}
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: cfg.Baud, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		return nil, fmt.Errorf("serial: %s at %d baud: %w", path, cfg.Baud, err)
	}
	// A second descriptor of the same terminal flushes its input queue:
	// tarm/serial's Flush would drop unsent output too, and it does not
	// expose its descriptor.
	ctl, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("serial: %w", err)
	}
	return New(&tarmPort{Port: p, ctl: ctl}, cfg), nil
}

// last returns the last value of a URI parameter, so that a parameter
// appended to a URI (an emulator's, say) overrides the URI's own.
func last(q url.Values, key string) string {
	if v := q[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// isPTY reports whether path (after symbolic links) is a pseudo-terminal
// slave.
func isPTY(path string) bool {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	}
	return strings.HasPrefix(path, "/dev/pts/")
}

// OpenRawFile opens a terminal device (a pty slave, a tty) read-write as
// a pollable file, so that it has read deadlines, and puts it in raw
// mode.
func OpenRawFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	if err := makeRaw(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: raw mode: %w", path, err)
	}
	return f, nil
}

// makeRaw puts a terminal in raw mode without making its file blocking
// (f.Fd() would).
func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var rerr error
	if err := rc.Control(func(fd uintptr) { _, rerr = term.MakeRaw(int(fd)) }); err != nil {
		return err
	}
	return rerr
}

// filePort is a pollable file with a non-blocking Discard.
type filePort struct{ *os.File }

// Discard reads and drops what is waiting.
func (f *filePort) Discard() (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	total := 0
	var buf [1024]byte
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf[:])
			return true // never wait
		}); err != nil {
			return total, err
		}
		if n <= 0 || rerr != nil {
			return total, nil
		}
		total += n
	}
}

// tarmPort is a tarm/serial port; Discard flushes its input queue
// (tcflush(TCIFLUSH)) through a second descriptor.
type tarmPort struct {
	*serial.Port
	ctl *os.File
}

func (p *tarmPort) Discard() (int, error) {
	rc, err := p.ctl.SyscallConn()
	if err != nil {
		return -1, err
	}
	var ierr error
	if err := rc.Control(func(fd uintptr) { ierr = unix.IoctlSetInt(int(fd), unix.TCFLSH, unix.TCIFLUSH) }); err != nil {
		return -1, err
	}
	return -1, ierr
}

func (p *tarmPort) Close() error { return errors.Join(p.Port.Close(), p.ctl.Close()) }
