package chezmoicfg

import "fmt"

// MaxNesting bounds how deep a TOML or YAML document's brackets may nest.
// The decoders recurse once per level: a remote's file of millions of
// "[" overflows the goroutine stack (a fatal error no recover catches) or
// spins for minutes. No configuration data comes near this depth.
const MaxNesting = 1000

// CheckNesting refuses a document whose [ and { nest deeper than
// MaxNesting, or that opens more than MaxNesting YAML block sequences on
// one line ("- - - …": 1.5 million of them, 3 MB, spun for more than ten
// minutes ignoring SIGTERM), counted outside quoted strings and comments.
// It errs on the side of counting: a '#' or a quote counts as a comment
// or a string only where one can start in YAML (at a line's start or
// after a space or a flow separator), since "a#[[[" and "a'[[[" are plain
// scalars followed by brackets there; a lone bracket in an unquoted
// scalar counts too.
func CheckNesting(b []byte) error {
	depth, dashes := 0, 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\n':
			dashes = 0
		case '#':
			if !tokenStart(b, i) {
				continue
			}
			for i < len(b) && b[i] != '\n' {
				i++
			}
			dashes = 0
		case '"', '\'':
			if !tokenStart(b, i) {
				continue
			}
			for i++; i < len(b) && b[i] != c && b[i] != '\n'; i++ {
				if c == '"' && b[i] == '\\' {
					i++
				}
			}
			if i < len(b) && b[i] == '\n' {
				dashes = 0
			}
		case '-', '?':
			if tokenStart(b, i) && i+1 < len(b) && (b[i+1] == ' ' || b[i+1] == '\t') {
				dashes++
				if dashes > MaxNesting {
					return fmt.Errorf("more than %d block sequences opened on one line (at byte %d)", MaxNesting, i)
				}
			}
		case '[', '{':
			depth++
			if depth > MaxNesting {
				return fmt.Errorf("nested more than %d levels deep (at byte %d)", MaxNesting, i)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// tokenStart reports whether a comment, string or indicator may start at
// b[i]: at the start, or after a space, a line break or a separator.
func tokenStart(b []byte, i int) bool {
	if i == 0 {
		return true
	}
	switch b[i-1] {
	case ' ', '\t', '\n', '\r', '[', '{', ',', ':', '=':
		return true
	}
	return false
}
