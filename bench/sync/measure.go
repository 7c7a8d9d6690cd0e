package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// sample is one timed process: wall time from start to exit. (Peak memory
// is measured apart, see memory.go: Go starts children with vfork, so their
// ru_maxrss would include the driver's own resident set.)
type sample struct {
	wall time.Duration
}

// runTimed runs cmd and times it. stdout is returned; on failure the error
// carries stderr so that a broken round is reported, not measured.
func runTimed(cmd *exec.Cmd) (sample, []byte, error) {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if err != nil {
		return s, stdout.Bytes(), fmt.Errorf("%s in %s: %w: %s", strings.Join(cmd.Args, " "), cmd.Dir, err, strings.TrimSpace(stderr.String()))
	}
	return s, stdout.Bytes(), nil
}

// command builds an exec.Cmd with an explicit environment and directory,
// bounded by ctx.
func command(ctx context.Context, env []string, dir, prog string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env, cmd.Dir = env, dir
	return cmd
}

// series collects samples of one measured thing.
type series []sample

func (s series) walls() []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = float64(x.wall) / float64(time.Millisecond)
	}
	return out
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func minimum(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	return slices.Min(xs)
}
