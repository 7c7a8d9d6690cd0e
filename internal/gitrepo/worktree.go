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
	return r.checkout(ctx, from, to, nil)
}

func (r *Repo) checkout(ctx context.Context, from, to string, config []string) error {
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
	_, err := r.run(ctx, call{args: args, config: config})
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
	return r.status(ctx, []string{"GIT_OPTIONAL_LOCKS=0"})
}

// Changed reports whether the work tree or the index differs from HEAD
// (untracked files count, ignored ones do not). Unlike Status it lets git
// write the stat data it refreshed back to the index, so the next call
// does not hash the same unchanged files again; the caller must own the
// repository (hold hearth's job lock).
func (r *Repo) Changed(ctx context.Context) (bool, error) {
	entries, err := r.status(ctx, nil)
	return len(entries) > 0, err
}

// StageAll makes the index equal the work tree (git add -A) and returns the
// tree it holds (git write-tree): what a commit of every local edit holds.
// The index keeps stat data, so only files whose stat changed are hashed.
func (r *Repo) StageAll(ctx context.Context) (string, error) {
	if r.Bare() {
		return "", fmt.Errorf("add in %s: bare repository has no work tree", r.Dir())
	}
	if _, err := r.run(ctx, call{args: []string{"add", "-A", "--", "."}}); err != nil {
		return "", err
	}
	out, err := r.run(ctx, call{args: []string{"write-tree"}})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

func (r *Repo) status(ctx context.Context, env []string) ([]StatusEntry, error) {
	if r.Bare() {
		return nil, fmt.Errorf("status in %s: bare repository has no work tree", r.Dir())
	}
	out, err := r.run(ctx, call{
		args: []string{"status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all"},
		env:  env,
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

// CheckoutPaths writes paths from the index into the work tree,
// overwriting what is there (git checkout-index -f).
func (r *Repo) CheckoutPaths(ctx context.Context, paths []string) error {
	if r.Bare() {
		return fmt.Errorf("checkout-index in %s: bare repository has no work tree", r.Dir())
	}
	if len(paths) == 0 {
		return nil
	}
	var in strings.Builder
	for _, p := range paths {
		if err := checkPath(p); err != nil {
			return fmt.Errorf("checkout-index in %s: %w", r.Dir(), err)
		}
		in.WriteString(p)
		in.WriteByte(0)
	}
	_, err := r.run(ctx, call{args: []string{"checkout-index", "-f", "-q", "-z", "--stdin"}, stdin: strings.NewReader(in.String())})
	return err
}
