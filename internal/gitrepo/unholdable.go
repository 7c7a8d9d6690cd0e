package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Limits of a Linux work tree: git stores any name, but open(2) refuses a
// component past NAME_MAX and a path past PATH_MAX, and checkout stops at
// the first such path, for every path after it.
const (
	nameMax  = 255
	pathMax  = 4096
	depthMax = 200 // no dotfile tree nests this deep; deeper costs each round seconds
)

// Unholdable is a path of a tree that no work tree here can hold.
type Unholdable struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// UnholdablePaths lists the paths of rev's tree that checkout could not
// write under this work tree: the shortest prefix of each that is too
// long, too deep, or a name git refuses to check out. One streamed
// ls-tree; a normal tree yields none.
func (r *Repo) UnholdablePaths(ctx context.Context, rev string) ([]Unholdable, error) {
	if err := checkRev(rev); err != nil {
		return nil, fmt.Errorf("ls-tree in %s: %w", r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"ls-tree", "-r", "--name-only", "-z", rev}})
	if err != nil {
		return nil, err
	}
	base := len(r.WorkTree) + 1
	var bad []Unholdable
	seen := map[string]bool{}
	for p := range bytes.SplitSeq(out, []byte{0}) {
		if len(p) == 0 {
			continue
		}
		prefix, reason := unholdable(string(p), base)
		if reason != "" && !seen[prefix] {
			seen[prefix] = true
			bad = append(bad, Unholdable{Path: prefix, Reason: reason})
		}
	}
	return bad, nil
}

// unholdable returns the shortest prefix of p that cannot be checked out
// under a work tree whose path (with its slash) is base bytes long, and why.
func unholdable(p string, base int) (string, string) {
	end := 0
	for depth, name := range strings.Split(p, "/") {
		if end > 0 {
			end++
		}
		end += len(name)
		switch {
		case len(name) > nameMax:
			return p[:end], fmt.Sprintf("a name of %d bytes, over the %d a file system holds", len(name), nameMax)
		case base+end >= pathMax:
			return p[:end], fmt.Sprintf("a path of %d bytes in the work tree, over the %d the system allows", base+end, pathMax)
		case depth >= depthMax:
			return p[:end], fmt.Sprintf("nested more than %d directories deep", depthMax)
		case refusedName(name):
			return p[:end], fmt.Sprintf("a name git refuses to check out (%q)", name)
		}
	}
	return "", ""
}

// refusedName: names git's checkout refuses in any component.
func refusedName(name string) bool {
	n := strings.TrimRight(strings.ToLower(name), ". ")
	return name == "" || name == "." || name == ".." || n == ".git" || n == "git~1"
}

// CheckoutHolding is Checkout that leaves the paths of `to` no work tree
// here can hold out of the work tree (skip-worktree through a sparse
// checkout of everything else) so the rest is checked out, and returns
// them. They stay in the index, so committing the work tree keeps them.
func (r *Repo) CheckoutHolding(ctx context.Context, from, to string) ([]Unholdable, error) {
	bad, err := r.UnholdablePaths(ctx, to)
	if err != nil || len(bad) == 0 {
		if err == nil {
			err = r.Checkout(ctx, from, to)
		}
		return nil, err
	}
	var patterns strings.Builder
	patterns.WriteString("/*\n")
	for _, u := range bad {
		if strings.ContainsAny(u.Path, "\n\r") {
			continue // no pattern line can name it; checkout refuses it below
		}
		patterns.WriteString("!/" + escapePattern(u.Path) + "\n")
	}
	info := filepath.Join(r.GitDir, "info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		return bad, err
	}
	if err := os.WriteFile(filepath.Join(info, "sparse-checkout"), []byte(patterns.String()), 0o644); err != nil {
		return bad, err
	}
	return bad, r.checkout(ctx, from, to, []string{"-c", "core.sparseCheckout=true", "-c", "core.sparseCheckoutCone=false"})
}

// escapePattern makes p match itself literally as a sparse-checkout line.
func escapePattern(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`\*?[]!# `, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// SkipWorktree marks the index entries at or below each of prefixes
// skip-worktree, so that staging the work tree keeps them though no file
// holds them (git update-index --skip-worktree).
func (r *Repo) SkipWorktree(ctx context.Context, prefixes []string) error {
	if len(prefixes) == 0 {
		return nil
	}
	out, err := r.run(ctx, call{args: []string{"ls-files", "-z"}})
	if err != nil {
		return err
	}
	var in bytes.Buffer
	for p := range bytes.SplitSeq(out, []byte{0}) {
		if len(p) > 0 && Beneath(string(p), prefixes) {
			in.Write(p)
			in.WriteByte(0)
		}
	}
	if in.Len() == 0 {
		return nil
	}
	_, err = r.run(ctx, call{args: []string{"update-index", "--skip-worktree", "-z", "--stdin"}, stdin: &in})
	return err
}

// Beneath reports whether p is one of prefixes or below one.
func Beneath(p string, prefixes []string) bool {
	for _, pre := range prefixes {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	return false
}
