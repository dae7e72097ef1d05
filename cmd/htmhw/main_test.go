package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test data, relative to this package.
const (
	speedCSV = "../../testdata/nab/speed_7578.csv"
	dailyCSV = "../../testdata/nab/art_daily_jumpsup.csv"
)

// execute runs htmhw in-process with args and returns what it wrote to
// standard output and standard error.
func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// readLines returns the lines of a file, without the final newline.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(string(data), "\n"), "%s does not end in a newline", path)
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestVersion(t *testing.T) {
	out, _, err := execute(t, "version")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "htmhw "), "version output %q", out)
	assert.Contains(t, out, "snapshot format v1")
	assert.Contains(t, out, "(go1.")

	flag, _, err := execute(t, "--version")
	require.NoError(t, err)
	assert.Equal(t, out, flag, "--version and version differ")
}

func TestVersionFromLdflags(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3"
	assert.True(t, strings.HasPrefix(versionString(), "htmhw v1.2.3 ("), versionString())
}

func TestUsageErrorShowsUsage(t *testing.T) {
	// Cobra prints the usage with OutOrStderr: on the output set by SetOut.
	stdout, stderr, err := execute(t, "run", "--no-such-flag")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown flag: --no-such-flag")
	assert.Contains(t, stdout+stderr, "Usage:")

	stdout, stderr, err = execute(t, "run", "--model", "hello", "--out", "-")
	require.Error(t, err)
	assert.Equal(t, `required flag(s) "data" not set`, err.Error())
	assert.Contains(t, stdout+stderr, "Usage:")

	stdout, stderr, err = execute(t, "model", "check")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "accepts 1 arg(s), received 0")
	assert.Contains(t, stdout+stderr, "Usage:")
}

func TestRuntimeErrorHasNoUsage(t *testing.T) {
	stdout, stderr, err := execute(t, "run", "--model", "hello", "--data", filepath.Join(t.TempDir(), "none.csv"), "--out", "-")
	require.Error(t, err)
	assert.NotContains(t, stdout+stderr, "Usage:")
	assert.NotContains(t, err.Error(), "\n", "error is not one line")
}
