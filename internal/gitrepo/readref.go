package gitrepo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ReadRef returns the object id a full ref name ("refs/heads/main", "HEAD")
// points at, or "" when the ref does not exist.
//
// A sync round reads a few refs several times; one git process per read was
// a fifth of a no-op round. Refs in the files backend are plain files that
// git replaces atomically (lock, rename), so they are read here directly:
// the loose file first, then packed-refs, the order git uses, which also
// stays right when a concurrent pack-refs moves a ref between the two. Any
// layout this does not know (reftable, linked worktrees, a malformed file)
// is left to `git rev-parse`.
func (r *Repo) ReadRef(ctx context.Context, name string) (string, error) {
	if err := checkRefName(name); err != nil || (name != "HEAD" && !strings.HasPrefix(name, "refs/")) || strings.Contains(name, "..") {
		return "", fmt.Errorf("read ref in %s: invalid ref name %q", r.Dir(), name)
	}
	if !r.filesRefs() {
		return r.readRefGit(ctx, name)
	}
	id, ok := r.readRefFiles(name, 0)
	if !ok {
		return r.readRefGit(ctx, name)
	}
	return id, nil
}

func (r *Repo) readRefGit(ctx context.Context, name string) (string, error) {
	id, err := r.RevParse(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return id, err
}

// filesRefs reports whether refs are stored as plain files in GitDir.
func (r *Repo) filesRefs() bool {
	for _, p := range []string{"reftable", "commondir"} {
		if _, err := os.Lstat(filepath.Join(r.GitDir, p)); err == nil {
			return false
		}
	}
	return true
}

// readRefFiles resolves name from the files backend; ok is false when the
// answer is not certain and git should be asked.
func (r *Repo) readRefFiles(name string, depth int) (id string, ok bool) {
	if depth > 5 {
		return "", false
	}
	data, readable, missing := readSmallFile(filepath.Join(r.GitDir, filepath.FromSlash(name)), maxRefFile)
	switch {
	case readable:
		line := strings.TrimSpace(string(data))
		if target, sym := strings.CutPrefix(line, "ref: "); sym {
			if !strings.HasPrefix(target, "refs/") || strings.Contains(target, "..") || checkRefName(target) != nil {
				return "", false
			}
			return r.readRefFiles(target, depth+1)
		}
		if len(line) != r.idLen || !isHexID(line) {
			return "", false
		}
		return line, true
	case missing:
		return r.packedRef(name)
	default:
		// A directory of that name (refs/heads/main/x exists), permissions…
		return "", false
	}
}

// packedRef looks name up in packed-refs.
func (r *Repo) packedRef(name string) (string, bool) {
	var id string
	ok := r.eachPackedRef(func(ref, refID string) bool {
		if ref == name {
			id = refID
			return false
		}
		return true
	})
	return id, ok
}

// eachPackedRef calls fn with every "<id> <name>" line of packed-refs
// ("#" header and "^<id>" peeled lines skipped) until fn returns false. It
// reports false when the file cannot be trusted (unreadable, too big, a
// line it does not understand): the caller then asks git. No file is an
// empty list.
func (r *Repo) eachPackedRef(fn func(ref, id string) bool) bool {
	data, readable, missing := readSmallFile(filepath.Join(r.GitDir, "packed-refs"), maxPackedRefs)
	if missing {
		return true
	}
	if !readable {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		id, ref, found := strings.Cut(line, " ")
		if !found || len(id) != r.idLen || !isHexID(id) {
			return false
		}
		if !fn(ref, id) {
			return true
		}
	}
	return sc.Err() == nil
}

// HeadBranch returns the full ref HEAD points at ("refs/heads/main"), or ""
// when HEAD is detached. Like ReadRef it reads the file when it can.
func (r *Repo) HeadBranch(ctx context.Context) (string, error) {
	if r.filesRefs() {
		if data, readable, _ := readSmallFile(filepath.Join(r.GitDir, "HEAD"), maxRefFile); readable {
			line := strings.TrimSpace(string(data))
			if target, sym := strings.CutPrefix(line, "ref: "); sym && strings.HasPrefix(target, "refs/") && checkRefName(target) == nil {
				return target, nil
			}
			if len(line) == r.idLen && isHexID(line) {
				return "", nil
			}
		}
	}
	ref, err := r.SymbolicRef(ctx, "HEAD")
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	return ref, err
}
