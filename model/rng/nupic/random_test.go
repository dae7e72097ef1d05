package nupic

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected values are nupic.core's own (src/test/unit/utils/RandomTest.cpp
// at commit 949950cf): getUInt64, Shuffling, SerializationDeserialization.
func TestUint64MatchesNuPIC(t *testing.T) {
	for _, tt := range []struct {
		seed uint64
		want [2]uint64
	}{
		{1, [2]uint64{3723745761376425000, 7464235991977222558}},
		{2, [2]uint64{7543924162171776743, 1206857364816002550}},
		{7464235991977222558, [2]uint64{3609339244249306794, 4084830275585779078}},
	} {
		r, err := New(tt.seed)
		require.NoError(t, err)
		assert.Equal(t, tt.want[0], r.Uint64(), "seed %d, first", tt.seed)
		assert.Equal(t, tt.want[1], r.Uint64(), "seed %d, second", tt.seed)
	}
}

func TestShuffleMatchesNuPIC(t *testing.T) {
	r, err := New(42)
	require.NoError(t, err)
	a := []uint32{1, 2, 3, 4}
	Shuffle(r, a)
	assert.Equal(t, []uint32{1, 4, 3, 2}, a)
}

func TestStateMatchesNuPIC(t *testing.T) {
	r, err := New(862973)
	require.NoError(t, err)
	for range 100 {
		r.Uint32(max32)
	}
	want := State{Seed: 862973, Words: [31]uint32{4241808047, 927171440, 115246761,
		3188485113, 2358188524, 3270869522, 282383075, 1082613868, 441984109,
		995051899, 2794036324, 2239422562, 898636415, 2372250535, 3369849014,
		2122900843, 1895341779, 2450525880, 394177447, 3199534303, 3887683026,
		656347524, 48907782, 1135809043, 334191338, 2900562231, 197628021, 1265227140,
		569581351, 466443697, 843098206}, Rptr: 7, Fptr: 10}
	assert.Equal(t, want, r.State())

	r2, err := FromState(r.State())
	require.NoError(t, err)
	for range 100 {
		require.Equal(t, r.Uint32(1000), r2.Uint32(1000))
	}
}

func TestErrors(t *testing.T) {
	_, err := New(0)
	assert.ErrorContains(t, err, "seed 0")
	r, _ := New(1)
	for _, tt := range []struct {
		mut  func(*State)
		want string
	}{
		{func(s *State) { s.Fptr = 31 }, "pointers"},
		{func(s *State) { s.Rptr = s.Fptr }, "pointers"},
		{func(s *State) { s.Seed = 0 }, "seed 0"},
	} {
		s := r.State()
		tt.mut(&s)
		_, err := FromState(s)
		assert.ErrorContains(t, err, tt.want)
	}
	assert.Panics(t, func() { r.Uint32(0) })
}

func TestUint32Range(t *testing.T) {
	r, _ := New(7)
	for _, max := range []uint32{1, 2, 3, 400, 1 << 31, max32} {
		for range 100 {
			assert.Less(t, r.Uint32(max), max)
		}
	}
}
