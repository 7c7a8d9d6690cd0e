package gitrepo

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// BuildTree's scratch indexes are named after the process that made them,
// so a later round can tell a killed process's leftovers (which grow with
// the tree, one per kill) from a live process's file.
const tempIndexPrefix = "hearth-index-"

func tempIndexName() string {
	return tempIndexPrefix + "p" + strconv.Itoa(os.Getpid()) + "-*"
}

// sweepTempIndexes removes scratch indexes (and their git .lock files) whose
// process is gone, and returns them. Files of an older naming, which carry
// no pid, are returned as ownerless for the lock-file rules to judge.
func (r *Repo) sweepTempIndexes() (swept, ownerless []string) {
	entries, err := os.ReadDir(r.GitDir)
	if err != nil {
		return nil, nil
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, tempIndexPrefix) || e.IsDir() {
			continue
		}
		p := filepath.Join(r.GitDir, name)
		pid, ok := tempIndexPID(name)
		if !ok {
			ownerless = append(ownerless, p)
			continue
		}
		if pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.Remove(p); err == nil {
			r.log.Warn("removed a scratch index left by a killed process", "repo", r.Dir(), "file", p, "pid", pid)
			swept = append(swept, p)
		}
	}
	return swept, ownerless
}

// tempIndexPID reads the pid out of "hearth-index-p<pid>-<random>[.lock]".
func tempIndexPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, tempIndexPrefix+"p")
	if !ok {
		return 0, false
	}
	digits, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(digits)
	return pid, ok && err == nil && pid > 0
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
