package model

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"flag"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
)

var update = flag.Bool("update", false, "regenerate the golden traces in testdata/golden (a change to them must come with a docs/SPEC.md change)")

// loadRun returns a fresh region of the preset for a testdata NAB series,
// with the RDSE resolution derived from the series' range, and the rows.
func loadRun(t testing.TB, preset, file string) (*Region, []series.Row) {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	cfg, err := Preset(preset)
	require.NoError(t, err)
	lo, hi := series.Range(rows)
	cfg.ResolveResolution(lo, hi)
	r, err := NewRegion(cfg)
	require.NoError(t, err)
	return r, rows
}

// runTrace computes rows[from:to] and returns their trace.
func runTrace(t testing.TB, r *Region, rows []series.Row) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := trace.NewWriter(&buf)
	for _, row := range rows {
		o, err := r.Compute(Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		require.NoError(t, w.Write(r.TraceRow(o)))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

var goldenRuns = []struct{ preset, series, golden string }{
	{"nab-unpadded", "art_daily_jumpsup.csv", "jumpsup_nab.csv.gz"},
	{"hello", "speed_7578.csv", "speed7578_hello.csv.gz"},
}

// TestGoldenTraces checks every step of the golden model against the
// golden traces in testdata/golden. Regenerate them with
// `go test ./model -run TestGoldenTraces -update`, only together with the
// docs/SPEC.md change that explains why they changed.
func TestGoldenTraces(t *testing.T) {
	for _, g := range goldenRuns {
		t.Run(g.golden, func(t *testing.T) {
			r, rows := loadRun(t, g.preset, g.series)
			got := runTrace(t, r, rows)
			path := filepath.Join("..", "testdata", "golden", g.golden)
			if *update {
				var z bytes.Buffer
				zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
				_, err := zw.Write(got)
				require.NoError(t, err)
				require.NoError(t, zw.Close())
				require.NoError(t, os.WriteFile(path, z.Bytes(), 0o644))
			}
			f, err := os.Open(path)
			require.NoError(t, err, "golden trace missing: run with -update")
			defer f.Close()
			zr, err := gzip.NewReader(f)
			require.NoError(t, err)
			want, err := trace.Read(zr)
			require.NoError(t, err)
			have, err := trace.Read(bytes.NewReader(got))
			require.NoError(t, err)
			require.Len(t, have, len(rows))
			if d := trace.Compare(want, have); d != nil {
				t.Fatalf("golden model diverges from %s: %v", g.golden, d)
			}
		})
	}
}

// The golden model's encoder output equals htm.core's on the same preset
// and series (htm.core's nab is the nab-unpadded preset, which adds a
// time-of-day encoder after the RDSE, so only its first 400 bits are
// compared there).
func TestEncodingMatchesHTMCore(t *testing.T) {
	for _, g := range []struct{ preset, series, ref string }{
		{"hello", "speed_7578.csv", "t_speed7578_hello.csv.gz"},
		{"nab-unpadded", "art_daily_jumpsup.csv", "t_jumpsup_nab.csv.gz"},
	} {
		f, err := os.Open(filepath.Join("..", "testdata", "htmcore", g.ref))
		require.NoError(t, err)
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		ref, err := trace.Read(zr)
		f.Close()
		require.NoError(t, err)
		r, rows := loadRun(t, g.preset, g.series)
		have, err := trace.Read(bytes.NewReader(runTrace(t, r, rows)))
		require.NoError(t, err)
		require.Len(t, have, len(ref))
		for i := range ref {
			var rdse []string
			for _, b := range strings.Fields(have[i][1]) {
				if v, _ := strconv.Atoi(b); v < r.Config().Encoder.RDSE.Size {
					rdse = append(rdse, b)
				}
			}
			require.Equal(t, ref[i][1], strings.Join(rdse, " "), "%s step %d", g.ref, i)
		}
	}
}

func TestDeterminism(t *testing.T) {
	r1, rows := loadRun(t, "hello", "speed_7578.csv")
	r2, _ := loadRun(t, "hello", "speed_7578.csv")
	a, b := runTrace(t, r1, rows), runTrace(t, r2, rows)
	assert.Equal(t, a, b)
	assert.Greater(t, r1.TM().NumSegments(), 100, "the TM learned nothing")
}

// save → load → continue gives exactly what never stopping gives, and the
// reloaded state saves to the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	for _, g := range []struct{ preset, series string }{{"nab", "art_daily_jumpsup.csv"}, {"hello", "speed_7578.csv"}} {
		t.Run(g.preset, func(t *testing.T) {
			whole, rows := loadRun(t, g.preset, g.series)
			rows = rows[:1000]
			want := runTrace(t, whole, rows)

			first, _ := loadRun(t, g.preset, g.series)
			head := runTrace(t, first, rows[:600])
			var snap bytes.Buffer
			require.NoError(t, first.Save(&snap))
			resumed, err := LoadRegion(bytes.NewReader(snap.Bytes()))
			require.NoError(t, err)
			var again bytes.Buffer
			require.NoError(t, resumed.Save(&again))
			assert.Equal(t, snap.Bytes(), again.Bytes(), "load then save changes the snapshot")
			assert.Equal(t, uint64(600), resumed.Steps())

			tail := runTrace(t, resumed, rows[600:])
			wantRows, _ := trace.Read(bytes.NewReader(want))
			headRows, _ := trace.Read(bytes.NewReader(head))
			tailRows, _ := trace.Read(bytes.NewReader(tail))
			require.Len(t, tailRows, 400)
			assert.Nil(t, trace.Compare(wantRows[:600], headRows))
			assert.Nil(t, trace.Compare(wantRows[600:], tailRows), "resumed run diverges")

			var end1, end2 bytes.Buffer
			require.NoError(t, whole.Save(&end1))
			require.NoError(t, resumed.Save(&end2))
			assert.Equal(t, end1.Bytes(), end2.Bytes(), "final states differ")
		})
	}
}

func TestSnapshotErrors(t *testing.T) {
	r, rows := loadRun(t, "hello", "speed_7578.csv")
	runTrace(t, r, rows[:50])
	var buf bytes.Buffer
	require.NoError(t, r.Save(&buf))
	good := buf.Bytes()

	flip := bytes.Clone(good)
	flip[len(flip)/2] ^= 0x10
	version := bytes.Clone(good)
	version[8] = 99
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "not an htmhw snapshot"},
		{"magic", append([]byte("NOTASNAP"), good[8:]...), "not an htmhw snapshot"},
		{"version", version, "format version 99, this build reads version 1"},
		{"flipped bit", flip, "checksum mismatch"},
		{"truncated", good[:len(good)-100], "checksum mismatch"},
	}
	for _, tc := range tests {
		_, err := LoadRegion(bytes.NewReader(tc.data))
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
	}
}

// A snapshot whose configuration claims a region far larger than its
// state is refused before a region of that size is made.
func TestSnapshotChecksSizeBeforeAllocating(t *testing.T) {
	r, rows := loadRun(t, "hello", "speed_7578.csv")
	runTrace(t, r, rows[:5])
	var buf bytes.Buffer
	require.NoError(t, r.Save(&buf))
	good := buf.Bytes()
	cfg := r.Config()
	cfg.TM.SegmentPoolCapacity, cfg.TM.MaxSynapsesPerSegment = 1<<20, 255 // 2^28 synapse slots
	big, err := json.Marshal(cfg)
	require.NoError(t, err)
	n := int(binary.LittleEndian.Uint32(good[12:]))
	var b bytes.Buffer
	b.Write(good[:12])
	require.NoError(t, binary.Write(&b, binary.LittleEndian, uint32(len(big))))
	b.Write(big)
	b.Write(good[16+n : len(good)-4])
	require.NoError(t, binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes())))

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = LoadRegion(bytes.NewReader(b.Bytes()))
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "truncated: the configuration's state takes at least")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated before refusing")
}

// A value the encoder refuses is an error that changes nothing: the run
// continues as if the bad input had never been offered.
func TestBadInputChangesNothing(t *testing.T) {
	r1, rows := loadRun(t, "hello", "speed_7578.csv")
	r2, _ := loadRun(t, "hello", "speed_7578.csv")
	a := runTrace(t, r1, rows[:300])
	runTrace(t, r2, rows[:150])
	for _, v := range []float64{math.NaN(), math.Inf(1)} {
		_, err := r2.Compute(Input{Time: rows[150].Time, Value: v}, true)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "step 150")
	}
	b := runTrace(t, r2, rows[150:300])
	ar, _ := trace.Read(bytes.NewReader(a))
	br, _ := trace.Read(bytes.NewReader(b))
	assert.Nil(t, trace.Compare(ar[150:], br))
}

func TestInferenceChangesNoPermanence(t *testing.T) {
	r, rows := loadRun(t, "hello", "speed_7578.csv")
	runTrace(t, r, rows[:300])
	before := r.TM().State()
	spBefore := r.SP().State()
	for _, row := range rows[300:400] {
		_, err := r.Compute(Input{Time: row.Time, Value: row.Value}, false)
		require.NoError(t, err)
	}
	after := r.TM().State()
	assert.Equal(t, before.SynPerm, after.SynPerm)
	assert.Equal(t, before.SynCell, after.SynCell)
	assert.Equal(t, before.SegLastUsed, after.SegLastUsed)
	assert.Equal(t, before.Iteration, after.Iteration)
	assert.Equal(t, spBefore.Perm, r.SP().State().Perm)
}
