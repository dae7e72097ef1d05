package testenv

import "testing"

// A test that saturates the machine on purpose (a loaded host's
// reproducer) and tests whose short timeouts need a responsive machine
// must not overlap, and `go test ./...` runs packages' test binaries side
// by side. Saturating and Responsive exclude each other across processes
// with a lock file in the temporary directory, until the test ends:
// Saturating holds it alone, Responsive shares it with other Responsive
// tests. Where file locks are not available they do nothing.

// Saturating waits until no Responsive test runs, and keeps them waiting
// until t ends.
func Saturating(t testing.TB) { lockLoad(t, true) }

// Responsive waits until no Saturating test runs, and keeps them waiting
// until t ends.
func Responsive(t testing.TB) { lockLoad(t, false) }

// loadLockName is the lock file's name in os.TempDir.
const loadLockName = "htmhw-test-load.lock"
