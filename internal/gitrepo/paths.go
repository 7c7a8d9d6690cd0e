package gitrepo

import (
	"fmt"
	"strings"
)

// checkPath refuses a repository path that could escape the tree or write
// into git's own directory: empty, absolute, "." or ".." components, a ".git"
// component in any letter case, or NUL/newline bytes.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.ContainsAny(p, "\x00\n") {
		return fmt.Errorf("invalid repository path %q", p)
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return fmt.Errorf("invalid repository path %q", p)
		}
	}
	return nil
}
