package nab_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/htmhw/htmhw/nab"
)

// FuzzReadScores checks the results CSV reader: it never panics, it fails
// only with ErrFormat or ErrScore, and what it accepts are numbers in
// [0, 1] that survive a write-and-read round trip.
//
//	go test ./nab -run '^$' -fuzz FuzzReadScores -fuzztime 30s
func FuzzReadScores(f *testing.F) {
	seeds := []string{
		"timestamp,value,anomaly_score\n2020-01-01 00:00:00,1,0.5\n",
		"anomaly_score\r\n0\r\n1",
		"\uFEFFtimestamp,anomaly_score,label\nx, 0.25 ,0\n",
		"anomaly_score\n1e-05\n.5\n5.\n",
		"anomaly_score\nNaN\n",
		"anomaly_score\n\"0.5\"\n",
		"a,anomaly_score\n1\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The head of a real results file.
	if raw, err := os.ReadFile(filepath.Join(fixtures, "toy", "results", "hand", "toy", "hand_toy.csv")); err == nil {
		f.Add(raw[:min(len(raw), 400)])
	}
	if zf, err := os.Open(filepath.Join(fixtures, "real", "results", "numenta", "realTraffic", "numenta_speed_7578.csv.gz")); err == nil {
		if zr, err := gzip.NewReader(zf); err == nil {
			head := make([]byte, 600)
			n, _ := io.ReadFull(zr, head)
			f.Add(head[:n])
		}
		zf.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scores, err := nab.ReadScores(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, nab.ErrFormat) && !errors.Is(err, nab.ErrScore) {
				t.Fatalf("unexpected kind of error: %v", err)
			}
			var fe *nab.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("error is not a *FileError: %v", err)
			}
			return
		}
		if len(scores) > bytes.Count(data, []byte("\n"))+bytes.Count(data, []byte("\r"))+1 {
			t.Fatalf("%d scores from %d lines", len(scores), bytes.Count(data, []byte("\n")))
		}
		var b strings.Builder
		b.WriteString("anomaly_score\n")
		for _, v := range scores {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("accepted score %v", v)
			}
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "\n")
		}
		back, err := nab.ReadScores(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-reading: %v", err)
		}
		if len(back) != len(scores) {
			t.Fatalf("round trip: %d scores, then %d", len(scores), len(back))
		}
		for i := range back {
			if back[i] != scores[i] {
				t.Fatalf("round trip: score %d: %v, then %v", i, scores[i], back[i])
			}
		}
	})
}

// FuzzSweep checks Sweep, Score and Optimize against the naive scorer on
// small corpora built from the fuzzer's bytes.
//
//	go test ./nab -run '^$' -fuzz FuzzSweep -fuzztime 30s
func FuzzSweep(f *testing.F) {
	f.Add(uint16(100), uint8(40), uint8(10), uint8(20), uint8(5), []byte{0, 0, 9, 9, 5, 250, 1, 2, 3})
	f.Add(uint16(10), uint8(0), uint8(2), uint8(0), uint8(0), []byte{255})
	f.Add(uint16(2000), uint8(200), uint8(100), uint8(3), uint8(60), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, n uint16, at, width, gap, width2 uint8, raw []byte) {
		rows := 2 + int(n)%3000
		file := naiveFile{n: rows, scores: make([]float64, rows)}
		for i := range file.scores {
			if len(raw) > 0 {
				file.scores[i] = float64(raw[i%len(raw)]%11) / 10 // ties on purpose
			}
		}
		// Up to two windows of width ≥ 2.
		lo := int(at) % rows
		for _, w := range []int{2 + int(width), 2 + int(width2)} {
			if lo+w > rows {
				break
			}
			file.windows = append(file.windows, [2]int{lo, lo + w - 1})
			lo += w + int(gap)
		}
		t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		ts := make([]string, rows)
		for i := range ts {
			ts[i] = t0.Add(time.Duration(i) * time.Minute).Format(time.DateTime)
		}
		ws := make([][2]string, len(file.windows))
		for k, w := range file.windows {
			ws[k] = [2]string{ts[w[0]], ts[w[1]]}
		}
		cf, err := nab.NewFile("a/b.csv", ts, nil, ws)
		require.NoError(t, err)
		c, err := nab.NewCorpus(cf)
		require.NoError(t, err)
		r := nab.Results{"a/b.csv": file.scores}
		for _, p := range nab.Profiles() {
			sweep, err := nab.Sweep(c, r, p)
			require.NoError(t, err)
			for _, s := range sweep {
				raw, counts := naiveScore([]naiveFile{file}, p, s.Threshold)
				require.InDelta(t, raw, s.Raw, 1e-9)
				require.Equal(t, counts, s.Counts)
				res, err := nab.Score(c, r, p, s.Threshold)
				require.NoError(t, err)
				require.InDelta(t, raw, res.Raw, 1e-9)
			}
		}
	})
}
