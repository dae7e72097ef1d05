//go:build unix

package testenv

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestLoadLocks: Responsive tests share the lock and keep an exclusive
// (Saturating) lock out until they end.
func TestLoadLocks(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	tryExclusive := func() error {
		f, err := os.OpenFile(filepath.Join(os.TempDir(), loadLockName), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	t.Run("responsive", func(t *testing.T) {
		Responsive(t)
		Responsive(t) // shared: does not wait for the first
		if err := tryExclusive(); !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("an exclusive lock beside Responsive: %v, want EWOULDBLOCK", err)
		}
	})
	if err := tryExclusive(); err != nil {
		t.Errorf("after the Responsive test ended: %v", err)
	}
	t.Run("saturating", func(t *testing.T) {
		Saturating(t)
		if err := tryExclusive(); !errors.Is(err, syscall.EWOULDBLOCK) {
			t.Errorf("an exclusive lock beside Saturating: %v, want EWOULDBLOCK", err)
		}
	})
}
