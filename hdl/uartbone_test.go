package hdl

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUARTBone runs tb/uartbone_tb.v in Icarus: serial bytes into
// uart_rx → uartbone → uart_tx with the bridge on a Wishbone RAM with wait
// states, checking LiteX's UARTBone behaviour (docs/DRIVER.md): incrementing
// and fixed-address writes and reads, truncated frames abandoned after the
// frame timeout, unknown commands (length and address read, no answer, no
// bus cycle), len 0 running until the timeout.
func TestUARTBone(t *testing.T) {
	needTool(t, "iverilog")
	needTool(t, "vvp")
	dir := t.TempDir()
	_, err := WriteSources(dir)
	require.NoError(t, err)
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", name, out)
		return string(out)
	}
	run("iverilog", "-g2005", "-o", "ub.vvp", "-s", "uartbone_tb", filepath.Join(dir, "tb", "uartbone_tb.v"),
		filepath.Join(dir, "rtl", "uart_rx.v"), filepath.Join(dir, "rtl", "uart_tx.v"), filepath.Join(dir, "rtl", "uartbone.v"))
	out := run("vvp", "-n", "ub.vvp")
	t.Logf("Icarus:\n%s", strings.TrimSpace(out))
	require.NotContains(t, out, "FAIL")
	require.Contains(t, out, "DONE 0\n")
	require.Equal(t, 5, strings.Count(out, "ok "), "checks run")
}

// TestUARTBoneLint: the iCEBreaker top is clean under verilator
// --lint-only -Wall, with the register file (ACCEL=0) and with the
// accelerator (ACCEL=1).
func TestUARTBoneLint(t *testing.T) {
	needTool(t, "verilator")
	dir := t.TempDir()
	vs, err := WriteSources(dir)
	require.NoError(t, err)
	for _, accel := range []string{"0", "1"} {
		args := append([]string{"--lint-only", "-Wall", "-DSIM", "-I" + IncludeDir(dir), "--top-module", "icebreaker_top", "-GACCEL=" + accel,
			filepath.Join(dir, "rtl", "lint.vlt")}, vs...)
		out, err := exec.Command("verilator", args...).CombinedOutput()
		require.NoError(t, err, "ACCEL=%s: %s", accel, out)
		require.Empty(t, strings.TrimSpace(string(out)), "lint of icebreaker_top ACCEL=%s", accel)
	}
}
