package image

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/arch"
)

// RESTORE's used list: the segments off the free stack in creation order;
// written into tm.free (WithUsedList) and taken back (TakeUsedList) it
// gives the state form again; a list that is not it is refused, naming the
// entry.
func TestUsedList(t *testing.T) {
	r, _ := trained(t, "small", "art_daily_jumpsup.csv", 300)
	im, err := Compile(r, DefaultArch())
	require.NoError(t, err)
	free := im.Section("tm.free").Words
	fc := int(im.Section("regs").Words[arch.RegsFreeCount])
	seq := im.Section("tm.segseq").Words
	used, err := im.UsedList()
	require.NoError(t, err)
	require.Len(t, used, len(free)-fc)
	require.Greater(t, len(used), 2)
	for i, s := range used {
		assert.NotContains(t, free[:fc], s, "used segment %d is on the free stack", s)
		if i > 0 {
			assert.Less(t, seq[used[i-1]], seq[s], "creation order at %d", i)
		}
	}
	assert.True(t, slices.Equal(make([]uint64, len(used)), free[fc:]), "the state form holds 0 above FREE_COUNT")

	loaded, err := im.WithUsedList()
	require.NoError(t, err)
	assert.Equal(t, used, loaded.Section("tm.free").Words[fc:])
	assert.Equal(t, free[:fc], loaded.Section("tm.free").Words[:fc])
	assert.True(t, slices.Equal(make([]uint64, len(used)), free[fc:]), "WithUsedList leaves the image alone")
	for _, strict := range []bool{true, false} {
		back, err := loaded.TakeUsedList(strict)
		require.NoError(t, err)
		assert.Equal(t, encode(t, im), encode(t, back), "taken back (strict %v)", strict)
	}
	back, err := im.TakeUsedList(false)
	require.NoError(t, err)
	assert.Equal(t, encode(t, im), encode(t, back), "the state form, not strict")

	edit := func(f func(free []uint64, regs []uint64)) *Image {
		out, err := im.WithUsedList()
		require.NoError(t, err)
		regs := slices.Clone(out.Section("regs").Words)
		for i, s := range out.Sections {
			if s.Name == "regs" {
				out.Sections[i] = &Section{Name: s.Name, Width: s.Width, Words: regs}
			}
		}
		f(out.Section("tm.free").Words, regs)
		return out
	}
	for _, tc := range []struct {
		name   string
		im     *Image
		strict bool
		want   string
	}{
		{"state form, strict", im, true, "is 0, RESTORE's used list"},
		{"two swapped", edit(func(f, _ []uint64) { f[fc], f[fc+1] = f[fc+1], f[fc] }), false, "entry " + itoa(fc) + " is"},
		{"newest dropped", edit(func(f, _ []uint64) { f[len(f)-1] = 0 }), false, "entry " + itoa(len(free)-1) + " is 0"},
		{"a free segment listed", edit(func(f, _ []uint64) { f[fc+1] = f[0] }), false, "entry " + itoa(fc+1)},
		{"free stack repeats", edit(func(f, _ []uint64) { f[1] = f[0] }), false, "entry 1, segment"},
		{"free stack out of range", edit(func(f, _ []uint64) { f[0] = uint64(len(f)) }), false, "entry 0, segment " + itoa(len(free))},
		{"free count", edit(func(_, r []uint64) { r[arch.RegsFreeCount] = uint64(len(free) + 1) }), false, "exceeds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.im.TakeUsedList(tc.strict)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = (&Image{}).UsedList()
	assert.ErrorContains(t, err, "needs sections")
}

func itoa(i int) string { return fmt.Sprint(i) }
