package dotfiles

import (
	"runtime"
	"sync"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// readFast reads a home file of at most limit bytes (see safefile: home
// belongs to a user and hearth may run as root).
func readFast(path string, limit int64) ([]byte, error) {
	return safefile.Read(path, limit, nil)
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
