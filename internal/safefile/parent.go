package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrThroughLink: a component on the way is a symlink or not a directory.
var ErrThroughLink = errors.New("passes through a symlink or a non-directory")

// OpenParent opens the directory that holds rel (a clean relative slash
// path) beneath root, walking one component at a time with O_NOFOLLOW, so
// no link between root and rel is followed, even one swapped in while
// hearth works; it returns that directory and rel's last component, for
// *at calls. With create, missing directories are made with mode perm.
// root itself is trusted and may lie below links (/home -> /var/home).
// A component that is a link or not a directory gives a PathError naming
// it and wrapping ErrThroughLink.
func OpenParent(root, rel string, create bool, perm fs.FileMode) (*os.File, string, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", &fs.PathError{Op: "open", Path: root, Err: err}
	}
	parts := strings.Split(rel, "/")
	for i, name := range parts[:len(parts)-1] {
		next, err := openDirAt(fd, name)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, name, uint32(perm.Perm())); err == nil || errors.Is(err, unix.EEXIST) {
				next, err = openDirAt(fd, name)
			}
		}
		unix.Close(fd)
		dir := path.Join(parts[:i+1]...)
		switch {
		case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR):
			return nil, "", &fs.PathError{Op: "open", Path: dir, Err: ErrThroughLink}
		case err != nil:
			return nil, "", &fs.PathError{Op: "open", Path: dir, Err: err}
		}
		fd = next
	}
	return os.NewFile(uintptr(fd), root+"/"+path.Dir(rel)), parts[len(parts)-1], nil
}

func openDirAt(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}
