package limit

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	l := NewReader(strings.NewReader("abcdefghij"), 4)
	b := make([]byte, 3)
	n, err := l.Read(b)
	if n != 3 || err != nil {
		t.Fatalf("first read: %d, %v", n, err)
	}
	n, err = l.Read(b)
	if n != 1 || err != nil {
		t.Fatalf("second read stops at the limit: %d, %v", n, err)
	}
	if _, err = l.Read(b); !errors.Is(err, ErrTooLong) || err.Error() != "a record (line) longer than 4 bytes" {
		t.Fatalf("past the limit: %v", err)
	}
	l.Mark()
	rest, err := io.ReadAll(io.LimitReader(l, 4))
	if string(rest) != "efgh" || err != nil {
		t.Fatalf("after Mark: %q, %v", rest, err)
	}
}
