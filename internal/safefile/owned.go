package safefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// ErrUntrusted: someone other than root and the running user could replace
// the file, or a directory on its way.
var ErrUntrusted = errors.New("someone other than root and this user could replace it")

// ReadOwned reads a file that hearth, often as root, acts on (a key, an
// encrypted secrets file): the file and every directory on its way from /
// must be owned by root or the running user and not writable by group or
// others (a sticky directory such as /tmp excepted). A symlink is followed
// only when it sits in such a directory, where nobody else could have put
// it; the file itself is opened as Read does. Else nothing is read, so a
// file a user can swap for a link to a root-only file is never opened and
// no error can quote it.
func ReadOwned(path string, limit int64) ([]byte, error) {
	real, fi, err := resolveOwned(path)
	if err != nil {
		return nil, err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if st == nil || !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	if err := ownedBy(path, fi, false); err != nil {
		return nil, err
	}
	// Read checks it opens the very file inspected.
	data, err := Read(real, limit, st)
	if err != nil && real != path {
		return nil, fmt.Errorf("%s (resolved to %s): %w", path, real, err)
	}
	return data, err
}

// CheckOwnedPath checks the way to path as ReadOwned does (every directory
// on it root's or ours and not writable by others unless sticky, a symlink
// followed only when root's or ours), without opening what it names.
func CheckOwnedPath(path string) error {
	_, _, err := resolveOwned(path)
	return err
}

// ResolveOwned resolves path as ReadOwned does (every directory on the way
// root's or ours and not writable by others unless sticky, a symlink
// followed only when root's or ours) and returns the real path with its
// Lstat, so that a caller can act on that path and not on a link someone
// could re-point.
func ResolveOwned(path string) (string, fs.FileInfo, error) {
	return resolveOwned(path)
}

// resolveOwned walks path from /, checking each directory it passes and
// following only root's or our symlinks, and returns the real path of the
// last component with its Lstat.
func resolveOwned(path string) (string, fs.FileInfo, error) {
	return WalkPath(path, func(p string, fi fs.FileInfo) error {
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			// In a sticky directory anyone may plant a link: only root's
			// or ours is followed.
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != os.Geteuid() {
				return fmt.Errorf("%s: %w: symlink %s is owned by uid %d", path, ErrUntrusted, p, st.Uid)
			}
		case fi.IsDir():
			if err := ownedBy(p, fi, true); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return nil
	})
}

// ownedBy checks fi (of p) is owned by root or the running user and not
// writable by group or others; a sticky directory may be.
func ownedBy(p string, fi fs.FileInfo, isDir bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	what := "file"
	if isDir {
		what = "directory"
		if !fi.IsDir() {
			return &fs.PathError{Op: "open", Path: p, Err: syscall.ENOTDIR}
		}
	}
	perm := fi.Mode().Perm()
	switch {
	case int(st.Uid) != 0 && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("%w: %s %s is owned by uid %d", ErrUntrusted, what, p, st.Uid)
	case perm&0o022 != 0 && !(isDir && fi.Mode()&fs.ModeSticky != 0):
		return fmt.Errorf("%w: %s %s is writable by group or others (mode %#o)", ErrUntrusted, what, p, uint32(perm))
	}
	return nil
}
