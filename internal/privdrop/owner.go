package privdrop

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// Owner returns the user who controls path: the uid owning any component
// on the way to it, each symlink and each directory counted, symlinks
// followed. Whoever owns a component can swap what lies beneath it, so the
// owner of the final directory alone is not enough. Root-owned components
// do not count: 0 means only root controls path. The walk stops at the
// first component that does not exist yet; a path through the components
// of two different users is refused, and so is one through a directory
// that others may write to without the sticky bit: anyone could swap what
// lies beneath it, whoever owns it.
func Owner(path string) (uint32, error) {
	var owner uint32
	var ownerAt string
	_, _, err := safefile.WalkPath(path, func(p string, fi fs.FileInfo) error {
		if err := swappable(p, fi); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if uid := fi.Sys().(*syscall.Stat_t).Uid; uid != 0 && uid != owner {
			if owner != 0 {
				return fmt.Errorf("%s: passes through %s, owned by %s, and %s, owned by %s", path, ownerAt, Describe(owner), p, Describe(uid))
			}
			owner, ownerAt = uid, p
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return owner, nil // what is not there yet is made by whoever runs
	}
	if err != nil {
		return 0, err
	}
	return owner, nil
}

// swappable refuses a directory that group or others may write to without
// the sticky bit: any of them could rename what lies beneath it.
func swappable(dir string, fi fs.FileInfo) error {
	if fi.IsDir() && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0 {
		return fmt.Errorf("passes through %s (mode %04o), which others may write to: anyone could swap what lies beneath it", dir, fi.Mode().Perm())
	}
	return nil
}
