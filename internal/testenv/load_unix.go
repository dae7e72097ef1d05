//go:build unix

package testenv

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func lockLoad(t testing.TB, exclusive bool) {
	t.Helper()
	path := filepath.Join(os.TempDir(), loadLockName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("testenv: load lock: %v", err)
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		t.Fatalf("testenv: load lock %s: %v", path, err)
	}
	// Closing the file releases the lock.
	t.Cleanup(func() { f.Close() })
}
