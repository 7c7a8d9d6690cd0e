package chezmoicfg

import "fmt"

// MaxNesting bounds how deep a TOML or YAML document's brackets may nest.
// The decoders recurse once per level: a remote's file of millions of
// "[" overflows the goroutine stack (a fatal error no recover catches) or
// spins for minutes. No configuration data comes near this depth.
const MaxNesting = 1000

// CheckNesting refuses a document whose [ and { nest deeper than
// MaxNesting, counted outside quoted strings and comments. It errs on the
// side of counting: a lone bracket in an unquoted scalar counts too.
func CheckNesting(b []byte) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case '"', '\'':
			for i++; i < len(b) && b[i] != c && b[i] != '\n'; i++ {
				if c == '"' && b[i] == '\\' {
					i++
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
