package trash

import (
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrOccupied: something exists at the original path now.
var ErrOccupied = errors.New("something exists there now")

// Restore puts the entry with this id (or the newest with this original
// path) back where it came from and removes it from the trash. It refuses
// when the path is occupied, unless force, which first moves the occupant
// into the trash (so a restore never destroys anything either). Missing
// parent directories are created 0700; a parent that is a symlink or not a
// directory is refused.
func (t Trash) Restore(idOrPath string, force bool) (Entry, error) {
	if err := t.ensureDir(); err != nil {
		return Entry{}, err
	}
	e, err := t.Find(idOrPath)
	if err != nil {
		return e, err
	}
	if e.Incomplete {
		return e, fmt.Errorf("trash entry %s holds no item: its move was interrupted, so %s was never removed", e.ID, e.Original())
	}
	parent, base, err := openParent(e.Root, e.Path, true)
	if err != nil {
		return e, err
	}
	defer parent.Close()
	dst := e.Original()
	if _, err := os.Lstat(inDir(parent, base)); err == nil {
		if !force {
			return e, fmt.Errorf("restore %s: %w; hearth trash restore --force %s moves it into the trash first", dst, ErrOccupied, e.ID)
		}
		if _, err := t.Move(e.Root, e.Path, "replaced by restoring trash entry "+e.ID); err != nil {
			return e, err
		}
	}
	if err := putBack(filepath.Join(t.entryDir(e.ID), itemName), parent, base); err != nil {
		return e, fmt.Errorf("restore %s: %w", dst, err)
	}
	if err := parent.Sync(); err != nil {
		return e, fmt.Errorf("fsync dir %s: %w", filepath.Dir(dst), err)
	}
	return e, os.RemoveAll(t.entryDir(e.ID))
}

// putBack renames item to base in parent without replacing anything that
// appeared there meanwhile, copying when they are on different
// filesystems.
func putBack(item string, parent *os.File, base string) error {
	pfd := int(parent.Fd())
	err := unix.Renameat2(unix.AT_FDCWD, item, pfd, base, unix.RENAME_NOREPLACE)
	switch {
	case errors.Is(err, syscall.EEXIST):
		return fmt.Errorf("%w (it appeared during the restore)", ErrOccupied)
	case errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS):
		// The filesystem cannot refuse a replacement itself; look first.
		if _, lerr := os.Lstat(inDir(parent, base)); lerr == nil {
			return ErrOccupied
		}
		err = unix.Renameat(unix.AT_FDCWD, item, pfd, base)
	}
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp := "." + safefile.TempBase(base) + ".hearth-restore"
	_ = os.RemoveAll(inDir(parent, tmp))
	if err := copyTree(item, inDir(parent, tmp)); err != nil {
		_ = os.RemoveAll(inDir(parent, tmp))
		return err
	}
	if err := unix.Renameat2(pfd, tmp, pfd, base, unix.RENAME_NOREPLACE); err != nil {
		_ = os.RemoveAll(inDir(parent, tmp))
		return err
	}
	return os.RemoveAll(item)
}
