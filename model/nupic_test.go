package model

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/model/trace"
	"github.com/htmhw/htmhw/series"
)

// nupicRun returns a region of the nab preset with NuPIC's RDSE (seed 42,
// as NAB's numenta detector) on a testdata series, and the rows.
func nupicRun(t testing.TB, file string) (*Region, []series.Row) {
	t.Helper()
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", file), series.Options{})
	require.NoError(t, err)
	cfg, err := Preset("nab")
	require.NoError(t, err)
	cfg.Encoder.RDSE.Kind, cfg.Encoder.RDSE.Seed = RDSENuPIC, 42
	require.NoError(t, cfg.Validate())
	cfg.ResolveResolution(series.Range(rows))
	r, err := NewRegion(cfg)
	require.NoError(t, err)
	return r, rows
}

func TestNuPICKindConfig(t *testing.T) {
	const good = "kind: nupic, size: 400, activeBits: 21, resolutionBuckets: 130, rangePadding: 0.2, seed: 42"
	for _, tt := range []struct{ rdse, err string }{
		{good, ""},
		{"kind: nupic, size: 400, sparsity: 0.05, resolution: 1, seed: 42", "not sparsity"},
		{"kind: nupic, size: 400, activeBits: 21, category: true, seed: 42", "not sparsity, radius or category"},
		{"kind: nupic, size: 400, activeBits: 20, resolution: 1, seed: 42", "must be odd"},
		{"kind: nupic, size: 126, activeBits: 21, resolution: 1, seed: 42", "more than 6 × activeBits"},
		{"kind: nupic, size: 400, activeBits: 21, resolution: 1, seed: 0", "nonzero"},
		{"kind: numpy, size: 400, activeBits: 21, resolution: 1, seed: 42", `"numpy" must be htmcore or nupic`},
	} {
		_, err := Parse("m.yaml", []byte("sp: {columnDimensions: [64], localAreaDensity: 0.1}\nencoder: {rdse: {"+tt.rdse+"}}\n"))
		if tt.err == "" {
			assert.NoError(t, err)
		} else {
			assert.ErrorContains(t, err, "encoder.rdse.", tt.rdse)
			assert.ErrorContains(t, err, tt.err, tt.rdse)
		}
	}
	// NuPIC's resolution is a Python float: not rounded to float32.
	cfg, err := Parse("m.yaml", []byte("sp: {columnDimensions: [64], localAreaDensity: 0.1}\nencoder: {rdse: {"+good+"}}\n"))
	require.NoError(t, err)
	cfg.ResolveResolution(0, 1)
	assert.Equal(t, (1+0.2-(0-0.2))/130, cfg.Encoder.RDSE.Resolution)
	assert.NotEqual(t, float64(float32(cfg.Encoder.RDSE.Resolution)), cfg.Encoder.RDSE.Resolution)
}

// The NuPIC RDSE's bucket map is state: save → load → continue equals
// never stopping, and the reloaded state saves to the same bytes.
func TestNuPICSnapshotRoundTrip(t *testing.T) {
	whole, rows := nupicRun(t, "art_daily_jumpsup.csv")
	rows = rows[:400]
	want := runTrace(t, whole, rows)

	first, _ := nupicRun(t, "art_daily_jumpsup.csv")
	runTrace(t, first, rows[:250])
	var snap bytes.Buffer
	require.NoError(t, first.Save(&snap))
	resumed, err := LoadRegion(bytes.NewReader(snap.Bytes()))
	require.NoError(t, err)
	var again bytes.Buffer
	require.NoError(t, resumed.Save(&again))
	assert.Equal(t, snap.Bytes(), again.Bytes(), "load then save changes the snapshot")
	tail := runTrace(t, resumed, rows[250:])
	wantRows, _ := trace.Read(bytes.NewReader(want))
	tailRows, _ := trace.Read(bytes.NewReader(tail))
	assert.Nil(t, trace.Compare(wantRows[250:], tailRows), "resumed run diverges")
	lo, hi := resumed.enc.NuPIC().Range()
	assert.Less(t, lo, hi, "the bucket map did not grow")

	// A snapshot cut inside the encoder's state is refused.
	b := snap.Bytes()
	_, err = LoadRegion(bytes.NewReader(b[:len(b)-8]))
	assert.Error(t, err)
}

func TestBacktrackingConfig(t *testing.T) {
	const sp = "sp: {columnDimensions: [64], localAreaDensity: 0.1}\nencoder: {rdse: {size: 64, activeBits: 3, resolution: 1, seed: 1}}\n"
	for _, tt := range []struct{ tm, err string }{
		{"tm: {algorithm: backtracking}", ""},
		{"tm: {algorithm: plain}", ""},
		{"tm: {algorithm: backtrack}", `"backtrack" must be plain or backtracking`},
		{"tm: {algorithm: backtracking, cellsPerColumn: 1}", "at least 2"},
		{"tm: {algorithm: backtracking, pamLength: 0}", "tm.pamLength 0 must be 1 to"},
		{"tm: {algorithm: backtracking, maxInfBacktrack: 2000}", "tm.maxInfBacktrack"},
		{"tm: {algorithm: backtracking, maxLrnBacktrack: -1}", "tm.maxLrnBacktrack"},
		{"tm: {algorithm: backtracking, seed: 0}", "tm.seed"},
		{"tm: {algorithm: backtracking, maxNewSynapseCount: 40, maxSynapsesPerSegment: 32}", "exceeds maxSynapsesPerSegment"},
		{"tm: {algorithm: backtracking, segUpdateValidDuration: 2.5}", "not an integer"},
	} {
		_, err := Parse("m.yaml", []byte(sp+tt.tm+"\n"))
		if tt.err == "" {
			assert.NoError(t, err, tt.tm)
		} else {
			assert.ErrorContains(t, err, tt.err, tt.tm)
		}
	}
}

// The nab-numenta preset runs on a testdata series; its snapshot is
// refused with the reason (SPEC 12), and a plain-TM region is unaffected.
func TestBacktrackingRegion(t *testing.T) {
	rows, err := series.ReadFile(filepath.Join("..", "testdata", "nab", "art_daily_jumpsup.csv"), series.Options{})
	require.NoError(t, err)
	cfg, err := Preset("nab-numenta")
	require.NoError(t, err)
	require.True(t, cfg.Backtracking())
	cfg.ResolveResolution(series.Range(rows))
	r, err := NewRegion(cfg)
	require.NoError(t, err)
	require.Nil(t, r.TM())
	var late float64
	for i, row := range rows[:1500] {
		o, err := r.Compute(Input{Time: row.Time, Value: row.Value}, true)
		require.NoError(t, err)
		if i >= 1000 {
			late += o.Anomaly.Float64()
		}
		require.NotNil(t, r.TraceRow(o))
	}
	assert.Less(t, late/500, 0.2, "the daily pattern is not learned")
	assert.Greater(t, r.NumSegments(), 0)
	err = r.Save(&bytes.Buffer{})
	assert.ErrorContains(t, err, "backtracking")
}

// FuzzLoadNuPICSnapshot feeds corrupted snapshots of a region with NuPIC's
// RDSE to the loader (whose last section is the encoder's bucket map): it
// must never panic, and a snapshot it accepts must save back to the same
// bytes.
func FuzzLoadNuPICSnapshot(f *testing.F) {
	cfg, err := Preset("small")
	if err != nil {
		f.Fatal(err)
	}
	cfg.Encoder.RDSE.Kind, cfg.Encoder.RDSE.Seed = RDSENuPIC, 42
	cfg.ResolveResolution(0, 10)
	r, err := NewRegion(cfg)
	if err != nil {
		f.Fatal(err)
	}
	for i := range 20 {
		if _, err := r.Compute(Input{Value: float64(i % 7)}, true); err != nil {
			f.Fatal(err)
		}
	}
	var snap bytes.Buffer
	if err := r.Save(&snap); err != nil {
		f.Fatal(err)
	}
	f.Add(snap.Bytes(), 0, byte(0))
	f.Add(snap.Bytes(), snap.Len()-100, byte(0xFF))
	f.Fuzz(func(t *testing.T, base []byte, at int, v byte) {
		b := bytes.Clone(base)
		if len(b) > 4 && at >= 0 && at < len(b)-4 {
			b[at] ^= v
			// Keep the checksum right, so that the state is what is fuzzed.
			binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.ChecksumIEEE(b[:len(b)-4]))
		}
		r, err := LoadRegion(bytes.NewReader(b))
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := r.Save(&again); err != nil {
			t.Fatalf("loaded snapshot does not save: %v", err)
		}
		if !bytes.Equal(again.Bytes(), b) {
			t.Fatal("load then save changes the snapshot")
		}
	})
}
