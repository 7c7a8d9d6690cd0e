package dotfiles

import (
	"runtime"
	"sync"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// maxFileSize bounds what is read into memory from one source or home file.
const maxFileSize = 256 << 20

// readFast reads a source or home file (see safefile: home belongs to a
// user and hearth may run as root); want, when set, is the Lstat the plan
// made of it.
func readFast(path string, want *syscall.Stat_t) ([]byte, error) {
	return safefile.Read(path, maxFileSize, want)
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
