// Package limit bounds the records a text parser reads: a Reader between an
// input and a parser (encoding/csv, say) fails as soon as the bytes it has
// passed on since the last Mark exceed its limit, so that one huge line or
// field costs a bounded amount of memory instead of its own size.
package limit

import (
	"errors"
	"io"
	"strconv"
)

// ErrTooLong is the error of a Reader whose limit is exceeded; the error
// returned wraps it.
var ErrTooLong = errors.New("record too long")

// Reader passes bytes from R on until more than N have been read since the
// last Mark (or the start); then it returns an error wrapping ErrTooLong.
// A parser reading ahead through a buffer of B bytes sees the error when
// the current record holds between N − B and N bytes.
type Reader struct {
	R    io.Reader
	N    int64
	read int64
}

// NewReader returns a Reader of r with limit n.
func NewReader(r io.Reader, n int64) *Reader { return &Reader{R: r, N: n} }

// Read reads from R, up to the limit.
func (l *Reader) Read(p []byte) (int, error) {
	if l.read >= l.N {
		return 0, &TooLongError{N: l.N}
	}
	if rest := l.N - l.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := l.R.Read(p)
	l.read += int64(n)
	return n, err
}

// Mark starts a new record: the count of bytes read starts again from 0.
func (l *Reader) Mark() { l.read = 0 }

// TooLongError says that a record is longer than N bytes.
type TooLongError struct{ N int64 }

func (e *TooLongError) Error() string {
	return "a record (line) longer than " + strconv.FormatInt(e.N, 10) + " bytes"
}

// Unwrap returns ErrTooLong.
func (e *TooLongError) Unwrap() error { return ErrTooLong }
