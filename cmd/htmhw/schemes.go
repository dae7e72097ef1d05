package main

// The board URI schemes htmhw opens (--board): every transport registers
// its own when imported.
import (
	_ "github.com/htmhw/htmhw/driver/etherbone"
	_ "github.com/htmhw/htmhw/driver/simbus"
	_ "github.com/htmhw/htmhw/driver/spi"
	_ "github.com/htmhw/htmhw/driver/uartbone"
	_ "github.com/htmhw/htmhw/driver/xdma"
)
