package syncer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// maxRemoveDepth bounds removeTreeBeneath's descent (one open directory
// per level): the tree comes from the remote.
const maxRemoveDepth = 256

// removeTreeBeneath removes rel and everything below it, beneath root,
// never following a link (a link is unlinked itself). Resolving a file/
// directory conflict for the file removes the directory this way.
func removeTreeBeneath(root, rel string) error {
	dir, base, err := openParent(root, rel, false)
	if absent(err) {
		return nil
	} else if err != nil {
		return err
	}
	defer dir.Close()
	if err := removeAt(int(dir.Fd()), base, 0); err != nil {
		return &fs.PathError{Op: "remove", Path: rel, Err: err}
	}
	return nil
}

func removeAt(dfd int, name string, depth int) error {
	err := unix.Unlinkat(dfd, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
		return err
	}
	if depth >= maxRemoveDepth {
		return fmt.Errorf("more than %d directories deep", maxRemoveDepth)
	}
	fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), name)
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := removeAt(fd, n, depth+1); err != nil {
			return err
		}
	}
	return unix.Unlinkat(dfd, name, unix.AT_REMOVEDIR)
}
