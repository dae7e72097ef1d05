package encoder

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultiLayout(t *testing.T) {
	var m Multi
	assert.Equal(t, 0, m.Size())
	f, err := m.Add("value", 400)
	require.NoError(t, err)
	assert.Equal(t, Field{Name: "value", Offset: 0, Size: 400}, f)
	f, err = m.Add("time", 54)
	require.NoError(t, err)
	assert.Equal(t, Field{Name: "time", Offset: 400, Size: 54}, f)
	assert.Equal(t, 454, m.Size())
	got, ok := m.Field("time")
	assert.True(t, ok)
	assert.Equal(t, f, got)
	_, ok = m.Field("nope")
	assert.False(t, ok)

	fields := m.Fields()
	fields[0].Name = "changed"
	assert.Equal(t, "value", m.Fields()[0].Name, "Fields must return a copy")

	tests := []struct {
		name string
		size int
		want string
	}{
		{"value", 3, `encoder: multi: field "value" added twice`},
		{"", 3, "encoder: multi: field 2 has an empty name"},
		{"zero", 0, `encoder: multi: field "zero": size 0 must be in [1, 4294966841]`},
		{"huge", 1 << 32, `encoder: multi: field "huge": size 4294967296 must be in [1, 4294966841]`},
	}
	for _, tt := range tests {
		_, err := m.Add(tt.name, tt.size)
		assert.EqualError(t, err, tt.want)
	}
	assert.Equal(t, 454, m.Size(), "failed Adds must not change the layout")
}

func TestMultiConcat(t *testing.T) {
	var m Multi
	for _, f := range []struct {
		name string
		size int
	}{{"a", 10}, {"b", 5}, {"c", 8}} {
		_, err := m.Add(f.name, f.size)
		require.NoError(t, err)
	}
	tests := []struct {
		name    string
		parts   [][]uint32
		want    []uint32
		wantErr string
	}{
		{"all", [][]uint32{{0, 9}, {0, 4}, {3}}, []uint32{0, 9, 10, 14, 18}, ""},
		{"empty part", [][]uint32{{1}, nil, {7}}, []uint32{1, 22}, ""},
		{"too few parts", [][]uint32{{1}, {2}}, nil, "encoder: multi: 2 parts for 3 fields"},
		{"index beyond field", [][]uint32{{1}, {5}, {7}}, nil,
			`encoder: multi: field "b": sdr: index 5 at position 0 out of range [0, 5)`},
		{"unsorted part", [][]uint32{{3, 2}, {}, {}}, nil,
			`encoder: multi: field "a": sdr: index 2 at position 1 not above the previous 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.Concat(make([]uint32, 2, 8), tt.parts...)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				assert.Empty(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
