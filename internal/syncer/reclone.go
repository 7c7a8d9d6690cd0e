package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"golang.org/x/sys/unix"
)

// rescuedRef holds the replayed commits while the new clone's branch is
// moved to them.
const rescuedRef = "refs/hearth/rescued"

// reclone replaces a clone that Repair could not mend: a new clone of the
// remote is made beside it, the unpushed commits saved in bundle (if any)
// become its branch (so the round merges the remote into them, conflicts
// settled as sidecars as always, and pushes), and only then is the old
// clone moved aside, whole, into the rescue dir (or beside itself), never
// deleted. Nothing changes when any step before the swap fails (the
// remote is unreachable, say): the caller reports the bundle instead.
func reclone(ctx context.Context, o *Options, bundle string) error {
	tmp := filepath.Join(filepath.Dir(o.Dir), "."+filepath.Base(o.Dir)+".hearth-reclone")
	stamp := time.Now().UTC().Format("20060102T150405")
	if _, err := os.Lstat(tmp); err == nil {
		// A killed reclone's: a half-made clone, or the damaged one just
		// swapped out. Kept aside, not deleted.
		if err := moveAside(o, tmp, stamp+"-leftover"); err != nil {
			return err
		}
	}
	fresh, err := gitrepo.Clone(ctx, o.Remote, tmp, gitrepo.CloneOptions{Branch: o.Branch}, o.Git)
	if err == nil && bundle != "" {
		err = replayBundle(ctx, fresh, bundle, "refs/heads/"+o.Branch)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	// Swapped in one step where the file system can: a kill never leaves
	// the source dir missing (a round would clone it without the replay).
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, o.Dir, unix.RENAME_EXCHANGE); err == nil {
		if err := moveAside(o, tmp, stamp); err != nil {
			o.Logger.Warn("the damaged clone stays beside the new one", "path", tmp, "err", err)
		}
	} else {
		if err := moveAside(o, o.Dir, stamp); err != nil {
			_ = os.RemoveAll(tmp)
			return err
		}
		if err := os.Rename(tmp, o.Dir); err != nil {
			return fmt.Errorf("put the new clone in place (the damaged one is in %s): %w", o.RescueDir, err)
		}
	}
	o.Logger.Warn("cloned the remote again; the damaged clone is kept aside, its unpushed commits replayed",
		"repo", o.Dir, "damaged_clone_in", o.RescueDir, "bundle", bundle)
	return nil
}

// moveAside moves dir into the rescue dir as clone-<stamp>, or beside
// itself when that is on another file system.
func moveAside(o *Options, dir, stamp string) error {
	aside := filepath.Join(o.RescueDir, "clone-"+stamp)
	if err := os.MkdirAll(o.RescueDir, 0o700); err == nil && os.Rename(dir, aside) == nil {
		return nil
	}
	aside = o.Dir + ".broken-" + stamp
	if err := os.Rename(dir, aside); err != nil {
		return fmt.Errorf("move the damaged clone %s aside: %w", dir, err)
	}
	return nil
}

// replayBundle makes the bundle's branch the new clone's branch: its
// commits are the unpushed ones on top of what the remote had, which the
// round then merges with the remote's newer commits.
func replayBundle(ctx context.Context, repo *gitrepo.Repo, bundle, branchRef string) error {
	if err := repo.Fetch(ctx, bundle, "+"+branchRef+":"+rescuedRef); err != nil {
		return fmt.Errorf("replay the unpushed commits from %s: %w", bundle, err)
	}
	tip, err := repo.ReadRef(ctx, rescuedRef)
	if err != nil {
		return err
	}
	cur, err := repo.ReadRef(ctx, branchRef)
	if err != nil {
		return err
	}
	if err := repo.Checkout(ctx, cur, tip); err != nil {
		return fmt.Errorf("replay the unpushed commits from %s: %w", bundle, err)
	}
	if err := repo.UpdateRef(ctx, branchRef, tip, cur, "hearth: replay unpushed commits from "+filepath.Base(bundle)); err != nil {
		return err
	}
	return repo.DeleteRef(ctx, rescuedRef, tip, "hearth: replayed")
}

// dropPushedBundles removes the rescue bundles whose commits the remote
// now has: a bundle is kept until its replay is pushed.
func dropPushedBundles(ctx context.Context, o *Options, repo *gitrepo.Repo, trackRef string) {
	entries, err := os.ReadDir(o.RescueDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, "unpushed-") || !strings.HasSuffix(name, ".bundle") {
			continue
		}
		stem := strings.TrimSuffix(name, ".bundle")
		short := stem[strings.LastIndex(stem, "-")+1:]
		if len(short) != 12 || strings.Trim(short, "0123456789abcdef") != "" {
			continue
		}
		tip, err := repo.RevParse(ctx, short+"^{commit}")
		if err != nil || tip == "" {
			continue
		}
		if pushed, err := repo.IsAncestor(ctx, tip, trackRef); err == nil && pushed {
			if os.Remove(filepath.Join(o.RescueDir, name)) == nil {
				o.Logger.Info("removed a rescue bundle: the remote has its commits now", "bundle", filepath.Join(o.RescueDir, name))
			}
		}
	}
}
