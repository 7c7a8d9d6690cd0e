package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// measure is one measured command.
type measure struct {
	wall time.Duration
	// kb is the max RSS of the largest single process of the command's
	// tree, from GNU time. Not rusage read by this driver: Go starts
	// children with vfork, and a vforked child's ru_maxrss includes the
	// parent's resident set (/bin/true started by a driver holding 300 MB
	// reports 300 MB).
	kb  int64
	git gitPeak // the largest git of the tree, when it ran through the shim
}

// measured runs cmd under GNU time and returns its figures and stdout.
func (b *bench) measured(cmd *exec.Cmd) (measure, []byte, error) {
	f, err := os.CreateTemp(b.work, "maxrss-*.txt")
	if err != nil {
		return measure{}, nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	// A log left by an unmeasured command must not count.
	if err := os.Remove(b.gitLog); err != nil && !os.IsNotExist(err) {
		return measure{}, nil, err
	}
	cmd.Args = append([]string{b.timeBin, "-o", f.Name(), "-f", "%M", cmd.Path}, cmd.Args[1:]...)
	cmd.Path = b.timeBin
	start := time.Now()
	out, err := run(cmd)
	m := measure{wall: time.Since(start)}
	if err != nil {
		return m, out, err
	}
	data, err := os.ReadFile(f.Name())
	if err != nil {
		return m, out, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if m.kb, err = strconv.ParseInt(strings.TrimSpace(lines[len(lines)-1]), 10, 64); err != nil {
		return m, out, fmt.Errorf("GNU time output %q: %w", data, err)
	}
	m.git, err = b.largestGit()
	return m, out, err
}
