package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SetRemote creates or updates the URL of a named remote.
func (r *Repo) SetRemote(ctx context.Context, name, url string) error {
	if err := checkRefName(name); err != nil {
		return fmt.Errorf("set remote in %s: %w", r.Dir(), err)
	}
	if url == "" || strings.HasPrefix(url, "-") {
		return fmt.Errorf("set remote %s in %s: invalid URL %q", name, r.Dir(), redact(url))
	}
	_, err := r.run(ctx, call{args: []string{"config", "remote." + name + ".url", url}})
	return err
}

// remoteURL returns the URL behind a remote name, or remote itself when it
// already is a URL or path.
func (r *Repo) remoteURL(ctx context.Context, remote string) string {
	if strings.ContainsAny(remote, "/:") {
		return remote
	}
	out, err := r.run(ctx, call{args: []string{"config", "--get", "remote." + remote + ".url"}})
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Fetch fetches refspecs (e.g. "+refs/heads/main:refs/remotes/origin/main")
// from remote, a remote name or URL. An unreachable remote gives an error
// matching ErrOffline, a source ref the remote does not have one matching
// ErrNotFound; anything else is a plain failure.
func (r *Repo) Fetch(ctx context.Context, remote string, refspecs ...string) error {
	return r.fetch(ctx, remote, false, refspecs)
}

// FetchPrune is Fetch that also deletes the local refs a refspec's
// destination covers whose source ref is gone from the remote.
func (r *Repo) FetchPrune(ctx context.Context, remote string, refspecs ...string) error {
	return r.fetch(ctx, remote, true, refspecs)
}

func (r *Repo) fetch(ctx context.Context, remote string, prune bool, refspecs []string) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return fmt.Errorf("fetch in %s: invalid remote %q", r.Dir(), redact(remote))
	}
	for _, rs := range refspecs {
		if err := checkRev(rs); err != nil {
			return fmt.Errorf("fetch from %s in %s: %w", redact(remote), r.Dir(), err)
		}
	}
	args := []string{"fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head"}
	if prune {
		args = append(args, "--prune")
	}
	args = append(append(args, "--end-of-options", remote), refspecs...)
	_, err := r.run(ctx, call{args: args, network: true, remote: remote})
	var e *Error
	if errors.As(err, &e) && e.Kind == nil && strings.Contains(e.Stderr, "couldn't find remote ref") {
		// A branch nobody has pushed yet: the first host creates it.
		e.Kind = ErrNotFound
	}
	return err
}

// Push updates dstRef on remote to src (a local revision) only if the
// remote's dstRef is still expected ("" means it must not exist yet):
// git push --force-with-lease=<dstRef>:<expected>. Losing the race to another
// pusher gives an error matching ErrRejected; an unreachable remote one
// matching ErrOffline. Hooks do not run.
func (r *Repo) Push(ctx context.Context, remote, src, dstRef, expected string) error {
	if remote == "" || strings.HasPrefix(remote, "-") {
		return fmt.Errorf("push in %s: invalid remote %q", r.Dir(), redact(remote))
	}
	if err := checkRev(src); err != nil || strings.Contains(src, ":") {
		return fmt.Errorf("push to %s in %s: invalid source revision %q", redact(remote), r.Dir(), src)
	}
	if err := checkRefName(dstRef); err != nil || !strings.HasPrefix(dstRef, "refs/") {
		return fmt.Errorf("push to %s in %s: destination must be a full ref name, got %q", redact(remote), r.Dir(), dstRef)
	}
	if expected != "" && !isHexID(expected) {
		return fmt.Errorf("push to %s in %s: expected value must be a full object id, got %q", redact(remote), r.Dir(), expected)
	}
	args := []string{"push", "--porcelain", "--no-verify", "--no-recurse-submodules",
		"--force-with-lease=" + dstRef + ":" + expected, "--end-of-options", remote, src + ":" + dstRef}
	out, err := r.run(ctx, call{args: args, network: true, remote: remote})
	var e *Error
	if errors.As(err, &e) && e.Kind == nil && pushLostRace(string(out)) {
		e.Kind = ErrRejected
		// The porcelain line says why; stderr alone only says "failed to push".
		e.Stderr = strings.TrimSpace(e.Stderr + "\n" + trimStderr(string(out)))
	}
	return err
}

// pushLostRace reads `push --porcelain` output: a "!" line whose reason is a
// stale lease, a non-fast-forward, or a remote ref that moved under the
// remote's own lock. Other rejections (hooks, permissions) are not races.
func pushLostRace(porcelain string) bool {
	for line := range strings.SplitSeq(porcelain, "\n") {
		if !strings.HasPrefix(line, "!") {
			continue
		}
		l := strings.ToLower(line)
		for _, reason := range []string{"stale info", "fetch first", "non-fast-forward", "already exists",
			"failed to update ref", "cannot lock ref", "but expected", "incorrect old value", "failed to lock"} {
			if strings.Contains(l, reason) {
				return true
			}
		}
	}
	return false
}
