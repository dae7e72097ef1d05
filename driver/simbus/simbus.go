// Package simbus is the in-process board: it registers the "sim://"
// scheme, a driver.Bus to a sim.Device (the cycle-level simulator) in this
// process. It is a package of its own so that a program that talks to a
// real board does not link the simulator.
//
// A device exists only for an image (it is the accelerator built for that
// image's configuration, with the image in its memories at power-on), so
// "sim://" starts without one and makes it on the first Board.Load, which
// calls the bus's Provision (see driver.Provisioner) before writing the memories
// through the window as on any board. Until then every read and write
// fails with ErrNoDevice. A later Load of an image of the same
// configuration and architecture goes through the memory window of the
// same device; an image of another configuration powers on a new device,
// as flashing a new bitstream would.
//
// Query parameters:
//
//	sim://?image=region.img   power the device on with this image file now
//	sim://?burst=16           MaxBurst (default 255, as UARTBone)
package simbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/image"
	"github.com/htmhw/htmhw/sim"
)

func init() {
	driver.Register("sim", open)
}

// ErrNoDevice is returned by a sim:// bus before an image is loaded.
var ErrNoDevice = errors.New("sim: no device yet: sim:// makes its device from the first image loaded (Board.Load)")

// Bus is a driver.Bus over a sim.Device in this process. Bursts are
// sequences of the device's single-word cycles; it never loses a word.
type Bus struct {
	mu       sync.Mutex
	dev      *sim.Device
	maxBurst int
	closed   bool
}

// New returns a bus over a device; dev may be nil, and is then made by
// the first Provision.
func New(dev *sim.Device) *Bus { return &Bus{dev: dev, maxBurst: 255} }

func open(u *url.URL) (driver.Bus, error) {
	b := New(nil)
	q := u.Query()
	for k := range q {
		if k != "image" && k != "burst" {
			return nil, fmt.Errorf("sim: unknown parameter %q (have image, burst)", k)
		}
	}
	if s := q.Get("burst"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("sim: burst %q: want a positive number", s)
		}
		b.maxBurst = n
	}
	if path := q.Get("image"); path != "" {
		im, err := image.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if b.dev, err = sim.NewDevice(im); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// Device returns the device, or nil before the first Provision.
func (b *Bus) Device() *sim.Device {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dev
}

// Provision powers a device on with the image unless the present one is
// built for the image's configuration and architecture.
func (b *Bus) Provision(im *image.Image) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dev != nil && b.dev.Accepts(im) {
		return nil
	}
	d, err := sim.NewDevice(im)
	if err != nil {
		return err
	}
	b.dev = d
	return nil
}

func (b *Bus) device(n int) (*sim.Device, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return nil, errors.New("sim: bus closed")
	case b.dev == nil:
		return nil, ErrNoDevice
	case n > b.maxBurst:
		return nil, fmt.Errorf("sim: burst of %d words exceeds %d", n, b.maxBurst)
	}
	return b.dev, nil
}

// Read implements driver.Bus.
func (b *Bus) Read(ctx context.Context, addr uint32, dst []uint32, incr bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := b.device(len(dst))
	if err != nil {
		return err
	}
	for i := range dst {
		a := addr
		if incr {
			a += uint32(i)
		}
		dst[i] = d.ReadWord(a)
	}
	return nil
}

// Write implements driver.Bus.
func (b *Bus) Write(ctx context.Context, addr uint32, src []uint32, incr bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := b.device(len(src))
	if err != nil {
		return err
	}
	for i, v := range src {
		a := addr
		if incr {
			a += uint32(i)
		}
		d.WriteWord(a, v)
	}
	return nil
}

// MaxBurst implements driver.Bus.
func (b *Bus) MaxBurst() int { return b.maxBurst }

// Close implements driver.Bus.
func (b *Bus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}
