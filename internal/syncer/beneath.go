package syncer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// The remote decides what the work tree holds, symlinks included, and a
// round killed halfway may leave a link where a directory was. Every path
// the round or a conflict command reads, writes or removes outside of git
// is therefore walked one component at a time from the work tree's root,
// never following a link: anything beneath a symlink, or beneath a
// non-directory, does not exist as far as hearth is concerned.

// errBeneathLink: a component of the path is a symlink or not a directory.
var errBeneathLink = safefile.ErrThroughLink

// openParent opens the directory that holds rel beneath root without
// following any link, and returns it with rel's last component. create
// makes missing directories (mode 0755) on the way.
func openParent(root, rel string, create bool) (*os.File, string, error) {
	if err := checkRel(rel); err != nil {
		return nil, "", err
	}
	return safefile.OpenParent(root, rel, create, 0o755)
}

// checkRel accepts only clean, relative slash paths inside the tree.
func checkRel(rel string) error {
	if rel == "" || rel == "." || strings.HasPrefix(rel, "/") || path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("path %q is not a clean path inside the work tree", rel)
	}
	return nil
}

// absent reports whether err says rel does not exist beneath the root:
// missing, or beneath a link (which is the same thing to hearth).
func absent(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, errBeneathLink)
}

// lstatBeneath is Lstat of rel beneath root without following any link.
func lstatBeneath(root, rel string) (unix.Stat_t, error) {
	var st unix.Stat_t
	dir, base, err := openParent(root, rel, false)
	if err != nil {
		return st, err
	}
	defer dir.Close()
	if err := unix.Fstatat(int(dir.Fd()), base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, &fs.PathError{Op: "lstat", Path: rel, Err: err}
	}
	return st, nil
}

// readBeneath reads what is at rel as git would store it: a regular file's
// content or a symlink's target. ok is false when nothing is there, a
// directory or something else is, or the path lies beneath a link.
func readBeneath(root, rel string) (data []byte, link, ok bool, err error) {
	dir, base, err := openParent(root, rel, false)
	if absent(err) {
		return nil, false, false, nil
	} else if err != nil {
		return nil, false, false, err
	}
	defer dir.Close()
	dfd := int(dir.Fd())
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
		return nil, false, false, nil
	} else if err != nil {
		return nil, false, false, &fs.PathError{Op: "lstat", Path: rel, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(dfd, base, buf)
		if err != nil {
			return nil, false, false, &fs.PathError{Op: "readlink", Path: rel, Err: err}
		}
		return buf[:n], true, true, nil
	case unix.S_IFREG:
		// Non-blocking and no-follow: the file may have been swapped for a
		// FIFO or a link since the stat.
		fd, err := unix.Openat(dfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, false, false, &fs.PathError{Op: "open", Path: rel, Err: err}
		}
		f := os.NewFile(uintptr(fd), rel)
		defer f.Close()
		var now unix.Stat_t
		if err := unix.Fstat(fd, &now); err != nil || now.Mode&unix.S_IFMT != unix.S_IFREG {
			return nil, false, false, &fs.PathError{Op: "read", Path: rel, Err: errors.New("not a regular file (replaced while being read?)")}
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, false, false, err
		}
		return data, false, true, nil
	}
	return nil, false, false, nil
}

// removeBeneath removes the file or symlink at rel. A directory there, a
// missing path, or one beneath a link is left alone: there is nothing of
// the tree's own to remove.
func removeBeneath(root, rel string) error {
	dir, base, err := openParent(root, rel, false)
	if absent(err) {
		return nil
	} else if err != nil {
		return err
	}
	defer dir.Close()
	err = unix.Unlinkat(int(dir.Fd()), base, 0)
	if err == nil || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.ENOTDIR) {
		return nil
	}
	return &fs.PathError{Op: "remove", Path: rel, Err: err}
}

// writeBeneath replaces rel with a regular file holding data, atomically
// and durably, creating missing directories; a link anywhere on the way,
// the final name included, is replaced or refused, never followed.
func writeBeneath(root, rel string, data []byte, perm os.FileMode) error {
	dir, base, err := openParent(root, rel, true)
	if err != nil {
		return err
	}
	defer dir.Close()
	dfd := int(dir.Fd())
	var fd int
	var tmp string
	for i := 0; ; i++ {
		tmp = fmt.Sprintf(".%s.tmp-%d-%d", safefile.TempBase(base), os.Getpid(), i)
		fd, err = unix.Openat(dfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
		if !errors.Is(err, unix.EEXIST) {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "create", Path: rel, Err: err}
	}
	f := os.NewFile(uintptr(fd), tmp)
	ok := false
	defer func() {
		if !ok {
			f.Close()
			_ = unix.Unlinkat(dfd, tmp, 0)
		}
	}()
	if err := f.Chmod(perm.Perm()); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return &fs.PathError{Op: "write", Path: rel, Err: err}
	}
	if err := f.Sync(); err != nil {
		return &fs.PathError{Op: "fsync", Path: rel, Err: err}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := unix.Renameat(dfd, tmp, dfd, base); err != nil {
		return &fs.PathError{Op: "rename", Path: rel, Err: err}
	}
	ok = true
	return dir.Sync()
}
