package quote

import (
	"strings"
	"testing"
)

func TestShort(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"a\x1b[2Jb\n", `"a\x1b[2Jb\n"`},
		{strings.Repeat("x", 100), `"` + strings.Repeat("x", 64) + `…" (100 bytes)`},
		{strings.Repeat("é", 40), `"` + strings.Repeat("é", 32) + `…" (80 bytes)`},
		{"\xff", `"\xff"`},
	} {
		if got := Short(tc.in); got != tc.want {
			t.Errorf("Short(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"line 3: bad `x`", 100, "line 3: bad `x`"},
		{"bad \x1b[31mred\x07\n", 100, `bad \x1b[31mred\a\n`},
		{"bad \xff", 100, `bad \xff`},
		{"abcdef", 3, "abc…"},
		{"ééé", 3, "é…"},
	} {
		if got := Clean(tc.in, tc.n); got != tc.want {
			t.Errorf("Clean(%q, %d) = %s, want %s", tc.in, tc.n, got, tc.want)
		}
	}
}
