package main

import (
	"context"
	"os"
	"path/filepath"
)

// seedRemote makes the bare remote name.git holding one commit of t.
// Loose objects are stored without compression: only the seeding pays for
// it, and a gigabyte of random data would otherwise take a minute to
// deflate. hearth's and the peer's own later commits use git's defaults.
func (b *bench) seedRemote(ctx context.Context, t *tree, name string) (string, error) {
	dir := filepath.Join(b.work, "remotes", name+".git")
	if _, err := b.git(ctx, "", "init", "--quiet", "--bare", dir); err != nil {
		return "", err
	}
	if err := b.quietRemote(ctx, dir); err != nil {
		return "", err
	}
	wt := []string{"--git-dir=" + dir, "--work-tree=" + t.dir, "-c", "core.looseCompression=0"}
	if _, err := b.git(ctx, t.dir, append(wt, "add", "-A")...); err != nil {
		return "", err
	}
	if _, err := b.git(ctx, t.dir, append(wt, "commit", "--quiet", "-m", "seed "+t.name)...); err != nil {
		return "", err
	}
	return dir, os.Remove(filepath.Join(dir, "index"))
}

// copyRemote is a second bare remote with the same history (objects
// hard-linked), so that hearth and the peer push to remotes of their own.
func (b *bench) copyRemote(ctx context.Context, from, name string) (string, error) {
	dir := filepath.Join(b.work, "remotes", name+".git")
	if _, err := b.git(ctx, "", "clone", "--quiet", "--bare", from, dir); err != nil {
		return "", err
	}
	return dir, b.quietRemote(ctx, dir)
}

// quietRemote turns off automatic gc, so that no detached process outlives
// the run in a dir about to be removed.
func (b *bench) quietRemote(ctx context.Context, dir string) error {
	_, err := b.git(ctx, dir, "config", "gc.auto", "0")
	return err
}

// clone is a plain clone of remote in dir (objects hard-linked).
func (b *bench) clone(ctx context.Context, remote, dir string) error {
	_, err := b.git(ctx, "", "clone", "--quiet", remote, dir)
	return err
}
