package dotfiles

import (
	"fmt"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// IgnoreSet holds .chezmoiignore patterns. As in chezmoi, patterns match
// target paths (not source names) with doublestar globbing, and every
// exclude ("!pattern") wins over every include, whatever the line order.
type IgnoreSet struct {
	include patternSet
	exclude patternSet
	evals   int // pattern evaluations so far: the cost a huge file must not make quadratic
}

// patternSet indexes patterns so that a path is checked against the few
// that can match it, not all of them (a .chezmoiignore of 20,000 lines
// would otherwise cost 20,000 glob matches per path, every round):
// patterns without glob syntax are a set; a glob whose first component is
// plain text only sees paths starting with that component.
type patternSet struct {
	literal map[string]bool
	byFirst map[string][]string
	wild    []string // globs whose first component is a glob itself
}

func (ps *patternSet) add(p string) {
	first, _, _ := strings.Cut(p, "/")
	switch {
	case !strings.ContainsAny(p, globMeta):
		if ps.literal == nil {
			ps.literal = map[string]bool{}
		}
		ps.literal[p] = true
	case !strings.ContainsAny(first, globMeta):
		if ps.byFirst == nil {
			ps.byFirst = map[string][]string{}
		}
		ps.byFirst[first] = append(ps.byFirst[first], p)
	default:
		ps.wild = append(ps.wild, p)
	}
}

// globMeta are the characters with a meaning to doublestar.
const globMeta = "*?[]{}\\"

func (ps *patternSet) len() int {
	n := len(ps.literal) + len(ps.wild)
	for _, l := range ps.byFirst {
		n += len(l)
	}
	return n
}

// match reports whether target matches a pattern, counting evaluations.
func (ps *patternSet) match(target string, evals *int) bool {
	*evals++
	if ps.literal[target] {
		return true
	}
	first, _, _ := strings.Cut(target, "/")
	for _, list := range [][]string{ps.byFirst[first], ps.wild} {
		for _, p := range list {
			*evals++
			if ok, _ := doublestar.Match(p, target); ok {
				return true
			}
		}
	}
	return false
}

// ParseIgnore adds the patterns of one rendered .chezmoiignore file. dir is
// the target path of the directory holding the file ("" at the root):
// patterns in a subdirectory's .chezmoiignore apply below it only. name is
// used in errors.
func (s *IgnoreSet) ParseIgnore(name, dir string, text string) error {
	for i, line := range strings.Split(text, "\n") {
		line = stripIgnoreComment(line)
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		neg := false
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			neg = true
			line = strings.TrimSpace(rest)
		}
		// A trailing slash names a directory; ignoring a directory already
		// skips its whole subtree, so the slash adds nothing.
		line = strings.TrimRight(line, "/")
		line = strings.TrimLeft(line, "/")
		if line == "" {
			continue
		}
		if dir != "" {
			line = dir + "/" + line
		}
		if !doublestar.ValidatePattern(line) {
			return fmt.Errorf("%s:%d: invalid pattern %q", name, i+1, line)
		}
		if neg {
			s.exclude.add(line)
		} else {
			s.include.add(line)
		}
	}
	return nil
}

// stripIgnoreComment drops a # comment: at the start of a line, or after
// whitespace (a # inside a name is part of the name).
func stripIgnoreComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// Match reports whether the target path (slash-separated, relative to the
// target dir) is ignored by the patterns themselves. Callers walking a tree
// also treat everything below an ignored directory as ignored (Ignored).
func (s *IgnoreSet) Match(target string) bool {
	if s == nil {
		return false
	}
	return !s.exclude.match(target, &s.evals) && s.include.match(target, &s.evals)
}

// Ignored reports whether target or any of its parent directories is matched.
func (s *IgnoreSet) Ignored(target string) bool {
	for p := target; p != "." && p != "" && p != "/"; p = path.Dir(p) {
		if s.Match(p) {
			return true
		}
	}
	return false
}

// Empty reports whether the set has no patterns.
func (s *IgnoreSet) Empty() bool { return s == nil || s.include.len()+s.exclude.len() == 0 }
