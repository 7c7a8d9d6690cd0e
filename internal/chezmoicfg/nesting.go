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
	if err := checkIndicators(b, 0, depth); err != nil {
		return err
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '\n':
			if err := checkIndicators(b, i+1, depth); err != nil {
				return err
			}
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

// checkIndicators counts the YAML block indicators ("- ", "? ") that open
// the line at b[i]: "- - - x" nests a sequence per indicator with no
// bracket, and the YAML decoder took 6.8 GB on 100,000 of them (a 200 KB
// file) before it ran out of memory.
func checkIndicators(b []byte, i, depth int) error {
	for j := i; j < len(b); {
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j+1 >= len(b) || (b[j] != '-' && b[j] != '?') || (b[j+1] != ' ' && b[j+1] != '\t') {
			return nil
		}
		depth++
		if depth > MaxNesting {
			return fmt.Errorf("nested more than %d levels deep (at byte %d)", MaxNesting, j)
		}
		j += 2
	}
	return nil
}
