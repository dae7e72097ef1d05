package hdl

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
	"github.com/htmhw/htmhw/sim"
)

// restoreWalk links list (tm.free's entries above FREE_COUNT, oldest
// first) as htm3_tm's RESTORE does, newest first: each entry's prev is the
// entry before it, the oldest entry's prev itself, the newest the tail; an
// empty list leaves a tail (whatever segment htm3_tm's register holds)
// linked to itself. It returns the segments the walk from the tail along prev visits
// before it reaches a segment linked to itself (that one included): the
// dendrite pass's walk. ok is false if the walk does not end within
// len(list) + 1 segments.
func restoreWalk(list []uint64) (walked int, ok bool) {
	prev := map[uint64]uint64{}
	var x, tail uint64
	for i := len(list) - 1; i >= 0; i-- {
		z := x
		x = list[i]
		if i == len(list)-1 {
			tail = x
		} else {
			prev[z] = x
		}
	}
	prev[x] = x
	s := tail
	for walked = 1; walked <= len(list)+1; walked++ {
		p, linked := prev[s]
		if !linked {
			return walked, false
		}
		if p == s {
			return walked, true
		}
		s = p
	}
	return walked, false
}

func TestRestoreWalk(t *testing.T) {
	for _, tc := range []struct {
		name   string
		list   []uint64
		walked int
	}{
		{"empty", nil, 1},
		{"one", []uint64{7}, 1},
		{"distinct", []uint64{3, 1, 2}, 3},
		{"repeated pair", []uint64{1, 2, 1, 2, 5, 6}, 4},
		{"all the same", []uint64{4, 4, 4}, 1},
		{"a later repeat", []uint64{1, 2, 3, 2, 4}, 3},
		{"a cycle if linked oldest first", []uint64{1, 2, 1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, ok := restoreWalk(tc.list)
			require.True(t, ok)
			require.Equal(t, tc.walked, w)
		})
	}
}

// TestAccel3RestoreBadList loads lists that are not RESTORE's used list
// (contract version 4: sim.Device refuses them with BAD_STATE; the host
// must not write them) into the RTL, which checks nothing: a repeated pair
// of segments and the list reversed. RESTORE
// must finish whatever the entries hold, with the cycles of its formula
// (4 a list entry) and a dendrite pass over the segments the walk from the
// tail visits (restoreWalk: linking newest first, that walk always ends,
// at the oldest entry). The reversed list is a permutation of the used
// segments, so its chain is a consistent list of all of them and the 60
// steps after it must finish too; after the repeated pair the segments
// left out keep stale links and the steps are not run (a later destroy or
// pop may corrupt the chain, as a free stack naming a used segment could;
// ARCHITECTURE.md 3.3). (FREE_COUNT beyond S, which RESTORE's loop takes
// as an empty list, stops the SIM build at htm3_dendrite's assertion.)
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
	p := r.p.sim3()
	for _, tc := range []struct {
		name  string
		edit  func(f []uint64)
		steps int
	}{
		{"repeated", func(f []uint64) { f[fc+2], f[fc+3] = f[fc], f[fc+1] }, 0},
		{"reversed", func(f []uint64) {
			for i, j := fc, len(f)-1; i < j; i, j = i+1, j-1 {
				f[i], f[j] = f[j], f[i]
			}
		}, n - n/2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, err := snap.WithUsedList()
			require.NoError(t, err)
			tc.edit(bad.Section("tm.free").Words)
			_, err = bad.TakeUsedList(true)
			require.Error(t, err, "the simulator refuses the list")
			list := bad.Section("tm.free").Words[fc:]
			walked, ok := restoreWalk(list)
			require.True(t, ok, "the walk from the tail ends")
			want := sim.Accel3RestoreCycles(p, len(list)) - uint64(sim.Dend3Cycles(len(list), p.M)) + uint64(sim.Dend3Cycles(walked, p.M))
			dir := filepath.Join(t.TempDir(), "load")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			_, err = bad.WriteMemFiles(dir, []string{"readmemh"})
			require.NoError(t, err)
			res, err := r.m.Run(context.Background(), r.im, r.dir, accel3Steps(inputs[n/2:n/2+tc.steps], 0, n/2),
				RunOptions{LoadDir: dir, KeepList: true})
			require.NoError(t, err)
			m := regexp.MustCompile(`harness: RESTORE (\d+) cycles`).FindStringSubmatch(res.Log)
			require.NotNil(t, m, "the harness reports RESTORE's cycles")
			got, _ := strconv.ParseUint(m[1], 10, 64)
			require.Equal(t, want, got, "RESTORE's cycles: %d list entries, a walk of %d segments", len(list), walked)
			require.Len(t, res.Regs, tc.steps)
			t.Logf("%d used segments, list %s (%d entries, a walk of %d): RESTORE %d cycles and %d steps finished",
				used, tc.name, len(list), walked, got, len(res.Regs))
		})
	}
}
