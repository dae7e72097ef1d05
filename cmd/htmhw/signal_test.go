//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain runs main instead of the tests when HTMHW_RUN_MAIN is set, so
// that a test can run htmhw as a process and signal it.
func TestMain(m *testing.M) {
	if os.Getenv("HTMHW_RUN_MAIN") != "" {
		os.Args = append([]string{"htmhw"}, os.Args[1:]...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// bigSeries writes a series long enough that a run is still computing
// when the test signals it (minutes of rows; the run is stopped long
// before).
func bigSeries(t *testing.T, dir string, rows int) string {
	var b bytes.Buffer
	b.WriteString("timestamp,value\n")
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%s,%d\n", t0.Add(time.Duration(i)*time.Minute).Format(timeLayout), i%97)
	}
	return writeFile(t, dir, "big.csv", b.String())
}

// SIGINT, SIGTERM and SIGHUP stop a run alike: status 1, an error naming
// the rows done, the earlier outputs as they were and no temporary files,
// on the golden model and on the simulator board.
func TestSignalsStopARunCleanly(t *testing.T) {
	dir := t.TempDir()
	data := bigSeries(t, dir, 300_000)
	img := filepath.Join(dir, "r.img")
	_, _, err := execute(t, "compile", "--model", "small", "--range", "0,100", "-o", img)
	require.NoError(t, err)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		for _, mode := range [][]string{{"--model", "small"}, {"--image", img}} {
			t.Run(fmt.Sprintf("%v %s", sig, mode[0]), func(t *testing.T) {
				work := t.TempDir()
				out := writeFile(t, work, "out.csv", "old scores\n")
				plot := writeFile(t, work, "p.svg", "old plot\n")
				args := append([]string{"run", "--data", data, "--out", out, "--plot", plot}, mode...)
				cmd := exec.Command(os.Args[0], args...)
				cmd.Env = append(os.Environ(), "HTMHW_RUN_MAIN=1")
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				require.NoError(t, cmd.Start())
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				// The run has started when its temporary outputs exist.
				for len(tempFiles(t, work)) < 2 {
					select {
					case err := <-done:
						t.Fatalf("the run ended before it was signalled: %v; stderr: %s", err, stderr.String())
					case <-time.After(5 * time.Millisecond):
					}
				}
				require.NoError(t, cmd.Process.Signal(sig))
				err := <-done
				var ee *exec.ExitError
				require.True(t, errors.As(err, &ee), "the run ended with %v; stderr: %s", err, stderr.String())
				assert.Equal(t, 1, ee.ExitCode(), stderr.String())
				assert.Contains(t, stderr.String(), "interrupted") // while loading the board, or after some rows
				assert.NotContains(t, stderr.String(), "--resume")
				assert.Empty(t, tempFiles(t, work), "temporary files left behind")
				for path, want := range map[string]string{out: "old scores\n", plot: "old plot\n"} {
					got, err := os.ReadFile(path)
					require.NoError(t, err)
					assert.Equal(t, want, string(got), "%s was replaced", path)
				}
			})
		}
	}
}

// tempFiles returns the names of the temporary files in dir.
func tempFiles(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var tmp []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			tmp = append(tmp, e.Name())
		}
	}
	return tmp
}
