package dotfiles

import (
	"errors"
	"io/fs"
	"runtime"
	"sync"
	"syscall"
)

// readFast reads a whole file in as few system calls as possible: open,
// fstat (without a size hint), one read, close. It uses the system calls
// directly: os.Open would also try to register every regular file with the
// network poller (a failing epoll_ctl) and attach a cleanup to it, a
// measurable share of a no-op apply, which is mostly file reads. A short
// read of a regular file means end of file on Linux, so no extra read is
// spent waiting for io.EOF.
func readFast(path string, hint int64) ([]byte, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if hint <= 0 {
		var st syscall.Stat_t
		if retryEINTR(func() error { return syscall.Fstat(fd, &st) }) == nil {
			hint = st.Size
		}
	}
	buf := make([]byte, 0, max(int(hint)+1, 512))
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
		if n == 0 || len(buf) < cap(buf) {
			return buf, nil
		}
		buf = append(buf, 0)[:len(buf)] // full: grow and read on
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
