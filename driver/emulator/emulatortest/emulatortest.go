// Package emulatortest starts emulators for the tests of the packages the
// emulator serves (driver/uartbone, driver/etherbone), which cannot share
// a helper through driver/drivertest: their internal tests import
// drivertest, and the emulator imports them.
package emulatortest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/driver"
	"github.com/htmhw/htmhw/driver/emulator"
	"github.com/htmhw/htmhw/internal/testenv"
)

// Start starts an emulator of tg and stops it at the end of the test,
// which must not run beside a test that saturates the machine.
func Start(t testing.TB, tg driver.Target, cfg emulator.EmulatorConfig) *emulator.Emulator {
	t.Helper()
	testenv.Responsive(t)
	e, err := emulator.StartEmulator(context.Background(), tg, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	return e
}
