package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// The measured figure of a command is the largest single process of its
// tree, hearth or any git it ran. To tell which, every git started through
// PATH during a memory measurement runs under its own GNU time, appending
// "<KB> <command line>" to one log: when the largest git is below the
// round's figure, the figure is hearth's own.

// setupShim writes the git shim. Paths are baked in: hearth passes git a
// filtered environment.
func (b *bench) setupShim() error {
	git, err := exec.LookPath("git")
	if err != nil {
		return err
	}
	b.shimDir = filepath.Join(b.work, "shim")
	b.gitLog = filepath.Join(b.work, "git-peaks.log")
	if err := os.MkdirAll(b.shimDir, 0o755); err != nil {
		return err
	}
	script := fmt.Sprintf("#!/bin/sh\nexec %s -a -o %s -f '%%M %%C' %s \"$@\"\n",
		shellQuote(b.timeBin), shellQuote(b.gitLog), shellQuote(git))
	return os.WriteFile(filepath.Join(b.shimDir, "git"), []byte(script), 0o755)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// gitPeak is the largest git process one measured command ran.
type gitPeak struct {
	kb  int64
	sub string // its subcommand, e.g. "add"
}

// largestGit reads the shim's log (and empties it for the next command).
func (b *bench) largestGit() (gitPeak, error) {
	data, err := os.ReadFile(b.gitLog)
	if os.IsNotExist(err) {
		return gitPeak{}, nil
	}
	if err != nil {
		return gitPeak{}, err
	}
	if err := os.Remove(b.gitLog); err != nil {
		return gitPeak{}, err
	}
	var best gitPeak
	for _, line := range strings.Split(string(data), "\n") {
		// GNU time adds "Command exited with non-zero status" lines, and
		// a commit message may span lines: only "<KB> <git path> ..." counts.
		kbText, cmdline, ok := strings.Cut(line, " ")
		kb, err := strconv.ParseInt(kbText, 10, 64)
		if !ok || err != nil {
			continue
		}
		fields := strings.Fields(cmdline)
		if len(fields) == 0 || filepath.Base(fields[0]) != "git" {
			continue
		}
		if kb > best.kb {
			best = gitPeak{kb: kb, sub: subcommand(fields[1:])}
		}
	}
	return best, nil
}

// subcommand is the first argument of a git command line that is not a
// global option.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" || a == "-C":
			i++
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return "?"
}
