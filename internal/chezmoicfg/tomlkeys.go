package chezmoicfg

import "fmt"

// maxTOMLKeyCost bounds the sum, over a TOML document's keys, of the
// square of each key's depth (its table header's parts, the enclosing
// keys of inline tables, its own dotted parts). The TOML decoder keeps,
// for every key, each of its prefixes as a separate path: a key of depth
// d costs about d*d path parts, so a 40 KB file of one dotted key 20,000
// parts long took over 4 GB and minutes (a remote's 600 KB one took
// 23 GB before it was killed), with no brackets for CheckNesting to
// count. 1<<23 parts is about 100 MB; real data stays far below.
const maxTOMLKeyCost = 1 << 23

// CheckTOML refuses a TOML document that nests too deep (CheckNesting) or
// whose dotted keys would cost the decoder more than maxTOMLKeyCost. It
// errs on the side of counting.
func CheckTOML(b []byte) error {
	if err := CheckNesting(b); err != nil {
		return err
	}
	return checkTOMLKeys(b)
}

func checkTOMLKeys(b []byte) error {
	var (
		base     []int // depth of the key each open [ or { belongs to
		header   int   // depth of the current table header
		last     int   // depth of the last key
		parts    int   // dots seen in the key being read
		inKey    = true
		inHeader bool
		cost     int
	)
	depth := func() int {
		if len(base) > 0 {
			return base[len(base)-1]
		}
		return header
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '#':
			for i+1 < len(b) && b[i+1] != '\n' {
				i++
			}
		case c == '"' || c == '\'':
			i = skipTOMLString(b, i)
		case c == '\n':
			if len(base) == 0 {
				inKey, inHeader, parts = true, false, 0
			}
		case inHeader:
			switch c {
			case '.':
				parts++
			case ']':
				header = parts + 1
				cost += header * header
				inHeader, inKey = false, false
			}
		case inKey && c == '[' && len(base) == 0:
			inHeader, parts = true, 0
		case inKey && c == '.':
			parts++
		case inKey && c == '=':
			last = depth() + parts + 1
			cost += last * last
			inKey, parts = false, 0
		case c == '[' || c == '{':
			base = append(base, last)
			inKey, parts = c == '{', 0
		case c == ']' || c == '}':
			if len(base) > 0 {
				base = base[:len(base)-1]
			}
		case c == ',' && len(base) > 0:
			inKey, parts = true, 0
		}
		if cost > maxTOMLKeyCost {
			return fmt.Errorf("keys nested too deep (dotted keys past %d parts in all, at byte %d)", maxTOMLKeyCost, i)
		}
	}
	return nil
}

// skipTOMLString returns the index of the last byte of the string that
// starts at b[i]: a triple-quoted one may span lines, any other ends at
// its quote or the line's end.
func skipTOMLString(b []byte, i int) int {
	q := b[i]
	if i+2 < len(b) && b[i+1] == q && b[i+2] == q {
		for j := i + 3; j+2 < len(b); j++ {
			if q == '"' && b[j] == '\\' {
				j++
				continue
			}
			if b[j] == q && b[j+1] == q && b[j+2] == q {
				return j + 2
			}
		}
		return len(b) - 1
	}
	for j := i + 1; j < len(b); j++ {
		switch {
		case q == '"' && b[j] == '\\':
			j++
		case b[j] == q:
			return j
		case b[j] == '\n':
			return j - 1
		}
	}
	return len(b) - 1
}
