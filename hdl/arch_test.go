package hdl

import (
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
)

// TestGeneratedHeaders fails when the committed headers are not what
// package arch generates: run go generate ./hdl after changing arch.
func TestGeneratedHeaders(t *testing.T) {
	for _, c := range []struct {
		path string
		want []byte
	}{
		{"rtl3/htm_arch.vh", arch.VerilogHeader()},
		{"harness/htm_arch.h", arch.CHeader()},
	} {
		got, err := sources.ReadFile(c.path)
		require.NoError(t, err)
		if string(got) != string(c.want) {
			t.Errorf("%s is stale: run go generate ./hdl", c.path)
		}
	}
}

// TestNoHandWrittenContract: the RTL, its testbench and the harness name
// register addresses, the ID and the unlock value through the generated
// headers, never as literals.
func TestNoHandWrittenContract(t *testing.T) {
	var pats []string
	for _, r := range arch.Registers {
		pats = append(pats, fmt.Sprintf(`%d'h0*%x\b`, arch.AddrBits, r.Addr), fmt.Sprintf(`\b0x0*%x\b`, r.Addr))
		if r.Addr == 0 {
			pats = pats[:len(pats)-1] // 0x0 is too common a constant to forbid
		}
	}
	for _, v := range []uint32{arch.DeviceID, arch.MemUnlock} {
		pats = append(pats, fmt.Sprintf(`(?i)'h%x\b`, v), fmt.Sprintf(`(?i)\b0x%x`, v))
	}
	re := regexp.MustCompile(`(?i)` + strings.Join(pats, "|"))
	checked := 0
	for _, src := range []embed.FS{sources, sources3} {
		err := fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.Contains(path, "htm_arch.") {
				return err
			}
			// uartbone_tb tests the bridge on a plain RAM, not the
			// accelerator; the engines' testbenches drive no bus.
			if !(strings.HasSuffix(path, ".v") || strings.HasSuffix(path, ".cpp")) || strings.HasSuffix(path, "uartbone_tb.v") ||
				strings.HasPrefix(path, "rtl3/tb/") {
				return nil
			}
			b, err := src.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for i, line := range strings.Split(string(b), "\n") {
				code, _, _ := strings.Cut(line, "//")
				if m := re.FindString(code); m != "" {
					t.Errorf("%s:%d: %q written by hand (use htm_arch's name): %s", path, i+1, m, strings.TrimSpace(line))
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	assert.Greater(t, checked, 15)
}
