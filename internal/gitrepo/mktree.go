package gitrepo

import (
	"context"
	"fmt"
	"strings"
)

// MkTree writes a flat tree holding entries (blobs only; Path is a plain
// file name) in one git call and returns its id.
func (r *Repo) MkTree(ctx context.Context, entries []TreeEntry) (string, error) {
	var in strings.Builder
	for _, e := range entries {
		if e.Path == "" || strings.ContainsAny(e.Path, "/\x00\n") || checkPath(e.Path) != nil {
			return "", fmt.Errorf("mktree in %s: invalid file name %q", r.Dir(), e.Path)
		}
		if (e.Mode != ModeFile && e.Mode != ModeExec) || !isHexID(e.ID) {
			return "", fmt.Errorf("mktree in %s: %s: invalid mode %q or id %q", r.Dir(), e.Path, e.Mode, e.ID)
		}
		fmt.Fprintf(&in, "%s blob %s\t%s\x00", e.Mode, e.ID, e.Path)
	}
	out, err := r.run(ctx, call{args: []string{"mktree", "-z"}, stdin: strings.NewReader(in.String())})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
