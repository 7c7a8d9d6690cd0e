package gitrepo

import (
	"context"
	"fmt"
	"strings"
)

// Checkout moves the index and the work tree from tree-ish `from` to `to`
// (git read-tree -m -u): only paths that differ between the two are written,
// and git refuses, changing nothing, when such a path has local
// modifications or an untracked file is in the way. from "" reads `to` as a
// one-way merge (a first checkout). HEAD and branches are not moved: the
// caller updates them with UpdateRef, after Checkout, so a crash in between
// is finished by running the same Checkout again.
func (r *Repo) Checkout(ctx context.Context, from, to string) error {
	if r.Bare() {
		return fmt.Errorf("checkout in %s: bare repository has no work tree", r.Dir())
	}
	if err := checkRev(to); err != nil {
		return fmt.Errorf("checkout in %s: %w", r.Dir(), err)
	}
	// Refresh stat data first, so that files touched but unchanged are not
	// mistaken for local modifications. Exit 1 only means "some files differ".
	if _, _, err := r.runCode(ctx, call{args: []string{"update-index", "-q", "--refresh"}, okExit: []int{1}}); err != nil {
		return err
	}
	args := []string{"read-tree", "-m", "-u"}
	if from != "" {
		if err := checkRev(from); err != nil {
			return fmt.Errorf("checkout in %s: %w", r.Dir(), err)
		}
		args = append(args, from)
	}
	args = append(args, to)
	_, err := r.run(ctx, call{args: args})
	return err
}

// StatusEntry is one path of `git status --porcelain`: X is the index
// status, Y the work tree status ('?' for untracked).
type StatusEntry struct {
	X, Y byte
	Path string
}

// Status lists changed, staged and untracked paths (ignored files excluded).
// It takes no optional locks, so it never contends with a user's git.
func (r *Repo) Status(ctx context.Context) ([]StatusEntry, error) {
	if r.Bare() {
		return nil, fmt.Errorf("status in %s: bare repository has no work tree", r.Dir())
	}
	out, err := r.run(ctx, call{
		args: []string{"status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all"},
		env:  []string{"GIT_OPTIONAL_LOCKS=0"},
	})
	if err != nil {
		return nil, err
	}
	var entries []StatusEntry
	for rec := range strings.SplitSeq(string(out), "\x00") {
		if rec == "" {
			continue
		}
		if len(rec) < 4 || rec[2] != ' ' {
			return nil, fmt.Errorf("status in %s: unexpected entry %q", r.Dir(), rec)
		}
		entries = append(entries, StatusEntry{X: rec[0], Y: rec[1], Path: rec[3:]})
	}
	return entries, nil
}
