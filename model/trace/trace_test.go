package trace

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHash(t *testing.T) {
	assert.Equal(t, uint64(1469598103934665603), Hash(nil))
	// One cell 0: four zero bytes, worked from the FNV-1a definition.
	h := uint64(fnvOffset)
	for i := 0; i < 4; i++ {
		h *= fnvPrime
	}
	assert.Equal(t, h, Hash([]uint32{0}))
	assert.NotEqual(t, Hash([]uint32{1, 2}), Hash([]uint32{2, 1}))
}

// The hashes htm.core printed must be reproduced from the cells it lists:
// in its traces the winner cells of a bursting first step are one per
// column, but the active cells are whole columns, which we can rebuild.
func TestHashMatchesHTMCore(t *testing.T) {
	f, err := os.Open("../../testdata/htmcore/t_jumpsup_nab.csv.gz")
	require.NoError(t, err)
	defer f.Close()
	z, err := gzip.NewReader(f)
	require.NoError(t, err)
	rows, err := Read(z)
	require.NoError(t, err)
	require.Len(t, rows, 4032)
	// Step 0: nothing predicted, every active column bursts: all 32 cells.
	var cells []uint32
	for _, c := range strings.Fields(rows[0][2]) {
		var col uint32
		for _, d := range c {
			col = col*10 + uint32(d-'0')
		}
		for i := uint32(0); i < 32; i++ {
			cells = append(cells, col*32+i)
		}
	}
	assert.Equal(t, rows[0][4], "1280")
	assert.Equal(t, rows[0][5], formatUint(Hash(cells)))
	// Nothing predicted: the empty hash.
	assert.Equal(t, rows[0][9], formatUint(Hash(nil)))
}

func formatUint(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	rows := []Row{
		{Step: 0, Enc: []uint32{1, 5}, Cols: []uint32{3}, Anomaly: 1, Active: Summarise([]uint32{7}), Segments: 0},
		{Step: 1, Enc: []uint32{2}, Cols: nil, Anomaly: 0.2, Winner: Summarise(nil), Segments: 4, Synapses: 80},
	}
	for i := range rows {
		require.NoError(t, w.Write(&rows[i]))
	}
	require.NoError(t, w.Flush())
	assert.True(t, strings.HasPrefix(buf.String(), Header+"\n"))
	assert.Contains(t, buf.String(), "\n1,2,,0.200000003,")
	got, err := Read(&buf)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, rows[0].Fields(), got[0])
	assert.Equal(t, rows[1].Fields(), got[1])
}

func TestReadErrors(t *testing.T) {
	tests := map[string]string{
		"empty":      "",
		"bad header": "step,enc\n",
		"fields":     Header + "\n0,1,2\n",
		"step gap":   Header + "\n1,,,0,0,0,0,0,0,0,0,0\n3,,,0,0,0,0,0,0,0,0,0\n",
		"step text":  Header + "\nx,,,0,0,0,0,0,0,0,0,0\n",
	}
	for name, in := range tests {
		_, err := Read(strings.NewReader(in))
		assert.Error(t, err, name)
	}
}

func TestCompare(t *testing.T) {
	a := [][]string{{"0", "1", "2", "1", "3", "4", "5", "6", "7", "8", "9", "10"}}
	b := [][]string{{"0", "1", "2", "0.5", "3", "4", "5", "6", "7", "8", "9", "10"}}
	assert.Nil(t, Compare(a, a))
	d := Compare(a, b)
	require.NotNil(t, d)
	assert.Equal(t, 0, d.Step)
	assert.Equal(t, "anomaly", d.Column)
	assert.Nil(t, Compare(a, b, "enc", "cols"))
	d = Compare(a, append(a, a[0]))
	require.NotNil(t, d)
	assert.Equal(t, "rows", d.Column)
}

// A huge line costs about MaxLineBytes, not its size; bad input is quoted
// short, with control bytes escaped.
func TestReadHugeAndHostileLines(t *testing.T) {
	huge := bytes.Repeat([]byte("1 "), 20<<20) // 40 MB
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"40 MB line", append([]byte(Header+"\n0,"), huge...), "trace: line 2: a record (line) longer than 4194304 bytes"},
		{"40 MB header", huge, "trace: header: a record (line) longer than 4194304 bytes"},
		{"escapes in the header", []byte("step,\x1b[2J,a,b,c,d,e,f,g,h,i,j\n"), `trace: header "step,\x1b[2J,a,b,c,d,e,f,g,h,i,j", want`},
		{"long step", []byte(Header + "\n0,,,0,0,0,0,0,0,0,0,0\n" + strings.Repeat("x", 1000) + ",,,0,0,0,0,0,0,0,0,0\n"),
			`trace: line 3: step "` + strings.Repeat("x", 64) + `…" (1000 bytes): not the next step`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Read(bytes.NewReader(tc.in))
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Less(t, len(err.Error()), 400)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(40<<20), "bytes allocated")
		})
	}
}

// TestWriteIsFieldsJoined checks that Writer's line is Fields joined by
// commas, for rows with empty, single and many indices and the anomaly's
// edge values.
func TestWriteIsFieldsJoined(t *testing.T) {
	tests := []struct {
		name string
		row  Row
	}{
		{"empty", Row{}},
		{"one index each", Row{Step: 7, Enc: []uint32{0}, Cols: []uint32{4294967295}, Anomaly: 1}},
		{"many", Row{Step: 123456, Enc: []uint32{1, 22, 333, 65535}, Cols: []uint32{9, 10}, Anomaly: 0.025,
			Active: Summarise([]uint32{1, 2, 3}), Winner: Summarise([]uint32{2}), Predictive: Summarise(nil),
			Segments: 10546, Synapses: 229001}},
		{"small anomaly", Row{Anomaly: 1e-7, Segments: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			require.NoError(t, w.Write(&tt.row))
			require.NoError(t, w.Write(&tt.row)) // the line buffer is reused
			require.NoError(t, w.Flush())
			line := strings.Join(tt.row.Fields(), ",") + "\n"
			assert.Equal(t, Header+"\n"+line+line, buf.String())
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	r := Row{Step: 123456, Enc: make([]uint32, 200), Cols: make([]uint32, 40), Anomaly: 0.025, Segments: 10546, Synapses: 229001}
	for i := range r.Enc {
		r.Enc[i] = uint32(5 * i)
	}
	w := NewWriter(io.Discard)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
}
