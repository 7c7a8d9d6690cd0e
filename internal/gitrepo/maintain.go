package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultGCAuto is git's own gc.auto default: roughly how many loose objects
// make `git gc --auto` pack them.
const defaultGCAuto = 6700

// Maintain packs loose objects and prunes old unreachable ones when git
// thinks it is time (git gc --auto, with the repository's gc.auto or git's
// default threshold). Every other command here disables automatic gc,
// because git would run it detached and keep locks after returning; this
// runs it in the foreground instead, so call it at the end of a round while
// holding the job lock.
func (r *Repo) Maintain(ctx context.Context) error {
	if !r.gcConfigured() && !r.gcDueByDefault() {
		return nil // what gc --auto would decide, without two processes
	}
	threshold := defaultGCAuto
	// --local: the repository's own setting, not the gc.auto=0 this package
	// passes on every command line.
	out, code, err := r.runCode(ctx, call{args: []string{"config", "--local", "--get", "gc.auto"}, okExit: []int{1}})
	if err != nil {
		return err
	}
	if code == 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			threshold = n
		}
	}
	_, err = r.run(ctx, call{args: []string{
		"-c", "gc.auto=" + strconv.Itoa(threshold), "-c", "gc.autoDetach=false",
		"gc", "--auto", "--quiet",
	}})
	return err
}

// defaultGCAutoPackLimit is git's gc.autoPackLimit default.
const defaultGCAutoPackLimit = 50

// gcConfigured reports whether the repository's config may set gc options;
// then git itself decides.
func (r *Repo) gcConfigured() bool {
	cfg, readable, _ := readSmallFile(filepath.Join(r.GitDir, "config"), maxConfigFile)
	return !readable || strings.Contains(strings.ToLower(string(cfg)), "[gc") || strings.Contains(strings.ToLower(string(cfg)), "include")
}

// gcDueByDefault makes gc --auto's own estimate with git's default limits:
// more than gc.auto/256 loose objects in the fan-out directory objects/17,
// or at least gc.autoPackLimit packs.
func (r *Repo) gcDueByDefault() bool {
	loose, err := os.ReadDir(filepath.Join(r.GitDir, "objects", "17"))
	if err != nil && !os.IsNotExist(err) {
		return true
	}
	n := 0
	for _, e := range loose {
		if len(e.Name()) == r.idLen-2 && isHexID(strings.Repeat("0", 2)+e.Name()) {
			n++
		}
	}
	if n > (defaultGCAuto+255)/256 {
		return true
	}
	packs, err := filepath.Glob(filepath.Join(r.GitDir, "objects", "pack", "*.pack"))
	return err != nil || len(packs) >= defaultGCAutoPackLimit
}
