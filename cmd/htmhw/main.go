// Command htmhw runs HTM regions of the htmhw golden model on time series,
// checks model files and writes traces.
//
// Usage:
//
//	htmhw run --model nab --data series.csv --out scores.csv
//	htmhw trace --engine int --model nab --data series.csv --out trace.csv
//	htmhw model check|list|show
//	htmhw version
//
// Run "htmhw help <command>" for the flags of each command.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a command as an interrupt does: it stops at the next
// row, removes its temporary files and keeps the outputs of an earlier run
// (SIGTERM is what service managers and kill send, SIGHUP what a closed
// terminal does).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "htmhw:", err)
		os.Exit(1)
	}
}
