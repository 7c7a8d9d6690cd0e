package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

const lockFile = "flake.lock"

// updateDirPattern names the throwaway work trees of nix flake update.
const updateDirPattern = "flake-update-*"

// lockUpdate is a flake.lock refreshed by nix flake update on top of tip.
type lockUpdate struct {
	commit string // local commit: tip with the new lock
	blob   string // the new lock's blob id
}

// updateInputs runs nix flake update in a throwaway work tree of tip and, when
// the lock changed, commits it on top of tip in the mirror (not on any
// branch yet). It returns nil when the lock did not change.
func updateInputs(ctx context.Context, o *Options, m *gitrepo.Repo, tip string) (*lockUpdate, error) {
	tmp, err := os.MkdirTemp(o.StateDir, updateDirPattern)
	if err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	defer os.RemoveAll(tmp)
	wt, err := gitrepo.Init(ctx, tmp, false, "main", o.Git)
	if err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	if err := wt.Fetch(ctx, m.GitDir, remoteRefPrefix+o.Branch+":refs/hearth/tip"); err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	if err := wt.Checkout(ctx, "", tip); err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	// nix reads a work tree against its HEAD: give it the tip as HEAD.
	if err := wt.UpdateRef(ctx, "refs/heads/main", tip, "", "flake update"); err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	log := newLineLogger(o.Logger, "nix flake update")
	err = o.Nix.FlakeUpdate(ctx, tmp, log)
	log.Flush()
	if err != nil {
		return nil, err
	}
	lock, err := os.ReadFile(filepath.Join(tmp, lockFile))
	if err != nil {
		return nil, fmt.Errorf("flake update: %w", err)
	}
	old, err := m.ReadBlob(ctx, tip+":"+lockFile)
	if err != nil && !errors.Is(err, gitrepo.ErrNotFound) {
		return nil, err
	}
	if err == nil && bytes.Equal(old, lock) {
		return nil, nil
	}
	blob, err := m.HashObject(ctx, lock)
	if err != nil {
		return nil, err
	}
	commit, err := lockCommit(ctx, o, m, tip, blob)
	if err != nil {
		return nil, err
	}
	return &lockUpdate{commit: commit, blob: blob}, nil
}

// lockCommit makes a commit on parent whose only change is flake.lock = blob.
func lockCommit(ctx context.Context, o *Options, m *gitrepo.Repo, parent, blob string) (string, error) {
	tree, err := m.BuildTree(ctx, parent, []gitrepo.TreeEdit{{Path: lockFile, Mode: gitrepo.ModeFile, ID: blob}})
	if err != nil {
		return "", err
	}
	who := gitrepo.Signature{Name: "hearth on " + identitySafe(o.Host), Email: "hearth@" + identitySafe(o.Host) + ".invalid", When: time.Now()}
	return m.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: []string{parent}, Author: who,
		Message:    "flake.lock: update inputs\n\nBuilt and deployed on " + o.Host + " before it was published.",
		Trailers:   []gitrepo.Trailer{{Key: "Hearth-Host", Value: identitySafe(o.Host)}},
		SigningKey: o.SigningKey,
	})
}

// identitySafe keeps a host name usable in a git identity.
func identitySafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || r == '\n' || r == 0 || r == ' ' {
			return '-'
		}
		return r
	}, s)
}

// publishLock pushes the validated lock commit to the branch with a lease on
// the tip it was made from. Losing a race to another host is retried on top
// of the new tip while that tip still has the old lock; when the new tip
// already has a different lock, another host published first and this one
// gives up. It returns the commit now on the remote with our lock.
func publishLock(ctx context.Context, o *Options, m *gitrepo.Repo, tip string, u *lockUpdate) (string, error) {
	baseLock, err := lockBlobOf(ctx, m, tip)
	if err != nil {
		return "", err
	}
	commit, expected := u.commit, tip
	for attempt := 0; ; attempt++ {
		err := m.Push(ctx, o.Remote, commit, "refs/heads/"+o.Branch, expected)
		if err == nil {
			if err := m.UpdateRef(ctx, remoteRefPrefix+o.Branch, commit, expected, "published flake.lock"); err != nil && !errors.Is(err, gitrepo.ErrRefChanged) {
				return commit, err
			}
			return commit, nil
		}
		if !errors.Is(err, gitrepo.ErrRejected) || attempt >= o.PushRetries {
			return "", err
		}
		o.Logger.Info("flake.lock push lost a race; fetching", "attempt", attempt+1)
		newTip, err := fetchTip(ctx, m, o)
		if err != nil {
			return "", err
		}
		cur, err := lockBlobOf(ctx, m, newTip)
		if err != nil {
			return "", err
		}
		switch cur {
		case u.blob:
			return newTip, nil // someone published the same lock
		case baseLock:
		default:
			return "", fmt.Errorf("another host published a different flake.lock in %s; not overwriting it", short(newTip))
		}
		if commit, err = lockCommit(ctx, o, m, newTip, u.blob); err != nil {
			return "", err
		}
		expected = newTip
	}
}

func lockBlobOf(ctx context.Context, m *gitrepo.Repo, commit string) (string, error) {
	id, err := m.RevParse(ctx, commit+":"+lockFile)
	if errors.Is(err, gitrepo.ErrNotFound) {
		return "", nil
	}
	return id, err
}
