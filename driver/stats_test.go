package driver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/etherbone"
	"github.com/htmhw/htmhw/driver/simbus"
	"github.com/htmhw/htmhw/driver/spi"
	"github.com/htmhw/htmhw/driver/uartbone"
	"github.com/htmhw/htmhw/driver/xdma"
)

// Every transport counts its traffic in the one link-statistics interface.
var (
	_ driver.LinkStatser = (*uartbone.Link)(nil)
	_ driver.LinkStatser = (*etherbone.Link)(nil)
	_ driver.LinkStatser = (*xdma.Link)(nil)
	_ driver.LinkStatser = (*spi.Link)(nil)
)

// countingBus is a bus that reports fixed link statistics.
type countingBus struct {
	*simbus.Bus
	ls driver.LinkStats
}

func (c *countingBus) LinkStats() driver.LinkStats { return c.ls }

// TestBoardStatsLinkBytes: Board.Stats reports the bytes of a bus that
// counts them (driver.LinkStatser), and 0 for one that does not.
func TestBoardStatsLinkBytes(t *testing.T) {
	for _, tc := range []struct {
		name           string
		bus            driver.Bus
		sent, received uint64
	}{
		{"LinkStatser", &countingBus{Bus: simbus.New(nil), ls: driver.LinkStats{BytesOut: 12, BytesIn: 34, Requests: 5}}, 12, 34},
		{"no statistics", simbus.New(nil), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := driver.NewBoard(tc.bus).Stats()
			assert.Equal(t, tc.sent, st.BytesSent)
			assert.Equal(t, tc.received, st.BytesRecv)
		})
	}
}
