// Package termsafe makes names that come from elsewhere (a git remote, a
// conflict manifest, a config file) safe to print on a terminal. A raw
// control character in a file name can forge output lines (a newline) or
// drive the terminal (an escape sequence such as OSC 52, which writes the
// clipboard), so human output quotes any name that holds one.
package termsafe

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quote returns s unchanged when it is plain text, else s in Go's double
// quoted form with every control character, invalid byte and bidi override
// escaped. A plain s that starts with a double quote is quoted too, so a
// quoted name cannot be mistaken for a plain one.
func Quote(s string) string {
	if !needsQuote(s) {
		return s
	}
	return strconv.Quote(s)
}

// Join quotes each name and joins them with sep.
func Join(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = Quote(n)
	}
	return strings.Join(q, sep)
}

func needsQuote(s string) bool {
	if strings.HasPrefix(s, `"`) {
		return true
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return true
		}
		if unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports C0 and C1 controls, DEL, and the format characters
// that reorder or hide text on a terminal (bidi overrides and isolates,
// line and paragraph separators).
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x2028, r == 0x2029, r == 0x200e, r == 0x200f:
		return true
	}
	return false
}
