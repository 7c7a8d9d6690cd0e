package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Git file modes as they appear in trees and in the index.
const (
	ModeFile    = "100644"
	ModeExec    = "100755"
	ModeSymlink = "120000"
	ModeTree    = "040000"
	ModeGitlink = "160000"
)

// RevParse resolves rev to a full object id. A revision that does not exist
// gives an error matching ErrNotFound.
func (r *Repo) RevParse(ctx context.Context, rev string) (string, error) {
	if err := checkRev(rev); err != nil {
		return "", fmt.Errorf("rev-parse in %s: %w", r.Dir(), err)
	}
	out, code, err := r.runCode(ctx, call{args: []string{"rev-parse", "--verify", "--quiet", "--end-of-options", rev}, okExit: []int{1}})
	if err != nil {
		return "", err
	}
	if code == 1 {
		return "", fmt.Errorf("rev-parse %s in %s: %w", rev, r.Dir(), ErrNotFound)
	}
	return strings.TrimSpace(string(out)), nil
}

// IsAncestor reports whether commit a is an ancestor of (or equal to) b.
func (r *Repo) IsAncestor(ctx context.Context, a, b string) (bool, error) {
	if err := checkRevs(a, b); err != nil {
		return false, fmt.Errorf("merge-base --is-ancestor in %s: %w", r.Dir(), err)
	}
	_, code, err := r.runCode(ctx, call{args: []string{"merge-base", "--is-ancestor", a, b}, okExit: []int{1}})
	if err != nil {
		return false, err
	}
	return code == 0, nil
}

// MergeBase returns the best common ancestor of a and b, or an error
// matching ErrNoMergeBase when they share no history.
func (r *Repo) MergeBase(ctx context.Context, a, b string) (string, error) {
	if err := checkRevs(a, b); err != nil {
		return "", fmt.Errorf("merge-base in %s: %w", r.Dir(), err)
	}
	out, code, err := r.runCode(ctx, call{args: []string{"merge-base", a, b}, okExit: []int{1}})
	if err != nil {
		return "", err
	}
	if code == 1 {
		return "", fmt.Errorf("merge-base %s %s in %s: %w", a, b, r.Dir(), ErrNoMergeBase)
	}
	return strings.TrimSpace(string(out)), nil
}

// ReadBlob returns the content of a blob, named by id or as "<rev>:<path>".
func (r *Repo) ReadBlob(ctx context.Context, object string) ([]byte, error) {
	if err := checkRev(object); err != nil {
		return nil, fmt.Errorf("cat-file in %s: %w", r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"cat-file", "blob", object}})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.ExitCode == 128 && notFoundMessage(e.Stderr) {
			e.Kind = ErrNotFound
		}
		return nil, err
	}
	return out, nil
}

// HashObject writes data into the object store as a blob and returns its id.
// No filters (line endings, clean filters) are applied: the bytes are stored as given.
func (r *Repo) HashObject(ctx context.Context, data []byte) (string, error) {
	out, err := r.run(ctx, call{args: []string{"hash-object", "-w", "--no-filters", "--stdin"}, stdin: bytes.NewReader(data)})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// TreeEntry is one line of ls-tree.
type TreeEntry struct {
	Mode string // e.g. ModeFile
	Type string // blob, tree or commit
	ID   string
	Path string // relative to the root of the listed tree
}

// LsTree lists the tree of treeish: every blob below it when recursive,
// otherwise only the top level. Paths limit the listing. A tree holding a
// name that could escape a checkout ("..", ".git", …) is an error.
func (r *Repo) LsTree(ctx context.Context, treeish string, recursive bool, paths ...string) ([]TreeEntry, error) {
	if err := checkRev(treeish); err != nil {
		return nil, fmt.Errorf("ls-tree in %s: %w", r.Dir(), err)
	}
	args := []string{"ls-tree", "-z", "--full-tree"}
	if recursive {
		args = append(args, "-r")
	}
	args = append(args, treeish, "--")
	args = append(args, paths...)
	out, err := r.run(ctx, call{args: args})
	if err != nil {
		return nil, err
	}
	var entries []TreeEntry
	for rec := range strings.SplitSeq(string(out), "\x00") {
		if rec == "" {
			continue
		}
		meta, path, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("ls-tree %s in %s: unexpected line %q", treeish, r.Dir(), rec)
		}
		if err := checkPath(path); err != nil {
			// Git never writes such a name, but a hostile remote can send one.
			return nil, fmt.Errorf("ls-tree %s in %s: unsafe entry in tree: %w", treeish, r.Dir(), err)
		}
		entries = append(entries, TreeEntry{Mode: f[0], Type: f[1], ID: f[2], Path: path})
	}
	return entries, nil
}

// EmptyTree writes the empty tree and returns its id (it differs between
// SHA-1 and SHA-256 repositories, so it is asked, not hard-coded).
func (r *Repo) EmptyTree(ctx context.Context) (string, error) {
	out, err := r.run(ctx, call{args: []string{"hash-object", "-w", "-t", "tree", "--stdin"}, stdin: strings.NewReader("")})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func checkRevs(revs ...string) error {
	for _, rev := range revs {
		if err := checkRev(rev); err != nil {
			return err
		}
	}
	return nil
}

// notFoundMessage recognises git's ways of saying an object or path is missing.
func notFoundMessage(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "not a valid object name") || strings.Contains(s, "does not exist in") ||
		strings.Contains(s, "bad file") || strings.Contains(s, "exists on disk, but not in")
}

// parseUnix reads a commit time as git prints it. A time git cannot
// represent (a remote can commit one: git accepts it and shows 1970) is
// the epoch, the oldest possible, as git shows it: one odd commit must
// not fail every round that looks at it.
func parseUnix(s string) time.Time {
	sec, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return time.Unix(0, 0)
	}
	return time.Unix(sec, 0)
}
