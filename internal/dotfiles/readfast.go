package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sync"
	"syscall"
)

// maxFileSize bounds what is read into memory from one source or home file.
const maxFileSize = 256 << 20

// errNotRegular: the path is no longer the regular file it was a moment ago.
var errNotRegular = errors.New("not a regular file (replaced while being read?)")

// readFast reads a whole regular file in as few system calls as possible:
// open, fstat, one read, close. It uses the system calls directly: os.Open
// would also try to register every regular file with the network poller
// (a failing epoll_ctl) and attach a cleanup to it, a measurable share of
// a no-op apply, which is mostly file reads.
//
// Home belongs to a user and hearth may run as root, so the file is opened
// without following a final symlink and without blocking (a FIFO), must be
// a regular file of at most maxFileSize, and, when want is not nil, the
// very file (device and inode) that was inspected before: a target swapped
// for a link to a root-only file in between is refused, not read.
func readFast(path string, want *syscall.Stat_t) ([]byte, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		return err
	})
	if errors.Is(err, syscall.ELOOP) {
		err = errNotRegular
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG || (want != nil && (st.Dev != want.Dev || st.Ino != want.Ino)) {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	if st.Size > maxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d MiB", maxFileSize>>20)}
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
		if n == 0 {
			return buf, nil
		}
		if len(buf) > maxFileSize {
			return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("larger than %d MiB", maxFileSize>>20)}
		}
		if len(buf) < cap(buf) {
			// A short read of a regular file is its end on Linux.
			return buf, nil
		}
		buf = append(buf, 0)[:len(buf)] // grew while being read: read on
	}
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// parallel runs fn(i) for i in [0, n) on a few goroutines; file reads
// overlap their system calls this way.
func parallel(n int, fn func(i int)) {
	workers := min(n, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}
