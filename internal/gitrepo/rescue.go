package gitrepo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RescueUnpushed saves the commits of branchRef that trackRef (the remote's
// branch as last fetched) lacks into a git bundle under dir, before a clone
// that could not be repaired is set aside or cloned again: `git fetch
// <bundle> <branchRef>` brings them back into any clone of the remote. It
// returns the bundle's path, or "" when there is nothing unpushed. A bundle
// cannot be made when the damage is in those very commits; the error says
// so and the work tree is then the only copy.
func (r *Repo) RescueUnpushed(ctx context.Context, branchRef, trackRef, dir string) (string, error) {
	local, err := r.ReadRef(ctx, branchRef)
	if err != nil || local == "" {
		return "", err
	}
	remote, err := r.ReadRef(ctx, trackRef)
	if err != nil {
		return "", err
	}
	if local == remote {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("rescue unpushed commits of %s: %w", r.Dir(), err)
	}
	// A round that fails again finds the bundle it made before: one per
	// tip, not one per round.
	if old, _ := filepath.Glob(filepath.Join(dir, "unpushed-*-"+local[:12]+".bundle")); len(old) > 0 {
		return old[len(old)-1], nil
	}
	name := fmt.Sprintf("unpushed-%s-%s.bundle", time.Now().UTC().Format("20060102T150405"), local[:12])
	dst := filepath.Join(dir, name)
	tmp := filepath.Join(dir, "."+name+".tmp")
	// The whole branch where it can be read: a remote that rewrote its
	// history no longer has the commits a thinner bundle would need
	// (its replay failed every round). Only what the remote lacks when
	// older history is damaged.
	_, err = r.run(ctx, call{args: []string{"bundle", "create", "--quiet", tmp, branchRef}})
	if err != nil && remote != "" {
		os.Remove(tmp)
		_, err = r.run(ctx, call{args: []string{"bundle", "create", "--quiet", tmp, branchRef, "^" + remote}})
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("rescue unpushed commits of %s into a bundle: %w", r.Dir(), err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("rescue unpushed commits of %s: %w", r.Dir(), err)
	}
	r.log.Warn("saved the clone's unpushed commits in a bundle", "repo", r.Dir(), "bundle", dst, "branch", branchRef, "tip", local)
	return dst, nil
}
