package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// memRuns is how many extra rounds of each kind run under GNU time.
const memRuns = 5

// memoryRounds runs each of the four measured commands memRuns more times
// under /usr/bin/time -f %M. GNU time forks (no vfork), so the figure is
// the largest process of the round alone, not the driver that started it.
func (b *bench) memoryRounds(ctx context.Context, h *host, hRemote, plain, pRemote string, first int, noop, edit *pair) error {
	for k := range memRuns {
		i := first + k
		steps := []struct {
			into *[]float64
			step func() error
		}{
			{&noop.hearthKB, func() error { return b.noopHearth(ctx, h, nil, false) }},
			{&noop.gitKB, func() error { return b.noopGit(ctx, plain, nil, false) }},
			{&edit.hearthKB, func() error { return b.editHearth(ctx, h, hRemote, i, nil, false) }},
			{&edit.gitKB, func() error { return b.editGit(ctx, plain, pRemote, i, nil, false) }},
		}
		for _, s := range steps {
			kb, err := b.peakKB(s.step)
			if err != nil {
				return err
			}
			*s.into = append(*s.into, kb)
		}
	}
	return nil
}

// peakKB runs step with its measured command under GNU time and returns
// the command's max RSS in KB.
func (b *bench) peakKB(step func() error) (float64, error) {
	f, err := os.CreateTemp(b.work, "maxrss-*.txt")
	if err != nil {
		return 0, err
	}
	f.Close()
	b.memOut = f.Name()
	err = step()
	b.memOut = ""
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return 0, err
	}
	// The figure is the last line; a failed command adds a line before it.
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	kb, err := strconv.ParseFloat(strings.TrimSpace(lines[len(lines)-1]), 64)
	if err != nil {
		return 0, fmt.Errorf("GNU time output %q: %w", data, err)
	}
	return kb, nil
}
