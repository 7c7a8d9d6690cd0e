package gitrepo

import (
	"os"
	"path/filepath"
	"strings"
)

// openPlain opens, without running git, the common case of a work tree
// whose .git is a directory holding a default repository (SHA-1 objects,
// refs as files, no core.worktree, no includes). It returns nil for
// anything else, which Open then asks git about. Every sync round opens its
// clone; two rev-parse processes were a tenth of a no-op round.
func openPlain(abs string, opts Options) *Repo {
	gitDir := filepath.Join(abs, ".git")
	if fi, err := os.Lstat(gitDir); err != nil || !fi.IsDir() {
		return nil // absent, or a gitfile (submodule, linked worktree)
	}
	for _, p := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Lstat(filepath.Join(gitDir, p)); err != nil {
			return nil
		}
	}
	cfg, readable, _ := readSmallFile(filepath.Join(gitDir, "config"), maxConfigFile)
	if !readable || !plainConfig(string(cfg)) {
		return nil
	}
	r := newRepo(gitDir, abs, opts)
	if r.setDrivers(driversInConfig(string(cfg))) != nil {
		return nil // Open asks git, and reports it
	}
	return r
}

// plainConfig reports whether a repository's config leaves nothing that
// openPlain assumes in doubt. It errs towards "no": a false "no" only costs
// the git processes openPlain saves.
func plainConfig(cfg string) bool {
	for line := range strings.SplitSeq(strings.ToLower(cfg), "\n") {
		l := strings.Join(strings.Fields(line), "")
		if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";") {
			continue
		}
		for _, word := range []string{"objectformat", "refstorage", "worktree", "include", "bare=true", "bare=yes", "bare=on", "bare=1"} {
			if strings.Contains(l, word) {
				return false
			}
		}
		if l == "bare" { // a bare key alone means true
			return false
		}
	}
	return true
}
