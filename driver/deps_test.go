package driver_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/htmhw/htmhw/internal/testenv"
)

// TestRealBoardDoesNotLinkSim: a program that talks to a real board links
// the driver and its transports, but not the simulator, which only
// sim:// (package simbus) needs.
func TestRealBoardDoesNotLinkSim(t *testing.T) {
	testenv.NeedTool(t, "go")
	for _, pkg := range []string{"driver", "driver/uartbone", "driver/etherbone", "driver/xdma", "driver/spi", "driver/emulator", "driver/drivertest"} {
		t.Run(pkg, func(t *testing.T) {
			deps := goListDeps(t, "github.com/htmhw/htmhw/"+pkg)
			if slices.Contains(deps, "github.com/htmhw/htmhw/sim") {
				t.Errorf("%s imports github.com/htmhw/htmhw/sim", pkg)
			}
		})
	}
	// The check sees imports: simbus does link the simulator.
	if !slices.Contains(goListDeps(t, "github.com/htmhw/htmhw/driver/simbus"), "github.com/htmhw/htmhw/sim") {
		t.Error("go list -deps does not show driver/simbus importing sim")
	}
}

func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
