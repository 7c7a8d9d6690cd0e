package syncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
)

// ReadManifest reads the manifest from a work tree; none means no conflicts.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(ManifestPath)))
	if errors.Is(err, os.ErrNotExist) {
		return &Manifest{}, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := DecodeManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return m, nil
}

// OpenConflicts counts the conflicts listed in a work tree's manifest.
func OpenConflicts(dir string) (int, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return 0, err
	}
	return len(m.Conflicts), nil
}

// Find returns the conflict whose ID starts with id (a unique prefix).
func (m *Manifest) Find(id string) (*Conflict, error) {
	var found *Conflict
	for i := range m.Conflicts {
		if strings.HasPrefix(m.Conflicts[i].ID, id) && id != "" {
			if found != nil {
				return nil, fmt.Errorf("conflict id %q is ambiguous", id)
			}
			found = &m.Conflicts[i]
		}
	}
	if found == nil {
		return nil, fmt.Errorf("no conflict with id %q (see hearth conflicts)", id)
	}
	// The manifest comes from the remote: never follow its paths out of the repository.
	if err := safeRel(found.Path); err != nil {
		return nil, err
	}
	if err := safeRel(found.Sidecar); err != nil || !strings.HasPrefix(found.Sidecar, ConflictDir+"/") {
		return nil, fmt.Errorf("conflict %s: sidecar path %q is not inside %s", found.ID, found.Sidecar, ConflictDir)
	}
	return found, nil
}

// Keep values for Resolve.
const (
	KeepLive    = "live"
	KeepSidecar = "sidecar"
)

// Resolve settles one recorded conflict as an ordinary local commit: the
// sidecar and its manifest entry go away, and with KeepSidecar the sidecar's
// content becomes the live file. The next round propagates it to every host.
func Resolve(ctx context.Context, o Options, id, keep string) (*Conflict, string, error) {
	o.setDefaults()
	if keep != KeepLive && keep != KeepSidecar {
		return nil, "", fmt.Errorf("--keep must be %q or %q, got %q", KeepLive, KeepSidecar, keep)
	}
	repo, err := gitrepo.Open(ctx, o.Dir, o.Git)
	if err != nil {
		return nil, "", err
	}
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return nil, "", err
	}
	c, err := m.Find(id)
	if err != nil {
		return nil, "", err
	}
	resolved := *c
	sidecar := filepath.Join(o.Dir, filepath.FromSlash(resolved.Sidecar))
	if keep == KeepSidecar {
		data, err := os.ReadFile(sidecar)
		if err != nil {
			return nil, "", fmt.Errorf("conflict %s: %w", resolved.ID, err)
		}
		live := filepath.Join(o.Dir, filepath.FromSlash(resolved.Path))
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(live); err == nil {
			mode = fi.Mode().Perm()
		}
		if err := os.MkdirAll(filepath.Dir(live), 0o755); err != nil {
			return nil, "", err
		}
		if err := state.WriteFileAtomic(live, data, mode); err != nil {
			return nil, "", err
		}
	}
	if err := os.Remove(sidecar); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, "", err
	}
	rest := &Manifest{}
	for _, x := range m.Conflicts {
		if x.ID != resolved.ID {
			rest.Conflicts = append(rest.Conflicts, x)
		}
	}
	data, err := rest.encode()
	if err != nil {
		return nil, "", err
	}
	if err := state.WriteFileAtomic(filepath.Join(o.Dir, filepath.FromSlash(ManifestPath)), data, 0o644); err != nil {
		return nil, "", err
	}
	o.message = fmt.Sprintf("hearth: resolve conflict %s on %s (keep %s)", resolved.ID, resolved.Path, keep)
	_, commit, err := commitWorkTree(ctx, &o, repo, "refs/heads/"+o.Branch, func() (bool, error) { return true, nil })
	return &resolved, commit, err
}

// safeRel refuses manifest paths that would leave the repository: the
// manifest comes from the remote, which is untrusted.
func safeRel(p string) error {
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	if p == "" || filepath.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") || clean != p || strings.HasPrefix(clean, ".git/") {
		return fmt.Errorf("conflict manifest path %q escapes the repository", p)
	}
	return nil
}

// RecordDisplaced keeps a version of path that a local edit displaced
// outside of a git merge (the dotfiles engine found home and source edits
// overlapping) as a sidecar with a manifest entry in the work tree; the next
// commit of the round carries both.
func RecordDisplaced(o Options, path string, content []byte) (*Conflict, error) {
	o.setDefaults()
	if err := safeRel(path); err != nil {
		return nil, err
	}
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return nil, err
	}
	now := o.Now().UTC()
	id := conflictID(path, string(content), now.String())
	c := Conflict{
		ID: id, Path: path, Sidecar: ConflictDir + "/" + path + "~synced~" + id,
		Winner: "local", WinnerHost: o.Host, LoserHost: "synced", WinnerTime: now,
		Policy: o.Policy, Kind: "home-vs-source", MergedBy: o.Host, Recorded: now,
	}
	side := filepath.Join(o.Dir, filepath.FromSlash(c.Sidecar))
	if err := os.MkdirAll(filepath.Dir(side), 0o755); err != nil {
		return nil, err
	}
	if err := state.WriteFileAtomic(side, content, 0o644); err != nil {
		return nil, err
	}
	m.Conflicts = append(m.Conflicts, c)
	data, err := m.encode()
	if err != nil {
		return nil, err
	}
	return &c, state.WriteFileAtomic(filepath.Join(o.Dir, filepath.FromSlash(ManifestPath)), data, 0o644)
}
