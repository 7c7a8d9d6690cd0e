package main

import (
	"os/exec"
	"sync"
	"time"
)

// waveResult is one process of a wave.
type waveResult struct {
	s      sample
	stdout []byte
	err    error
}

// runWave starts every command at the same moment (each goroutine waits on
// one channel closed after all are ready) and returns when the last one
// exits, with the wall time from the release to that exit.
func runWave(cmds []*exec.Cmd) ([]waveResult, time.Duration) {
	res := make([]waveResult, len(cmds))
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i, cmd := range cmds {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			res[i].s, res[i].stdout, res[i].err = runTimed(cmd)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	return res, time.Since(t0)
}

// parallel runs fn(0..n-1) with at most limit at a time and returns the
// first error.
func parallel(n, limit int, fn func(i int) error) error {
	sem := make(chan struct{}, limit)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
