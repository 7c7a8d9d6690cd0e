package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ErrLink: a path below a root goes through a symlink or leaves the root.
// Paths handed to a Dir come from someone else (a remote's tree), so any
// link on the way is refused rather than followed.
var ErrLink = errors.New("goes through a symlink or leaves its root")

// Dir is an open directory below which every path is resolved without
// following a symlink in any component and without leaving it (openat2
// with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS; a component-by-component walk
// with O_NOFOLLOW on kernels without openat2). Relative paths use slashes.
type Dir struct {
	f    *os.File
	path string
}

// OpenDir opens the directory p. p itself is the caller's configuration
// (trusted), so links on the way to it are followed; nothing below it is.
func OpenDir(p string) (*Dir, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = unix.Open(p, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	return &Dir{f: os.NewFile(uintptr(fd), p), path: p}, nil
}

// Path is the directory's path as opened.
func (d *Dir) Path() string { return d.path }

// Close releases the directory.
func (d *Dir) Close() error { return d.f.Close() }

// Sub opens the directory rel below d.
func (d *Dir) Sub(rel string) (*Dir, error) {
	fd, err := d.open(rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	return &Dir{f: os.NewFile(uintptr(fd), d.join(rel)), path: d.join(rel)}, nil
}

func (d *Dir) join(rel string) string {
	if rel == "" || rel == "." {
		return d.path
	}
	return d.path + "/" + rel
}

// noOpenat2 is set once the kernel said it has no openat2.
var noOpenat2 atomic.Bool

// open resolves rel beneath d with flags (O_NOFOLLOW, O_NONBLOCK and
// O_CLOEXEC are always added) and returns the descriptor.
func (d *Dir) open(rel string, flags int) (int, error) {
	if rel == "" {
		rel = "."
	}
	flags |= unix.O_NOFOLLOW | unix.O_CLOEXEC
	if flags&unix.O_PATH == 0 {
		flags |= unix.O_NONBLOCK // a FIFO opens at once instead of waiting for a writer
	}
	dfd := int(d.f.Fd())
	defer runtime.KeepAlive(d.f)
	var fd int
	var err error
	if !noOpenat2.Load() {
		how := &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
		err = retryEINTR(func() (err error) {
			fd, err = unix.Openat2(dfd, rel, how)
			return err
		})
		if errors.Is(err, unix.ENOSYS) {
			noOpenat2.Store(true)
		}
	}
	if noOpenat2.Load() {
		fd, err = walkOpen(dfd, rel, flags)
	}
	if errors.Is(err, unix.ENOTDIR) && flags&unix.O_DIRECTORY != 0 && d.isLink(rel) {
		err = ErrLink // O_NOFOLLOW|O_DIRECTORY on a final link says ENOTDIR
	}
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.EXDEV) {
		err = ErrLink
	}
	if err != nil {
		return -1, &fs.PathError{Op: "open", Path: d.join(rel), Err: err}
	}
	return fd, nil
}

// isLink reports whether rel below d is itself a symlink.
func (d *Dir) isLink(rel string) bool {
	st, err := d.Stat(rel)
	return err == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
}

// walkOpen opens rel one component at a time, none of them followed.
func walkOpen(dfd int, rel string, flags int) (int, error) {
	parts := strings.Split(rel, "/")
	cur := dfd
	closeCur := func() {
		if cur != dfd {
			unix.Close(cur)
		}
	}
	for i, p := range parts {
		if p == "" {
			p = "."
		}
		if p == ".." || strings.HasPrefix(rel, "/") {
			closeCur()
			return -1, unix.EXDEV
		}
		f := unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
		if i == len(parts)-1 {
			f = flags
		}
		var next int
		err := retryEINTR(func() (err error) {
			next, err = unix.Openat(cur, p, f, 0)
			return err
		})
		var st unix.Stat_t
		if errors.Is(err, unix.ENOTDIR) && unix.Fstatat(cur, p, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			err = unix.ELOOP
		}
		closeCur()
		if err != nil {
			return -1, err
		}
		cur = next
	}
	return cur, nil
}

// ReadFile reads the regular file rel below d, of at most limit bytes.
func (d *Dir) ReadFile(rel string, limit int64) ([]byte, error) {
	fd, err := d.open(rel, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readFD(fd, d.join(rel), limit, nil)
}

// Hash streams the regular file rel below d, of at most limit bytes,
// through a SHA-256 and returns the hex digest and the size read.
func (d *Dir) Hash(rel string, limit int64) (string, int64, error) {
	fd, err := d.open(rel, unix.O_RDONLY)
	if err != nil {
		return "", 0, err
	}
	defer unix.Close(fd)
	return hashFD(fd, d.join(rel), limit, nil)
}

// CopyTo streams the regular file rel below d, of at most limit bytes,
// into w and returns the hex SHA-256 of what it read and its size.
func (d *Dir) CopyTo(rel string, w io.Writer, limit int64) (string, int64, error) {
	fd, err := d.open(rel, unix.O_RDONLY)
	if err != nil {
		return "", 0, err
	}
	defer unix.Close(fd)
	return copyFD(fd, d.join(rel), limit, nil, w)
}

// Stat describes rel below d; a final symlink is described, not followed.
func (d *Dir) Stat(rel string) (*unix.Stat_t, error) {
	fd, err := d.open(rel, unix.O_PATH)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: d.join(rel), Err: err}
	}
	return &st, nil
}

// ReadDir lists the directory rel below d, sorted by name.
func (d *Dir) ReadDir(rel string) ([]fs.DirEntry, error) {
	fd, err := d.open(rel, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), d.join(rel))
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

// WriteFile replaces the file rel below d with data atomically (a
// temporary file in the same directory, fsynced, then renamed over), with
// mode perm and, when uid >= 0, that owner. A symlink at rel is replaced,
// never written through; a symlink among rel's parents is refused.
func (d *Dir) WriteFile(rel string, data []byte, perm fs.FileMode, uid, gid int) error {
	dir, name := path.Split(rel)
	pfd, err := d.open(strings.TrimSuffix(dir, "/"), unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	// Named like state.WriteFileAtomic's temporary files, so the sweep
	// after a killed run finds a leftover.
	tmp := fmt.Sprintf(".%s.tmp-%d", TempBase(name), os.Getpid())
	_ = unix.Unlinkat(pfd, tmp, 0) // a leftover of a killed run with this pid
	var fd int
	err = retryEINTR(func() (err error) {
		fd, err = unix.Openat(pfd, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(perm.Perm()))
		return err
	})
	if err != nil {
		return &fs.PathError{Op: "create", Path: d.join(rel), Err: err}
	}
	werr := writeAll(fd, data)
	if werr == nil {
		werr = unix.Fchmod(fd, uint32(perm.Perm()))
	}
	if werr == nil && uid >= 0 {
		werr = unix.Fchown(fd, uid, gid)
	}
	if werr == nil {
		werr = unix.Fsync(fd)
	}
	if cerr := unix.Close(fd); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = unix.Renameat(pfd, tmp, pfd, name)
	}
	if werr != nil {
		_ = unix.Unlinkat(pfd, tmp, 0)
		return &fs.PathError{Op: "write", Path: d.join(rel), Err: werr}
	}
	return unix.Fsync(pfd)
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// Rename renames oldRel to newRel, both below d and in one directory,
// failing when newRel exists.
func (d *Dir) Rename(oldRel, newRel string) error {
	dir, oldName := path.Split(oldRel)
	ndir, newName := path.Split(newRel)
	if dir != ndir {
		return fmt.Errorf("rename %s to %s: not in one directory", oldRel, newRel)
	}
	pfd, err := d.open(strings.TrimSuffix(dir, "/"), unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	err = unix.Renameat2(pfd, oldName, pfd, newName, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		// A file system without RENAME_NOREPLACE: check, then rename.
		var st unix.Stat_t
		if unix.Fstatat(pfd, newName, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
			err = unix.EEXIST
		} else {
			err = unix.Renameat(pfd, oldName, pfd, newName)
		}
	}
	if err != nil {
		return &fs.PathError{Op: "rename", Path: d.join(oldRel), Err: err}
	}
	return unix.Fsync(pfd)
}

// Readlink returns the target of the symlink rel below d; the way to it is
// resolved without following any link.
func (d *Dir) Readlink(rel string) (string, error) {
	fd, err := d.open(rel, unix.O_PATH)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", &fs.PathError{Op: "readlink", Path: d.join(rel), Err: err}
	}
	return string(buf[:n]), nil
}
