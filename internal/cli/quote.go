package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// quoteControl writes control characters other than newline and tab, and
// bytes that are not UTF-8, as \xNN: an error quoting a remote's URL or a
// file's name must not drive the terminal it is printed on.
func quoteControl(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				fmt.Fprintf(&b, `\x%02x`, s[i])
				continue
			}
			b.WriteRune(r)
		case r != '\n' && r != '\t' && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
