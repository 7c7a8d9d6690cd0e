package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/watch"
)

var seed = map[string]string{
	"dot_bashrc":            "export EDITOR=vi\nalias ll='ls -l'\n",
	"dot_config/git/config": "[user]\n\tname = me\n",
	"dot_profile":           "# profile\n",
}

type propagationRun struct {
	transport string
	lat       []float64 // seconds from an edit saved to it live in another home
}

// propagation: three watchers; each edit is an appended line in one home,
// timed until it is in the other two homes (read every 5ms).
func (b *bench) propagation(ctx context.Context, transport string, f flags) (*propagationRun, error) {
	name := "prop-" + transport
	if _, err := b.newRemote(ctx, name, seed); err != nil {
		return nil, err
	}
	var hs []*host
	for i := range 3 {
		h, err := b.newHost(fmt.Sprintf("%s-h%d", transport, i), b.url(transport, name), f.poll, f.debounce)
		if err != nil {
			return nil, err
		}
		if err := b.sync(ctx, h); err != nil {
			return nil, err
		}
		hs = append(hs, h)
	}
	start := time.Now()
	for _, h := range hs {
		if err := b.startWatcher(ctx, h); err != nil {
			return nil, err
		}
		defer h.stop()
	}
	for _, h := range hs {
		if err := waitRound(ctx, h, start, 60*time.Second); err != nil {
			return nil, err
		}
	}
	r := &propagationRun{transport: transport}
	for k := range f.edits {
		src := hs[k%3]
		line := fmt.Sprintf("alias bench%d='echo %s'", k, transport)
		t0 := time.Now()
		if err := appendLine(filepath.Join(src.home, ".bashrc"), line); err != nil {
			return nil, err
		}
		seen := map[*host]bool{src: true}
		deadline := t0.Add(f.poll*20 + time.Minute)
		for len(seen) < 3 {
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("edit %d from %s not live everywhere after %s", k, src.name, time.Since(t0))
			}
			for _, h := range hs {
				if !seen[h] && contains(filepath.Join(h.home, ".bashrc"), line) {
					seen[h] = true
					r.lat = append(r.lat, time.Since(t0).Seconds())
				}
			}
			time.Sleep(5 * time.Millisecond) // the sampling period of the measurement
		}
		// The next edit waits for every round this one started to end,
		// so it never lands inside an apply of the same file.
		for _, h := range hs {
			if err := waitRound(ctx, h, t0, time.Minute); err != nil {
				return nil, err
			}
		}
		// People edit at random moments, not right after a round: a pause
		// uniform in [0, P) puts the edit at a random phase of the other
		// watchers' poll intervals (each restarts its interval after a
		// round, so without it every edit would wait nearly a whole P).
		time.Sleep(time.Duration(rand.Int64N(int64(f.poll))))
		b.log.Info("edit live everywhere", "transport", transport, "edit", k, "max_s", fmt.Sprintf("%.2f", maximum(r.lat[len(r.lat)-2:])))
	}
	return r, nil
}

func (p *propagationRun) print(f flags) {
	P := f.poll.Seconds()
	fmt.Printf("propagation over %-4s: %d edits x 2 homes: median %.2f s, max %.2f s  (aim: median <= P/2+1.5 = %.2f s%s, max <= P+3 = %.2f s)\n",
		p.transport, len(p.lat)/2, median(p.lat), maximum(p.lat), P/2+1.5, map[bool]string{true: "; file: <= 1.5 s", false: ""}[p.transport == "file"], P+3)
}

// waitRound waits until h's watcher finished a round started after since.
func waitRound(ctx context.Context, h *host, since time.Time, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		s, _ := watch.ReadStatus(filepath.Join(h.root, "state"))
		if s != nil && s.LastRound != nil && s.LastRound.Started.After(since) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s: no round since %s (see %s)", h.name, since.Format(time.StampMilli), filepath.Join(h.root, "watch.log"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func appendLine(p, line string) error {
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func contains(p, line string) bool {
	b, err := os.ReadFile(p)
	return err == nil && strings.Contains(string(b), line+"\n")
}
