package hdl

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUARTBone runs rtl3/tb/uartbone_tb.v in Icarus: serial bytes into
// uart_rx → uartbone → uart_tx with the bridge on a Wishbone RAM with wait
// states, checking LiteX's UARTBone behaviour (docs/DRIVER.md): incrementing
// and fixed-address writes and reads, truncated frames abandoned after the
// frame timeout, unknown commands (length and address read, no answer, no
// bus cycle), len 0 running until the timeout.
func TestUARTBone(t *testing.T) {
	needTool(t, "iverilog")
	needTool(t, "vvp")
	dir := t.TempDir()
	_, err := writeSources3(dir)
	require.NoError(t, err)
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", name, out)
		return string(out)
	}
	rtl3 := filepath.Join(dir, "rtl3")
	srcs := []string{filepath.Join(rtl3, "tb", "uartbone_tb.v"), filepath.Join(rtl3, "uart_rx.v"),
		filepath.Join(rtl3, "uart_tx.v"), filepath.Join(rtl3, "uartbone.v")}
	// The bitstream's build (ICE40) has the address and the word count as
	// hand-placed SB_LUT4 and SB_CARRY cells: the same checks on those,
	// with Yosys's models of the cells.
	type variant struct {
		name string
		args []string // iverilog's, before the sources
	}
	variants := []variant{{"RTL", []string{"-g2005"}}}
	if cells, err := GateCellsSim(); err == nil {
		// (-g2012 and no default assignments: as Icarus reads cells_sim.v)
		variants = append(variants, variant{"ICE40 cells", []string{"-g2012", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", "-DICE40", cells}})
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("the ICE40 variant needs Yosys's cells: %v", err)
	} else {
		t.Logf("SKIPPED the ICE40 variant: %v", err)
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			args := append([]string{"-o", "ub.vvp", "-s", "uartbone_tb"}, v.args...)
			run("iverilog", append(args, srcs...)...)
			out := run("vvp", "-n", "ub.vvp")
			t.Logf("Icarus:\n%s", strings.TrimSpace(out))
			require.NotContains(t, out, "FAIL")
			require.Contains(t, out, "DONE 0\n")
			require.Equal(t, 5, strings.Count(out, "ok "), "checks run")
		})
	}
}

// TestUARTBoneLint: the iCEBreaker's board top (rtl3/icebreaker3_top.v) is
// clean under verilator --lint-only -Wall, under SIM and without, with the
// register file (ACCEL=0) and with the accelerator (ACCEL=1).
func TestUARTBoneLint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := boardSources(dir)
	require.NoError(t, err)
	for _, accel := range []string{"0", "1"} {
		for _, def := range [][]string{{"-DSIM"}, nil} {
			args := append([]string{"--lint-only", "-Wall", "-I" + IncludeDir(dir), "--top-module", "icebreaker3_top", "-GACCEL=" + accel}, def...)
			out, err := exec.Command("verilator", append(args, vs...)...).CombinedOutput()
			require.NoError(t, err, "ACCEL=%s %v: %s", accel, def, out)
			require.Empty(t, strings.TrimSpace(string(out)), "lint of icebreaker3_top ACCEL=%s %v", accel, def)
		}
	}
}
