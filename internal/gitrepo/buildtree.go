package gitrepo

import (
	"context"
	"fmt"
	"os"
	"strings"
)

// TreeEdit replaces, adds or (with Delete) removes one file in a tree.
type TreeEdit struct {
	Path   string
	Mode   string // ModeFile, ModeExec or ModeSymlink; ignored with Delete
	ID     string // blob id, e.g. from HashObject; ignored with Delete
	Delete bool
}

// BuildTree returns the id of a tree equal to base with edits applied.
// base "" means the empty tree. It works in a temporary index file, so the
// work tree and the repository's real index are never touched, and a crash
// leaves nothing behind but a stray temp file, which RemoveStaleLocks sweeps.
func (r *Repo) BuildTree(ctx context.Context, base string, edits []TreeEdit) (string, error) {
	var info strings.Builder
	for _, e := range edits {
		if err := checkPath(e.Path); err != nil {
			return "", fmt.Errorf("build tree in %s: %w", r.Dir(), err)
		}
		if e.Delete {
			// Mode 0 removes the path from the index.
			fmt.Fprintf(&info, "0 %s\t%s\x00", strings.Repeat("0", r.idLen), e.Path)
			continue
		}
		switch e.Mode {
		case ModeFile, ModeExec, ModeSymlink:
		default:
			return "", fmt.Errorf("build tree in %s: %s: unsupported mode %q", r.Dir(), e.Path, e.Mode)
		}
		if !isHexID(e.ID) {
			return "", fmt.Errorf("build tree in %s: %s: invalid blob id %q", r.Dir(), e.Path, e.ID)
		}
		fmt.Fprintf(&info, "%s %s\t%s\x00", e.Mode, e.ID, e.Path)
	}

	tmp, err := os.CreateTemp(r.GitDir, tempIndexName())
	if err != nil {
		return "", fmt.Errorf("build tree in %s: %w", r.Dir(), err)
	}
	index := tmp.Name()
	tmp.Close()
	// read-tree wants to create the index itself; an empty file is not a valid index.
	os.Remove(index)
	defer os.Remove(index)
	env := []string{"GIT_INDEX_FILE=" + index}

	readArgs := []string{"read-tree", "--empty"}
	if base != "" {
		if err := checkRev(base); err != nil {
			return "", fmt.Errorf("build tree in %s: %w", r.Dir(), err)
		}
		readArgs = []string{"read-tree", base}
	}
	if _, err := r.run(ctx, call{args: readArgs, env: env}); err != nil {
		return "", err
	}
	if info.Len() > 0 {
		if _, err := r.run(ctx, call{args: []string{"update-index", "-z", "--index-info"}, env: env, stdin: strings.NewReader(info.String())}); err != nil {
			return "", err
		}
	}
	out, err := r.run(ctx, call{args: []string{"write-tree"}, env: env})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// isHexID accepts a full SHA-1 or SHA-256 object id.
func isHexID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
