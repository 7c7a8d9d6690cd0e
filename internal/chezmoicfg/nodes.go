package chezmoicfg

import "fmt"

// MaxNodes bounds how many values a JSON, TOML or YAML document may
// decode into. A decoded value costs 60 to 150 bytes (JSON, YAML's node
// tree): 60 MB of "0," (58 KB pushed, compressed) decoded into 2 GB as
// JSON and past 4 GB as YAML on every round, status included.
const MaxNodes = 1 << 21

// CheckNodes refuses a document that may hold more than MaxNodes values,
// counted before decoding by the bytes that can start one (separators,
// brackets, keys, sequence dashes, lines) wherever they stand: quotes and
// comments are not trusted to hide them, so text heavy with commas
// counts high, never low.
func CheckNodes(b []byte) error {
	n := 0
	for _, c := range b {
		switch c {
		case ',', ':', '[', '{', '-', '\n':
			n++
		}
	}
	if n > MaxNodes {
		return fmt.Errorf("may hold %d values, more than %d: refused", n, MaxNodes)
	}
	return nil
}
