package syncer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"golang.org/x/sys/unix"
)

// ReadManifest reads the manifest from a work tree; none means no
// conflicts. It is read beneath the work tree without following links (a
// link there is a Problem and reads as empty), and what does not parse is
// a Problem too: only an unreadable file is an error.
func ReadManifest(dir string) (*Manifest, error) {
	name := filepath.Join(dir, filepath.FromSlash(ManifestPath))
	data, link, ok, err := readBeneath(dir, ManifestPath)
	if err != nil {
		return nil, err
	}
	if link {
		return &Manifest{Problems: []string{name + ": is a symlink; ignored"}}, nil
	}
	if !ok {
		if _, err := lstatBeneath(dir, ManifestPath); errors.Is(err, errBeneathLink) {
			return &Manifest{Problems: []string{name + ": " + ConflictDir + " is not a directory (a symlink?); ignored"}}, nil
		}
		return &Manifest{}, nil
	}
	return DecodeManifest(name, data), nil
}

// OpenConflicts counts the conflicts listed in a work tree's manifest.
func OpenConflicts(dir string) (int, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return 0, err
	}
	return len(m.Conflicts), nil
}

// Find returns the conflict whose ID is id, or else starts with id (a
// unique prefix).
func (m *Manifest) Find(id string) (*Conflict, error) {
	var found *Conflict
	for i := range m.Conflicts {
		if m.Conflicts[i].ID == id {
			return &m.Conflicts[i], nil
		}
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
	return found, nil
}

// ErrSidecarMissing: the entry's sidecar is gone, most likely settled by a
// resolve that was killed before it dropped the entry. Resolving it just
// drops the entry.
var ErrSidecarMissing = errors.New("sidecar missing (settled by an interrupted resolve, or removed); resolving drops the entry")

// Check says whether an entry can be shown and kept as the sidecar: nil,
// ErrSidecarMissing, or why the entry is invalid. The manifest comes from
// the remote: a path that leaves the work tree or passes through a link,
// and a sidecar that is not a regular file inside ConflictDir (a committed
// symlink to a key, say), are refused.
func Check(dir string, c Conflict) error {
	if err := safeRel(c.Path); err != nil {
		return err
	}
	if c.Path == ConflictDir || strings.HasPrefix(c.Path, ConflictDir+"/") {
		return fmt.Errorf("conflict manifest path %q lies inside %s", c.Path, ConflictDir)
	}
	if err := sidecarPath(c); err != nil {
		return err
	}
	if _, err := lstatBeneath(dir, c.Path); errors.Is(err, errBeneathLink) {
		return fmt.Errorf("conflict manifest path %q passes through a symlink or a non-directory", c.Path)
	}
	st, err := lstatBeneath(dir, c.Sidecar)
	switch {
	case errors.Is(err, errBeneathLink):
		return fmt.Errorf("sidecar %q passes through a symlink or a non-directory", c.Sidecar)
	case errors.Is(err, fs.ErrNotExist):
		return ErrSidecarMissing
	case err != nil:
		return err
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("sidecar %q is a symlink; refused", c.Sidecar)
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return fmt.Errorf("sidecar %q is not a regular file; refused", c.Sidecar)
	}
	return nil
}

// sidecarPath refuses a sidecar path outside ConflictDir.
func sidecarPath(c Conflict) error {
	if err := safeRel(c.Sidecar); err != nil || !strings.HasPrefix(c.Sidecar, ConflictDir+"/") || c.Sidecar == ManifestPath {
		return fmt.Errorf("sidecar path %q is not a file inside %s", c.Sidecar, ConflictDir)
	}
	return nil
}

// ReadSides returns the live file and the sidecar of a valid entry, read
// beneath dir without following links; a missing side is empty.
func ReadSides(dir string, c Conflict) (live, sidecar []byte, err error) {
	if err := Check(dir, c); err != nil && !errors.Is(err, ErrSidecarMissing) {
		return nil, nil, fmt.Errorf("conflict %s: %w", c.ID, err)
	}
	if live, _, _, err = readBeneath(dir, c.Path); err != nil {
		return nil, nil, err
	}
	sidecar, _, _, err = readBeneath(dir, c.Sidecar)
	return live, sidecar, err
}

// Keep values for Resolve.
const (
	KeepLive    = "live"
	KeepSidecar = "sidecar"
)

// Resolve settles one recorded conflict as an ordinary local commit: the
// sidecar and its manifest entry go away, and with KeepSidecar the sidecar's
// content becomes the live file. The next round propagates it to every host.
// Each step can be killed and the command run again: the live file is
// settled first, then the sidecar removed, then the entry dropped, so an
// entry whose sidecar is gone is already settled. An invalid entry can only
// be dropped (KeepLive), which touches nothing outside ConflictDir.
func Resolve(ctx context.Context, o Options, id, keep string) (*Conflict, string, error) {
	o.setDefaults()
	if keep != KeepLive && keep != KeepSidecar {
		return nil, "", fmt.Errorf("--keep must be %q or %q, got %q", KeepLive, KeepSidecar, keep)
	}
	repo, err := gitrepo.Open(ctx, o.Dir, o.Git)
	if err != nil {
		return nil, "", err
	}
	// A run killed mid-commit (this command's or a round's) leaves git's
	// locks; the caller holds the job lock, as a round does.
	if removed, err := repo.RemoveStaleLocks(ctx, 0); err != nil {
		o.Logger.Warn("could not check for stale git locks", "repo", o.Dir, "err", err)
	} else if len(removed) > 0 {
		o.Logger.Warn("removed git locks left by a killed process", "locks", removed)
	}
	sweepWriteTemps(&o)
	m, err := ReadManifest(o.Dir)
	if err != nil {
		return nil, "", err
	}
	for _, p := range m.Problems {
		o.Logger.Warn("conflict manifest problem", "problem", p)
	}
	c, err := m.Find(id)
	if err != nil {
		return nil, "", err
	}
	resolved := *c
	check := Check(o.Dir, resolved)
	switch {
	case check == nil && keep == KeepSidecar:
		if err := keepSidecar(o.Dir, resolved); err != nil {
			return nil, "", fmt.Errorf("conflict %s: %w", resolved.ID, err)
		}
	case errors.Is(check, ErrSidecarMissing):
		o.Logger.Warn("the sidecar is gone; dropping the entry", "conflict", resolved.ID, "sidecar", resolved.Sidecar)
	case check != nil && keep == KeepSidecar:
		return nil, "", fmt.Errorf("conflict %s: %w; drop the entry with --keep live", resolved.ID, check)
	case check != nil:
		o.Logger.Warn("dropping an invalid conflict entry", "conflict", resolved.ID, "problem", check)
	}
	if sidecarPath(resolved) == nil {
		// Never follows a link: a link planted as the sidecar goes, not
		// what it points at.
		if err := removeBeneath(o.Dir, resolved.Sidecar); err != nil {
			return nil, "", fmt.Errorf("conflict %s: %w", resolved.ID, err)
		}
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
	if err := writeBeneath(o.Dir, ManifestPath, data, 0o644); err != nil {
		return nil, "", err
	}
	o.message = fmt.Sprintf("hearth: resolve conflict %s on %s (keep %s)", resolved.ID, resolved.Path, keep)
	_, commit, err := commitWorkTree(ctx, &o, repo, "refs/heads/"+o.Branch, func() (bool, error) { return true, nil })
	return &resolved, commit, err
}

// keepSidecar makes the sidecar's content the live file, keeping the live
// file's permissions.
func keepSidecar(dir string, c Conflict) error {
	data, _, ok, err := readBeneath(dir, c.Sidecar)
	if err != nil {
		return err
	}
	if !ok {
		return ErrSidecarMissing
	}
	mode := os.FileMode(0o644)
	st, err := lstatBeneath(dir, c.Path)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG:
		mode = os.FileMode(st.Mode & 0o777)
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		// A file/directory conflict settled for the file: the directory
		// goes (the commit of the resolve records it), the sidecar stays
		// until the file is written, so a killed resolve can be rerun.
		if err := removeTreeBeneath(dir, c.Path); err != nil {
			return err
		}
	}
	return writeBeneath(dir, c.Path, data, mode)
}

// safeRel refuses manifest paths that would leave the repository or reach
// into a git dir (any ".git" component): the manifest comes from the
// remote, which is untrusted.
func safeRel(p string) error {
	clean := filepath.ToSlash(filepath.Clean(filepath.FromSlash(p)))
	if p == "" || p == "." || filepath.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") || clean != p {
		return fmt.Errorf("conflict manifest path %q escapes the repository", p)
	}
	for part := range strings.SplitSeq(clean, "/") {
		if strings.EqualFold(part, ".git") {
			return fmt.Errorf("conflict manifest path %q lies in a git dir", p)
		}
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
	if c := keptAlready(o.Dir, m, path, content); c != nil {
		// A run killed after keeping it and before replacing the source
		// finds the same overlap again: one sidecar is enough.
		return c, nil
	}
	now := o.Now().UTC()
	id := conflictID(path, string(content), now.String())
	c := Conflict{
		ID: id, Path: path, Sidecar: sidecarName(path, "synced", id),
		Winner: "local", WinnerHost: o.Host, LoserHost: "synced", WinnerTime: now,
		Policy: o.Policy, Kind: "home-vs-source", MergedBy: o.Host, Recorded: now,
	}
	// Beneath the work tree: the remote may have committed ConflictDir,
	// or a directory in it, as a link. Such a link is replaced by a real
	// directory (the next commit carries the change): refusing would lose
	// the displaced content, which the source no longer holds.
	if err := clearSidecarDirs(o, c.Sidecar); err != nil {
		return nil, err
	}
	if err := writeBeneath(o.Dir, c.Sidecar, content, 0o644); err != nil {
		return nil, err
	}
	m.Conflicts = append(m.Conflicts, c)
	data, err := m.encode()
	if err != nil {
		return nil, err
	}
	return &c, writeBeneath(o.Dir, ManifestPath, data, 0o644)
}

// clearSidecarDirs removes the first thing on the way to a sidecar that is
// not a directory (a link or a file the remote committed in ConflictDir),
// never following it; writeBeneath then creates real directories.
func clearSidecarDirs(o Options, sidecar string) error {
	parts := strings.Split(sidecar, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		st, err := lstatBeneath(o.Dir, dir)
		switch {
		case absent(err):
			return nil
		case err != nil:
			return err
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			o.Logger.Warn("replacing what the remote committed in the way of a sidecar by a directory", "path", dir)
			return removeBeneath(o.Dir, dir)
		}
	}
	return nil
}

// keptAlready returns the open home-vs-source entry of path whose sidecar
// holds content, if there is one.
func keptAlready(dir string, m *Manifest, path string, content []byte) *Conflict {
	for i := range m.Conflicts {
		c := &m.Conflicts[i]
		if c.Path != path || c.Kind != "home-vs-source" || Check(dir, *c) != nil {
			continue
		}
		if data, _, ok, err := readBeneath(dir, c.Sidecar); err == nil && ok && bytes.Equal(data, content) {
			return c
		}
	}
	return nil
}
