package trash

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// openParent opens the directory that holds root/rel's last component,
// walking from root one component at a time with O_NOFOLLOW, so no
// symlink between root and the path is followed, even one swapped in
// while hearth works (a user racing hearth running as root over their
// home). Operations then go through the returned directory (renameat,
// or the /proc/self/fd path of it). With create, missing directories are
// made, 0700. Root itself is the configured directory and may lie below
// links (/home -> /var/home).
func openParent(root, rel string, create bool) (*os.File, string, error) {
	rel = filepath.Clean(filepath.FromSlash(rel))
	if rel == "." || filepath.IsAbs(rel) || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, "", fmt.Errorf("trash: path %q is not inside %s", rel, root)
	}
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", &os.PathError{Op: "open", Path: root, Err: err}
	}
	parts := strings.Split(rel, string(filepath.Separator))
	cur := root
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		next, err := openDirAt(fd, p)
		if errors.Is(err, unix.ENOENT) && create {
			if err = unix.Mkdirat(fd, p, 0o700); err == nil || errors.Is(err, unix.EEXIST) {
				next, err = openDirAt(fd, p)
			}
		}
		unix.Close(fd)
		switch {
		case errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR):
			return nil, "", fmt.Errorf("trash: %s is not a directory (a symlink is never followed)", cur)
		case err != nil:
			return nil, "", &os.PathError{Op: "open", Path: cur, Err: err}
		}
		fd = next
	}
	return os.NewFile(uintptr(fd), filepath.Dir(filepath.Join(root, rel))), parts[len(parts)-1], nil
}

func openDirAt(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// inDir names base inside the open directory d, for calls that take a
// path: the kernel resolves /proc/self/fd/N to d itself, never again
// through the names that led to it.
func inDir(d *os.File, base string) string {
	return "/proc/self/fd/" + strconv.Itoa(int(d.Fd())) + "/" + base
}
