package dotfiles

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// guard refuses targets in places that belong to hearth or to git: the
// source dir (a target there is copied into the clone and pushed: a
// template including ~/.ssh/id_ed25519 would exfiltrate it), the state
// dir, hearth's config, and any .git directory (hooks run code). Paths
// are compared after resolving the symlinks already in home, so a link
// such as ~/dots -> ~/.local/share/chezmoi does not open a way round.
type guard struct {
	targetDir string
	protected []string          // absolute, symlinks resolved where they exist
	realDirs  map[string]string // target-relative dir -> its resolved absolute path
}

func newGuard(o *Options) *guard {
	g := &guard{targetDir: o.TargetDir, realDirs: map[string]string{}}
	for _, p := range append([]string{o.SourceDir}, o.Protected...) {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		g.protected = append(g.protected, abs)
		if r, err := filepath.EvalSymlinks(abs); err == nil && r != abs {
			g.protected = append(g.protected, r)
		}
	}
	return g
}

// refuse returns why target must not be managed, or "".
func (g *guard) refuse(target string) string {
	for _, c := range strings.Split(target, "/") {
		if c == ".git" {
			return "refused: target inside a .git directory (git would run what is written there)"
		}
	}
	abs := filepath.Join(g.realDir(path.Dir(target)), path.Base(target))
	lexical := filepath.Join(g.targetDir, filepath.FromSlash(target))
	for _, p := range g.protected {
		if isWithin(p, abs) || isWithin(p, lexical) {
			return fmt.Sprintf("refused: target lies inside %s, which hearth itself uses (its content would be captured and pushed)", p)
		}
	}
	return ""
}

// touches reports whether target is refused or holds a protected path
// below it: never removed as an unmanaged entry of an exact_ directory.
func (g *guard) touches(target string) bool {
	if g.refuse(target) != "" {
		return true
	}
	abs := filepath.Join(g.realDir(path.Dir(target)), path.Base(target))
	lexical := filepath.Join(g.targetDir, filepath.FromSlash(target))
	for _, p := range g.protected {
		if isWithin(abs, p) || isWithin(lexical, p) {
			return true
		}
	}
	return false
}

// realDir resolves the target-relative directory dir ("." for the target
// dir) through the symlinks that exist; missing parts are taken as they
// are, since apply creates them as real directories.
func (g *guard) realDir(dir string) string {
	if dir == "" {
		dir = "."
	}
	if r, ok := g.realDirs[dir]; ok {
		return r
	}
	abs := filepath.Join(g.targetDir, filepath.FromSlash(dir))
	r, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if dir == "." {
			r = abs
		} else {
			r = filepath.Join(g.realDir(path.Dir(dir)), path.Base(dir))
		}
	}
	g.realDirs[dir] = r
	return r
}
