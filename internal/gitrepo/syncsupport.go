package gitrepo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Favor picks the side whose text wins overlapping hunks in MergeFile.
type Favor string

// Favor values.
const (
	FavorNone   Favor = ""
	FavorOurs   Favor = "ours"
	FavorTheirs Favor = "theirs"
)

// MergeFile does a three-way text merge of three versions of one file (git
// merge-file). Non-overlapping hunks always merge. With FavorNone the result
// holds conflict markers for overlapping hunks; with FavorOurs/FavorTheirs
// those hunks take that side's text. overlaps is the number of overlapping
// hunks either way, so a caller knows whether a side lost anything.
func (r *Repo) MergeFile(ctx context.Context, base, ours, theirs []byte, favor Favor) (merged []byte, overlaps int, err error) {
	dir, err := os.MkdirTemp("", "hearth-merge-file-")
	if err != nil {
		return nil, 0, fmt.Errorf("merge-file: %w", err)
	}
	defer os.RemoveAll(dir)
	paths := make([]string, 3)
	for i, data := range [][]byte{ours, base, theirs} {
		paths[i] = filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(paths[i], data, 0o600); err != nil {
			return nil, 0, fmt.Errorf("merge-file: %w", err)
		}
	}
	args := []string{"merge-file", "-p", "-L", "ours", "-L", "base", "-L", "theirs"}
	// The plain run counts overlapping hunks (its exit status, capped at 127).
	// No repository around the temp dir may lend git its config.
	env := []string{"GIT_CEILING_DIRECTORIES=" + filepath.Dir(dir)}
	out, code, err := r.runCode(ctx, call{args: append(args, paths...), raw: true, dir: dir, env: env, okExit: okCounts()})
	if err != nil {
		return nil, 0, err
	}
	if favor == FavorNone || code == 0 {
		return out, code, nil
	}
	out, err = r.run(ctx, call{args: append(append(args, "--"+string(favor)), paths...), raw: true, dir: dir, env: env})
	if err != nil {
		return nil, 0, err
	}
	return out, code, nil
}

func okCounts() []int {
	codes := make([]int, 127)
	for i := range codes {
		codes[i] = i + 1
	}
	return codes
}

// LastChange returns the last commit reachable from rev that changed path,
// and its committer time; "" when no commit touched it.
func (r *Repo) LastChange(ctx context.Context, rev, path string) (string, time.Time, error) {
	if err := checkRev(rev); err != nil {
		return "", time.Time{}, fmt.Errorf("log in %s: %w", r.Dir(), err)
	}
	if err := checkPath(path); err != nil {
		return "", time.Time{}, fmt.Errorf("log %s in %s: %w", rev, r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"log", "-1", "--no-renames", "--format=%H %ct", rev, "--", path}})
	if err != nil {
		return "", time.Time{}, err
	}
	id, ts, ok := strings.Cut(strings.TrimSpace(string(out)), " ")
	if !ok {
		return "", time.Time{}, nil
	}
	return id, parseUnix(ts), nil
}

// ResetIndex makes the real index equal rev's tree without touching the work
// tree (git read-tree --reset rev), so that a following Checkout(rev, …)
// sees every difference between the work tree and rev as a local
// modification. Entries that already held rev's content keep their stat
// data (plain read-tree would drop it, and the next status or add would
// hash every file again); unmerged or stale entries are discarded.
func (r *Repo) ResetIndex(ctx context.Context, rev string) error {
	if err := checkRev(rev); err != nil {
		return fmt.Errorf("read-tree in %s: %w", r.Dir(), err)
	}
	_, err := r.run(ctx, call{args: []string{"read-tree", "--reset", rev}})
	return err
}

// CountCommits counts the commits reachable from `to` but not from `from`
// (git rev-list --count from..to).
func (r *Repo) CountCommits(ctx context.Context, from, to string) (int, error) {
	if err := checkRevs(from, to); err != nil {
		return 0, fmt.Errorf("rev-list in %s: %w", r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"rev-list", "--count", from + ".." + to, "--"}})
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, fmt.Errorf("rev-list --count in %s: %q", r.Dir(), out)
	}
	return n, nil
}

// ObjectSize returns the size in bytes of an object (git cat-file -s), so
// a caller can decline to read one that is too large.
func (r *Repo) ObjectSize(ctx context.Context, object string) (int64, error) {
	if err := checkRev(object); err != nil {
		return 0, fmt.Errorf("cat-file in %s: %w", r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"cat-file", "-s", object}})
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("cat-file -s %s in %s: %q", object, r.Dir(), out)
	}
	return n, nil
}
