package emulator

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/htmhw/htmhw/internal/testenv"
)

// saturate keeps every core busy until stop is called or most has
// passed: two processes per core that spin (this test binary, run as
// TestSpin), as other work on a loaded host, and as many goroutines in
// this process. Both stop by themselves after most: a test that fails
// cannot leave them running.
func saturate(t *testing.T, most time.Duration) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), most)
	var procs []*exec.Cmd
	for range 2 * runtime.NumCPU() {
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestSpin$")
		cmd.Env = append(os.Environ(), spinEnv+"="+most.String())
		if err := cmd.Start(); err != nil {
			t.Fatalf("saturate: %v", err)
		}
		procs = append(procs, cmd)
	}
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spin(ctx)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
		for _, p := range procs {
			_ = p.Wait()
		}
	}
}

// spinEnv makes TestSpin spin for its value's duration.
const spinEnv = "HTMHW_TEST_SPIN"

// TestSpin is the busy process of saturate: it spins for $HTMHW_TEST_SPIN
// (without it, it returns at once).
func TestSpin(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv(spinEnv))
	if err != nil {
		t.Skip("a busy process for saturate")
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	spin(ctx)
}

// spin computes until ctx is done.
func spin(ctx context.Context) {
	x := uint64(1)
	for ctx.Err() == nil {
		for range 1 << 16 {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink.Add(x)
}

// sink keeps the spinning arithmetic from being optimised away.
var sink atomic.Uint64

var busySteps = flag.Int("busysteps", 20, "steps of TestE2EBusyLossyPTY (issue 14 ran 300: -busysteps 300 -timeout 60m)")

// TestE2EBusyLossyPTY is issue 14's reproducer: a run through the emulated
// pty with seed 3, 1% of the bytes dropped and 1% flipped in each direction,
// the small preset on realTraffic/speed_7578.csv, with the board's default
// options and the emulator's URI (as htmhw run --board takes it), while
// every core is kept busy: every step exactly once, every output the golden
// model's.
func TestE2EBusyLossyPTY(t *testing.T) {
	if testing.Short() {
		t.Skip("a long run through a lossy link on a saturated machine")
	}
	im, old, rows := e2eRegion(t, "small", "speed_7578.csv")
	rows = rows[:min(len(rows), 300)]
	faults := Faults{Seed: 3, Drop: 0.01, Flip: 0.01}
	// Not beside the transports' tests, whose short timeouts the
	// saturation would break (go test runs packages side by side).
	testenv.Saturating(t)
	stop := saturate(t, 15*time.Minute)
	defer stop()
	r := runE2E(t, im, old, rows, *busySteps, EmulatorConfig{Listen: "pty"}, "", func(e *Emulator) { e.SetFaults(faults) })
	stop()
	r.log(t, "uartbone/pty, busy, seed 3, 1% drop + 1% flip")
}
