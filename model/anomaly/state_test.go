package anomaly

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSaveLoadResume stops a run at various points, saves it, loads it into
// a fresh Likelihood and checks that the resumed run gives bit-identical
// likelihoods to the uninterrupted one, and that saving again gives the
// same bytes.
func TestSaveLoadResume(t *testing.T) {
	p, recs := readGolden(t, filepath.Join("testdata", "nupic_nab150.txt"))
	probation := p.LearningPeriod + p.EstimationSamples
	feed := func(l *Likelihood, r goldenRecord) float64 {
		if r.hasValue {
			return l.UpdateWithValue(r.value, r.raw)
		}
		return l.Update(r.raw)
	}
	for _, stop := range []int{0, 1, 9, probation - 1, probation, probation + 1, 199, 200, 201, 523, 999} {
		ref := mustLikelihood(t, p)
		for _, r := range recs[:stop] {
			feed(ref, r)
		}
		var buf bytes.Buffer
		require.NoError(t, ref.Save(&buf), "stop %d", stop)
		saved := bytes.Clone(buf.Bytes())

		var resumed Likelihood
		require.NoError(t, resumed.Load(&buf), "stop %d", stop)
		assert.Zero(t, buf.Len(), "stop %d: Load left bytes unread", stop)
		assert.Equal(t, ref.Params(), resumed.Params())
		assert.Equal(t, stop, resumed.Iteration())

		var again bytes.Buffer
		require.NoError(t, resumed.Save(&again))
		assert.Equal(t, saved, again.Bytes(), "stop %d: save after load differs", stop)

		for i, r := range recs[stop:] {
			want, got := feed(ref, r), feed(&resumed, r)
			require.Equal(t, math.Float64bits(want), math.Float64bits(got),
				"stop %d, record %d: resumed %v, uninterrupted %v", stop, stop+i, got, want)
		}
	}
}

// TestSaveLoadWrappedHistory checks a resume after the history ring has
// wrapped, with a re-estimation right after the resume point.
func TestSaveLoadWrappedHistory(t *testing.T) {
	p := LikelihoodParams{LearningPeriod: 3, EstimationSamples: 4, HistoricWindowSize: 9,
		ReestimationPeriod: 5, AveragingWindow: 4}
	raw := func(i int) float64 { return float64((i*37)%11) / 11 }
	ref := mustLikelihood(t, p)
	for i := range 44 {
		ref.UpdateWithValue(float64(i%3), raw(i))
	}
	require.NotZero(t, ref.head, "history ring has wrapped")
	var buf bytes.Buffer
	require.NoError(t, ref.Save(&buf))
	var resumed Likelihood
	require.NoError(t, resumed.Load(&buf))
	for i := 44; i < 100; i++ {
		want, got := ref.UpdateWithValue(float64(i%3), raw(i)), resumed.UpdateWithValue(float64(i%3), raw(i))
		require.Equal(t, math.Float64bits(want), math.Float64bits(got), "record %d", i)
	}
}

func savedBytes(t *testing.T, n int) []byte {
	t.Helper()
	l := mustLikelihood(t, LikelihoodParams{LearningPeriod: 2, EstimationSamples: 3, HistoricWindowSize: 6,
		ReestimationPeriod: 4, AveragingWindow: 3})
	for i := range n {
		l.UpdateWithValue(float64(i), float64(i%4)/4)
	}
	var buf bytes.Buffer
	require.NoError(t, l.Save(&buf))
	return buf.Bytes()
}

func TestLoadErrors(t *testing.T) {
	good := savedBytes(t, 20)
	const (
		versionAt  = 8
		paramsAt   = 12 // five int64 params
		iterAt     = paramsAt + 5*8
		historyAt  = iterAt + 8 // count, then 17 bytes a record
		firstFlag  = historyAt + 8 + 16
		windowSize = paramsAt + 2*8
	)
	patch := func(at int, f func(b []byte)) []byte {
		b := bytes.Clone(good)
		f(b[at:])
		return b
	}
	put64 := func(v uint64) func([]byte) { return func(b []byte) { binary.LittleEndian.PutUint64(b, v) } }
	tests := []struct {
		name   string
		data   []byte
		errMsg string
	}{
		{"empty", nil, "anomaly: load likelihood: header: truncated: unexpected EOF"},
		{"bad magic", patch(0, func(b []byte) { b[0] = 'X' }), "anomaly: load likelihood: not a saved Likelihood (bad magic)"},
		{"future version", patch(versionAt, func(b []byte) { binary.LittleEndian.PutUint32(b, 2) }),
			"anomaly: load likelihood: unsupported version 2 (want 1)"},
		{"invalid params", patch(windowSize, put64(0)),
			"anomaly: load likelihood: saved params: anomaly: likelihood params: HistoricWindowSize 0 is not positive"},
		{"negative iteration", patch(iterAt, put64(math.MaxUint64)),
			"anomaly: load likelihood: negative iteration -1"},
		{"history count mismatch", patch(historyAt, put64(5)),
			"anomaly: load likelihood: history holds 5 records, want 6 for iteration 20"},
		{"bad boolean", patch(firstFlag, func(b []byte) { b[0] = 2 }),
			"anomaly: load likelihood: history: invalid boolean byte 0x2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := mustLikelihood(t, DefaultLikelihoodParams())
			l.Update(0.25)
			err := l.Load(bytes.NewReader(tc.data))
			assert.EqualError(t, err, tc.errMsg)
			// l is unchanged.
			assert.Equal(t, DefaultLikelihoodParams(), l.Params())
			assert.Equal(t, 1, l.Iteration())
		})
	}
}

// TestLoadDistributionFlag checks the consistency of the distribution flag
// with the iteration: a state saved inside the probationary period cannot
// claim a distribution, and one saved after it must have one.
func TestLoadDistributionFlag(t *testing.T) {
	for _, n := range []int{3, 9} {
		b := savedBytes(t, n)
		history := min(n, 6)
		flagAt := 12 + 6*8 + 8 + 17*history
		b[flagAt] ^= 1
		var l Likelihood
		err := l.Load(bytes.NewReader(b))
		assert.ErrorContains(t, err, "anomaly: load likelihood: distribution present is")
	}
}

// TestLoadTruncated cuts a saved state at every length: each prefix must
// fail cleanly with io.ErrUnexpectedEOF, never panic or succeed.
func TestLoadTruncated(t *testing.T) {
	good := savedBytes(t, 20)
	var l Likelihood
	require.NoError(t, l.Load(bytes.NewReader(good)))
	for n := range len(good) {
		err := l.Load(bytes.NewReader(good[:n]))
		require.Error(t, err, "prefix of %d bytes", n)
		assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "prefix of %d bytes: %v", n, err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestSaveError(t *testing.T) {
	l := mustLikelihood(t, DefaultLikelihoodParams())
	assert.EqualError(t, l.Save(failWriter{}), "anomaly: save likelihood: disk full")
}
