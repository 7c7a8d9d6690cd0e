package gitrepo

import (
	"context"
	"fmt"
	"strings"
)

// Change is one path that differs between two trees. Renames are not
// detected: a rename is a delete plus an add.
type Change struct {
	Status  byte // 'A' added, 'D' deleted, 'M' modified, 'T' type changed
	Path    string
	OldMode string // "000000" when added
	NewMode string // "000000" when deleted
	OldID   string // all zeros when added
	NewID   string // all zeros when deleted
}

// DiffTree lists the files that differ between two tree-ish revisions,
// recursively. from "" means the empty tree. A tree holding a name that
// could escape a checkout ("..", ".git", …) is an error.
func (r *Repo) DiffTree(ctx context.Context, from, to string) ([]Change, error) {
	if from == "" {
		var err error
		if from, err = r.EmptyTree(ctx); err != nil {
			return nil, err
		}
	}
	if err := checkRevs(from, to); err != nil {
		return nil, fmt.Errorf("diff-tree in %s: %w", r.Dir(), err)
	}
	out, err := r.run(ctx, call{args: []string{"diff-tree", "-r", "-z", "--no-renames", "--raw", "--no-abbrev", from, to, "--"}})
	if err != nil {
		return nil, err
	}
	// Records are ":oldmode newmode oldid newid status" NUL path NUL.
	fields := strings.Split(string(out), "\x00")
	var changes []Change
	for i := 0; i+1 < len(fields); i += 2 {
		meta, path := fields[i], fields[i+1]
		f := strings.Fields(strings.TrimPrefix(meta, ":"))
		if !strings.HasPrefix(meta, ":") || len(f) != 5 || f[4] == "" {
			return nil, fmt.Errorf("diff-tree %s %s in %s: unexpected record %q", from, to, r.Dir(), meta)
		}
		if err := checkPath(path); err != nil {
			return nil, fmt.Errorf("diff-tree %s %s in %s: unsafe entry in tree: %w", from, to, r.Dir(), err)
		}
		changes = append(changes, Change{
			Status: f[4][0], Path: path,
			OldMode: f[0], NewMode: f[1], OldID: f[2], NewID: f[3],
		})
	}
	return changes, nil
}
