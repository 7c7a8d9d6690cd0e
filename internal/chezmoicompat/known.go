package chezmoicompat

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// KnownHeading starts the section of docs/chezmoi-compat.md whose table
// lists the differences the differential test accepts.
const KnownHeading = "## Known differences"

// Known is one accepted difference: case and path are path.Match patterns
// (case as "txtar/NAME", "repo/NAME" or "corpus"; path relative to home);
// a path pattern ending in "/**" also covers everything below.
type Known struct {
	Case, Path, Reason string
	Line               int
}

// Matches reports whether the row covers path p of case c.
func (k Known) Matches(c, p string) bool {
	okC, _ := path.Match(k.Case, c)
	if dir, ok := strings.CutSuffix(k.Path, "/**"); ok {
		for q := p; q != "." && q != "/"; q = path.Dir(q) {
			if m, _ := path.Match(dir, q); m {
				return okC
			}
		}
		return false
	}
	okP, _ := path.Match(k.Path, p)
	return okC && okP
}

// ParseKnown reads the first table after KnownHeading: rows of
// `| case | path | reason |`, each with a reason.
func ParseKnown(doc []byte) ([]Known, error) {
	var out []Known
	in, table := false, false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "## "):
			if table || in {
				if in && !table {
					return nil, fmt.Errorf("line %d: %q has no table", n, KnownHeading)
				}
				return out, nil
			}
			in = line == KnownHeading
		case !in:
		case strings.HasPrefix(line, "|"):
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.Trim(strings.TrimSpace(cells[i]), "`")
			}
			if !table {
				// The header row and the |---| row.
				table = true
				if len(cells) != 3 || cells[0] != "case" || cells[1] != "path" || cells[2] != "reason" {
					return nil, fmt.Errorf("line %d: want the header | case | path | reason |", n)
				}
				continue
			}
			if strings.HasPrefix(cells[0], "---") {
				continue
			}
			if len(cells) != 3 || cells[0] == "" || cells[1] == "" || cells[2] == "" {
				return nil, fmt.Errorf("line %d: want | case | path | reason | with all three set", n)
			}
			for _, pat := range cells[:2] {
				if _, err := path.Match(pat, ""); err != nil {
					return nil, fmt.Errorf("line %d: bad pattern %q: %v", n, pat, err)
				}
			}
			out = append(out, Known{Case: cells[0], Path: cells[1], Reason: cells[2], Line: n})
		case table && line != "":
			return out, nil
		}
	}
	if !in && !table {
		return nil, fmt.Errorf("no %q section", KnownHeading)
	}
	return out, nil
}
