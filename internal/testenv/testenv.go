// Package testenv says what a test may assume of the machine it runs on,
// as the standard library's internal/testenv does: a test that needs a
// tool skips without it, except under CI (CI=true), which must install
// every tool the tests use, so there a missing tool fails the test.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run under continuous integration (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// NeedTool skips the test if the program name is not on PATH, or fails it
// under CI.
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if CI() {
			t.Fatalf("%s is not installed (CI must install it)", name)
		}
		t.Skipf("%s is not installed", name)
	}
}
