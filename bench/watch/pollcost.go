package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/watch"
)

// pollCost times the watcher's poll of an unmoved smart-HTTP remote (what
// `hearth watch` runs every interval) against `git ls-remote` of the same
// branch, alternating, and reports the ratio of the medians.
func (b *bench) pollCost(ctx context.Context, f flags) error {
	h := filepath.Join(b.work, "hosts", "idle-http")
	url := b.url("http", "idle-http")
	p := &watch.RemotePoller{Remote: url, Branch: "main", SourceDir: filepath.Join(h, "source"),
		TrackingRef: "refs/remotes/origin/main", Git: gitrepo.Options{}}
	var polls, lsr []float64
	for i := range f.pollRuns + 2 {
		var d1, d2 float64
		poll := func() error {
			t0 := time.Now()
			moved, err := p.Poll(ctx)
			d1 = time.Since(t0).Seconds()
			if err != nil || moved {
				return fmt.Errorf("poll of an unmoved remote: moved=%v err=%v", moved, err)
			}
			return nil
		}
		plain := func() error {
			t0 := time.Now()
			_, err := b.git(ctx, "", "ls-remote", url, "refs/heads/main")
			d2 = time.Since(t0).Seconds()
			return err
		}
		// Each goes first every other time: the one that follows
		// another request can meet the server still finishing it.
		steps := []func() error{poll, plain}
		if i%2 == 1 {
			steps[0], steps[1] = plain, poll
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		if i >= 2 { // warm-up
			polls, lsr = append(polls, d1), append(lsr, d2)
		}
	}
	mp, ml := median(polls), median(lsr)
	fmt.Printf("poll of an unmoved http remote: median %.1f ms vs git ls-remote %.1f ms: ratio %.2f  (aim: <= 1.1), %d runs each\n",
		1000*mp, 1000*ml, mp/ml, len(polls))
	return nil
}
