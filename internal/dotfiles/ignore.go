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
	include []string
	exclude []string
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
			s.exclude = append(s.exclude, line)
		} else {
			s.include = append(s.include, line)
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
	for _, p := range s.exclude {
		if ok, _ := doublestar.Match(p, target); ok {
			return false
		}
	}
	for _, p := range s.include {
		if ok, _ := doublestar.Match(p, target); ok {
			return true
		}
	}
	return false
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
func (s *IgnoreSet) Empty() bool { return s == nil || len(s.include)+len(s.exclude) == 0 }
