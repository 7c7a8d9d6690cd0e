package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// idleRun measures watchers with nothing to do, one per remote kind, side
// by side: CPU (user+system, with their children's) as a share of one
// core, and resident memory, over f.idle.
func (b *bench) idleRun(ctx context.Context, f flags) error {
	var hs []*host
	for _, tr := range []string{"http", "file"} {
		name := "idle-" + tr
		if _, err := b.newRemote(ctx, name, seed); err != nil {
			return err
		}
		h, err := b.newHost(name, b.url(tr, name), f.idlePoll, 2*time.Second)
		if err != nil {
			return err
		}
		if err := b.sync(ctx, h); err != nil {
			return err
		}
		start := time.Now()
		if err := b.startWatcher(ctx, h); err != nil {
			return err
		}
		defer h.stop()
		if err := waitRound(ctx, h, start, time.Minute); err != nil {
			return err
		}
		hs = append(hs, h)
	}
	before := make([]float64, len(hs))
	for i, h := range hs {
		before[i] = cpuSeconds(h.watcher.Process.Pid)
	}
	t0 := time.Now()
	select {
	case <-time.After(f.idle):
	case <-ctx.Done():
		return ctx.Err()
	}
	wall := time.Since(t0).Seconds()
	for i, h := range hs {
		pid := h.watcher.Process.Pid
		cpu := cpuSeconds(pid) - before[i]
		rss, hwm := procKB(pid, "VmRSS:"), procKB(pid, "VmHWM:")
		fmt.Printf("idle %-4s watcher (P=%s) over %.0f s: CPU %.3f %% of one core, RSS %.1f MiB (peak %.1f MiB)  (aim: <= 0.2 %%, <= 20 MiB)\n",
			strings.TrimPrefix(h.name, "idle-"), f.idlePoll, wall, 100*cpu/wall, rss/1024, hwm/1024)
	}
	return nil
}

// cpuSeconds is utime+stime+cutime+cstime of pid (clock ticks of 1/100 s).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	total := 0.0
	for _, i := range []int{11, 12, 13, 14} { // fields 14-17 of proc(5), after pid and comm
		v, _ := strconv.ParseFloat(fields[i], 64)
		total += v
	}
	return total / 100
}

func procKB(pid int, key string) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return v
		}
	}
	return 0
}
