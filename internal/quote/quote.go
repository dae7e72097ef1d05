// Package quote quotes untrusted text for error messages: at most a short
// prefix of it, with control bytes and invalid UTF-8 escaped, so that a
// crafted input can neither flood a terminal nor write to it.
package quote

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Max is the number of bytes of input Short quotes.
const Max = 64

// Short returns s as a Go string literal, cut to its first Max bytes (on a
// character boundary) with the full length said when it is longer:
//
//	"abc"
//	"aaaaaaaa…" (200000000 bytes)
func Short(s string) string { return Prefix(s, Max) }

// Prefix is Short with a limit of n bytes.
func Prefix(s string, n int) string {
	if len(s) <= n {
		return strconv.Quote(s)
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]+"…") + " (" + strconv.Itoa(len(s)) + " bytes)"
}

// Clean returns a message with every control character and invalid UTF-8
// byte escaped as Go would in a string literal (\x1b, \n, \ufeff...), and
// cut to n bytes (with "…" appended) when longer, for text that is not
// quoted as a whole, such as a parser's message that includes input.
func Clean(s string, n int) string {
	cut := false
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], true
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
		case !unicode.IsPrint(r) && r != ' ':
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}
