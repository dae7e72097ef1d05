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
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "htmhw:", err)
		os.Exit(1)
	}
}
