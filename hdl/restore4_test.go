package hdl

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/sim"
)

// TestAccel3RestoreBadList loads lists that are not RESTORE's used list
// (contract version 4: sim.Device refuses them with BAD_STATE; the host
// must not write them) into the RTL: a repeated segment (which linked as
// it stands would make a cycle that the column engine's LRU walk, ending
// at the self-linked oldest, would not leave) and the list reversed.
// RESTORE and the steps after it must finish (the harness dies on a
// command that does not), whatever state they compute.
func TestAccel3RestoreBadList(t *testing.T) {
	needTool(t, "verilator")
	c := accel3Cases[0]
	n := 120
	im, inputs := compileSeries(t, c.preset, c.file, n, c.edit)
	r := newAccel3Run(t, im)
	s, err := sim.New(im)
	require.NoError(t, err)
	for _, in := range inputs[:n/2] {
		_, err := s.Step(in, true)
		require.NoError(t, err)
	}
	snap := s.Image()
	good, err := snap.WithUsedList()
	require.NoError(t, err)
	fc := int(snap.Section("regs").Words[arch.RegsFreeCount])
	used := len(good.Section("tm.free").Words) - fc
	require.Greater(t, used, 4, "used segments after %d steps", n/2)
	for _, tc := range []struct {
		name string
		edit func(f []uint64)
	}{
		{"repeated", func(f []uint64) { f[fc+2], f[fc+3] = f[fc], f[fc+1] }},
		{"reversed", func(f []uint64) {
			for i, j := fc, len(f)-1; i < j; i, j = i+1, j-1 {
				f[i], f[j] = f[j], f[i]
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := snap.WithUsedList()
			require.NoError(t, err)
			tc.edit(bad.Section("tm.free").Words)
			_, err = bad.TakeUsedList(true)
			require.Error(t, err, "the simulator refuses the list")
			dir := filepath.Join(t.TempDir(), "load")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			_, err = bad.WriteMemFiles(dir, []string{"readmemh"})
			require.NoError(t, err)
			res, err := r.m.Run(context.Background(), r.im, r.dir, accel3Steps(inputs[n/2:], 0, n/2),
				RunOptions{LoadDir: dir, KeepList: true})
			require.NoError(t, err)
			require.Len(t, res.Regs, n-n/2)
			t.Logf("%d used segments, list %s: RESTORE and %d steps finished", used, tc.name, len(res.Regs))
		})
	}
}
