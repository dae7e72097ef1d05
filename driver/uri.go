package driver

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Opener opens the bus a board URI names.
type Opener func(u *url.URL) (Bus, error)

var (
	mu      sync.Mutex
	openers = map[string]Opener{}
)

// Register makes a URI scheme ("serial", "tcp", "xdma", "spi", "sim")
// known to OpenBus. It panics if the scheme is registered twice.
func Register(scheme string, open Opener) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("driver: scheme " + scheme + " registered twice")
	}
	openers[scheme] = open
}

// Schemes returns the registered URI schemes, sorted.
func Schemes() []string {
	mu.Lock()
	defer mu.Unlock()
	s := make([]string, 0, len(openers))
	for k := range openers {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// OpenBus opens the bus of a board URI: serial:///dev/ttyUSB1?baud=3000000,
// tcp://localhost:1234, xdma:///dev/xdma0, spi://..., sim://.
func OpenBus(uri string) (Bus, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("driver: board %q: %w", uri, err)
	}
	mu.Lock()
	open, ok := openers[u.Scheme]
	mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("driver: board %q: unknown scheme %q (have %s)", uri, u.Scheme, strings.Join(Schemes(), ", "))
	}
	b, err := open(u)
	if err != nil {
		return nil, fmt.Errorf("driver: board %q: %w", uri, err)
	}
	return b, nil
}
