// Package safefile reads files that someone else may control: a user's home
// read by hearth running as root, or a remote's repository on a shared
// path. Such a file is opened without following a final symlink and
// without blocking (a FIFO), must be a regular file within a size limit,
// and, when asked, must be the very file (device and inode) inspected
// before; anything else is an error instead of a hang, an unbounded read,
// or a read of whatever a swapped-in link points at.
package safefile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sync"
	"syscall"
)

// ErrNotRegular: the path is not (or no longer) the regular file expected.
var ErrNotRegular = errors.New("not a regular file (replaced while being read?)")

// ErrTooLarge: the file is over the caller's limit.
var ErrTooLarge = errors.New("file too large")

// Read reads the whole regular file at path, of at most limit bytes. When
// want is not nil the file must be the one want describes (an earlier
// Lstat). It uses the system calls directly, in as few as possible (open,
// fstat, one read, close): os.Open would also try to register every regular
// file with the network poller and attach a cleanup to it, a measurable
// share of a no-op dotfiles apply, which is mostly file reads. A missing
// file gives an error matching fs.ErrNotExist.
func Read(path string, limit int64, want *syscall.Stat_t) ([]byte, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		return err
	})
	if errors.Is(err, syscall.ELOOP) {
		err = ErrNotRegular
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	return readFD(fd, path, limit, want)
}

// readFD reads the open descriptor fd of path: a regular file (the one
// want describes, when set) of at most limit bytes.
func readFD(fd int, path string, limit int64, want *syscall.Stat_t) ([]byte, error) {
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || (want != nil && (st.Dev != want.Dev || st.Ino != want.Ino)) {
		return nil, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	tooLarge := &fs.PathError{Op: "read", Path: path, Err: &SizeError{Size: st.Size, Limit: limit}}
	if st.Size > limit {
		return nil, tooLarge
	}
	buf := make([]byte, 0, max(int(st.Size)+1, 512))
	for {
		var n int
		err := retryEINTR(func() (err error) {
			n, err = syscall.Read(fd, buf[len(buf):cap(buf)])
			return err
		})
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		buf = buf[:len(buf)+n]
		switch {
		case n == 0:
			return buf, nil
		case int64(len(buf)) > limit:
			tooLarge.Err = &SizeError{Size: int64(len(buf)), Limit: limit}
			return nil, tooLarge
		case len(buf) < cap(buf):
			return buf, nil // a short read of a regular file is its end on Linux
		}
		buf = append(buf, 0)[:len(buf)] // grew while being read: read on
	}
}

// SizeError is ErrTooLarge with the figures, for messages that name them.
type SizeError struct{ Size, Limit int64 }

func (e *SizeError) Error() string {
	return fmt.Sprintf("%v: %d bytes, over the limit of %d", ErrTooLarge, e.Size, e.Limit)
}

func (e *SizeError) Unwrap() error { return ErrTooLarge }

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// Hash streams the regular file at path (opened as Read opens it) through
// a SHA-256, holding one small buffer instead of the file, and returns the
// hex digest and the size read.
func Hash(path string, want *syscall.Stat_t) (sum string, size int64, err error) {
	var fd int
	err = retryEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		return err
	})
	if errors.Is(err, syscall.ELOOP) {
		err = ErrNotRegular
	}
	if err != nil {
		return "", 0, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	return hashFD(fd, path, math.MaxInt64, want)
}

// hashFD is Hash of an open descriptor, refusing a file over limit bytes.
func hashFD(fd int, path string, limit int64, want *syscall.Stat_t) (sum string, size int64, err error) {
	return copyFD(fd, path, limit, want, nil)
}

// copyBufs holds copyFD's read buffers. A hash of every file in a 50,000-
// file home made 3 GB of 64 KiB garbage per round, and the pages the
// collector freed stayed in the process's RSS.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// copyFD is hashFD that also writes what it reads to w (when not nil).
func copyFD(fd int, path string, limit int64, want *syscall.Stat_t, w io.Writer) (sum string, size int64, err error) {
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return "", 0, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || (want != nil && (st.Dev != want.Dev || st.Ino != want.Ino)) {
		return "", 0, &fs.PathError{Op: "read", Path: path, Err: ErrNotRegular}
	}
	if st.Size > limit {
		return "", 0, &fs.PathError{Op: "read", Path: path, Err: &SizeError{Size: st.Size, Limit: limit}}
	}
	h := sha256.New()
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		var n int
		err := retryEINTR(func() (err error) {
			n, err = syscall.Read(fd, buf)
			return err
		})
		if err != nil {
			return "", 0, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return hex.EncodeToString(h.Sum(nil)), size, nil
		}
		h.Write(buf[:n])
		if w != nil {
			if _, err := w.Write(buf[:n]); err != nil {
				return "", 0, err
			}
		}
		size += int64(n)
		if size > limit {
			return "", 0, &fs.PathError{Op: "read", Path: path, Err: &SizeError{Size: size, Limit: limit}}
		}
	}
}
