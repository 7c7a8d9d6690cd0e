package trash

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/state"
)

// copyTree copies src to dst without following any symlink: links are
// recreated as links, files are read with O_NOFOLLOW and fsynced, modes
// and (when permitted) owners are kept. Sockets, FIFOs and devices are
// refused, so the original stays where it is.
func copyTree(src, dst string) error {
	type dirMode struct {
		path string
		perm fs.FileMode
	}
	var dirs []dirMode
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, out); err != nil {
				return err
			}
		case fi.IsDir():
			// Writable while it is filled; the mode is set after the walk.
			if err := os.Mkdir(out, 0o700); err != nil {
				return err
			}
			dirs = append(dirs, dirMode{out, fi.Mode().Perm()})
		case fi.Mode().IsRegular():
			if err := copyFile(p, out, fi.Mode().Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: cannot copy a %s across filesystems", p, fi.Mode().Type())
		}
		keepOwner(out, fi)
		if fi.IsDir() {
			return nil
		}
		return state.SyncDir(filepath.Dir(out))
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := state.SyncDir(dirs[i].path); err != nil {
			return err
		}
		if err := os.Chmod(dirs[i].path, dirs[i].perm); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(perm); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// keepOwner gives the copy the original's owner; only root may, and
// otherwise the copy is the runner's, which is who owns the trash anyway.
func keepOwner(p string, fi fs.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		_ = os.Lchown(p, int(st.Uid), int(st.Gid))
	}
}
