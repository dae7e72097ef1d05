package trace

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegsRoundTrip(t *testing.T) {
	rows := []Regs{
		{Step: 7, Cols: []uint32{1, 5, 9}, Pred: nil, AnomNum: 3, AnomDen: 3, Cycles: 1234, HasCycle: true},
		{Step: 8, Cols: []uint32{2}, Pred: []uint32{2}, AnomNum: 0, AnomDen: 1},
	}
	var b bytes.Buffer
	w := NewRegsWriter(&b)
	for i := range rows {
		require.NoError(t, w.Write(&rows[i]))
	}
	require.NoError(t, w.Flush())
	assert.Equal(t, RegsHeader+"\n7,1 5 9,,3,3,1234\n8,2,2,0,1,\n", b.String())
	got, err := ReadRegs(&b)
	require.NoError(t, err)
	assert.Equal(t, rows[0], got[0])
	assert.Equal(t, uint32(2), got[1].Pred[0])
	assert.False(t, got[1].HasCycle)
}

func TestReadRegsErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "empty input",
		"step,cols\n":                         "header",
		RegsHeader + "\n0,1 x,,0,0,\n":        `line 2: cols "x" is not a number`,
		RegsHeader + "\n0,5 1,,0,0,\n":        "cols not ascending",
		RegsHeader + "\n0,,,0,0,\n2,,,0,0,\n": "step 2 follows step 0",
		RegsHeader + "\n0,,,-1,0,\n":          "anom_num",
		RegsHeader + "\n0,,,0,0,99999999999999999999\n": "cycles",
	} {
		_, err := ReadRegs(strings.NewReader(in))
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func TestCompareRegs(t *testing.T) {
	want := Regs{Step: 4, Cols: []uint32{1, 2, 3}, Pred: []uint32{2}, AnomNum: 2, AnomDen: 3, Cycles: 10, HasCycle: true}
	tests := []struct {
		name  string
		edit  func(r *Regs)
		field string
		check func(t *testing.T, m *Mismatch)
	}{
		{"same", func(r *Regs) {}, "", nil},
		{"cols", func(r *Regs) { r.Cols = []uint32{1, 3, 4} }, "cols", func(t *testing.T, m *Mismatch) {
			assert.Equal(t, []uint32{2}, m.Missing)
			assert.Equal(t, []uint32{4}, m.Extra)
			assert.Equal(t, "SP_INHIBIT", m.Phase)
		}},
		{"pred", func(r *Regs) { r.Pred = nil }, "pred", nil},
		{"num", func(r *Regs) { r.AnomNum = 1 }, "anom_num", nil},
		{"cycles", func(r *Regs) { r.Cycles = 11 }, "cycles", nil},
		{"no cycles", func(r *Regs) { r.Cycles, r.HasCycle = 0, false }, "", nil},
	}
	for _, tc := range tests {
		got := want
		got.Cols = append([]uint32(nil), want.Cols...)
		tc.edit(&got)
		m := CompareRegs(&want, &got, 4)
		if tc.field == "" {
			assert.Nil(t, m, tc.name)
			continue
		}
		require.NotNil(t, m, tc.name)
		assert.Equal(t, tc.field, m.Field, tc.name)
		assert.Equal(t, uint64(4), m.Step)
		assert.Contains(t, m.Error(), "after 4 matching steps")
		if tc.check != nil {
			tc.check(t, m)
		}
	}
}
