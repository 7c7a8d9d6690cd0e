package dotfiles

import (
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
)

// readFast reads a whole file in as few system calls as possible: with a
// size hint the usual case is open, one read, close. A short read of a
// regular file means end of file on Linux, so no extra read is spent
// waiting for io.EOF. This matters: a no-op apply is mostly file reads.
func readFast(path string, hint int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := max(int(hint)+1, 512)
	buf := make([]byte, 0, size)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) || (err == nil && n > 0 && len(buf) < cap(buf)) || (err == nil && n == 0) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
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
