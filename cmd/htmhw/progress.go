package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/term"
)

// progress draws a progress bar on a terminal: rows done of the total,
// the rate and the time left, redrawn at most ten times a second.
type progress struct {
	w            io.Writer
	total        int
	unit         string // what is counted: "rows" (newProgress)
	start, drawn time.Time
}

// newProgress returns a progress bar on w, or nil (which draws nothing)
// when w is not a terminal.
func newProgress(w io.Writer, total int) *progress {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progress{w: w, total: total, unit: "rows", start: time.Now()}
}

// update redraws the bar for done units, if the last drawing is old enough.
func (p *progress) update(done int) {
	if p == nil {
		return
	}
	now := time.Now()
	if now.Sub(p.drawn) < 100*time.Millisecond {
		return
	}
	p.drawn = now
	fmt.Fprint(p.w, "\r"+progressLine(done, p.total, p.unit, now.Sub(p.start))+"\x1b[K")
}

// finish erases the bar.
func (p *progress) finish() {
	if p != nil {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}

// progressLine returns the text of the bar for done of total units after
// elapsed time.
func progressLine(done, total int, unit string, elapsed time.Duration) string {
	const width = 30
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fill := int(frac * width)
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", width-fill)
	line := fmt.Sprintf("%*d/%d %3.0f%% [%s]", len(fmt.Sprint(total)), done, total, 100*frac, bar)
	if secs := elapsed.Seconds(); elapsed >= time.Second && done > 0 {
		rate := float64(done) / secs
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		line += fmt.Sprintf(" %.0f %s/s, ETA %v", rate, unit, left.Round(time.Second))
	}
	return line
}
