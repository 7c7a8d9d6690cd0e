package gitrepo

import (
	"context"
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
