package trash

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/state"
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
	e, err := t.Find(idOrPath)
	if err != nil {
		return e, err
	}
	if e.Incomplete {
		return e, fmt.Errorf("trash entry %s holds no item: its move was interrupted, so %s was never removed", e.ID, e.Original())
	}
	if err := makeParents(e.Root, e.Path); err != nil {
		return e, err
	}
	dst, err := beneath(e.Root, e.Path)
	if err != nil {
		return e, err
	}
	if _, err := os.Lstat(dst); err == nil {
		if !force {
			return e, fmt.Errorf("restore %s: %w; hearth trash restore --force %s moves it into the trash first", dst, ErrOccupied, e.ID)
		}
		if _, err := t.Move(e.Root, e.Path, "replaced by restoring trash entry "+e.ID); err != nil {
			return e, err
		}
	}
	item := filepath.Join(t.entryDir(e.ID), itemName)
	if err := putBack(item, dst); err != nil {
		return e, fmt.Errorf("restore %s: %w", dst, err)
	}
	if err := state.SyncDir(filepath.Dir(dst)); err != nil {
		return e, err
	}
	return e, os.RemoveAll(t.entryDir(e.ID))
}

// putBack renames item to dst without replacing anything that appeared at
// dst meanwhile, copying when they are on different filesystems.
func putBack(item, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, item, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	switch {
	case errors.Is(err, syscall.EEXIST):
		return fmt.Errorf("%w (it appeared during the restore)", ErrOccupied)
	case errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOSYS):
		// The filesystem cannot refuse a replacement itself; look first.
		if _, lerr := os.Lstat(dst); lerr == nil {
			return ErrOccupied
		}
		err = os.Rename(item, dst)
	}
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".hearth-restore")
	_ = os.RemoveAll(tmp)
	if err := copyTree(item, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	return os.RemoveAll(item)
}

// makeParents creates the missing directories between root and rel, 0700,
// refusing any component that exists and is not a real directory.
func makeParents(root, rel string) error {
	cur := root
	dir := filepath.Dir(filepath.Clean(filepath.FromSlash(rel)))
	if dir == "." {
		return nil
	}
	for _, p := range splitPath(dir) {
		cur = filepath.Join(cur, p)
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			if err := os.Mkdir(cur, 0o700); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("restore: %s is not a directory (a symlink is never followed)", cur)
		}
	}
	return nil
}

func splitPath(p string) []string {
	var out []string
	for p != "." && p != string(filepath.Separator) && p != "" {
		out = append([]string{filepath.Base(p)}, out...)
		p = filepath.Dir(p)
	}
	return out
}
