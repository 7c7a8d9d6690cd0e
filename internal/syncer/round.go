package syncer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// AppliedRef records the commit last applied to the outside world.
const AppliedRef = "refs/hearth/applied"

const remoteName = "origin"

// Round runs one sync round (DESIGN section 3). Offline and lost push races
// are results, not errors, and so are failed capture and apply hooks
// (Report.Problems); an error means the round could not do its job and
// the next round starts over from whatever state this one left, which is
// always a state it can finish.
func Round(ctx context.Context, o Options) (*Report, error) {
	o.setDefaults()
	rep, err := round(ctx, o)
	if !errors.Is(err, gitrepo.ErrCorrupt) {
		return rep, err
	}
	// A power cut can leave git's files broken; repair and go again once.
	o.Logger.Warn("the clone is damaged; repairing it from the remote", "repo", o.Dir, "err", err)
	repo, oerr := gitrepo.Open(ctx, o.Dir, o.Git)
	if oerr != nil {
		return nil, err
	}
	fix, rerr := repo.Repair(ctx, o.Remote)
	o.Logger.Warn("repaired the clone", "repo", o.Dir, "moved_aside", fix.Quarantined, "refs_restored", fix.RefsRestored,
		"index_rebuilt", fix.IndexRebuilt, "refetched", fix.Fetched, "rebuilt_from_work_tree", fix.Rehashed,
		"packs_moved_aside", fix.PacksAside, "recovered_from_packs", fix.Salvaged, "err", rerr)
	if rerr != nil {
		// What capture wrote into the work tree this round is not committed
		// yet (the corruption stopped the round), and capture's records
		// already claim it: a new clone without it would have apply
		// overwrite the home edit with the remote's version. Commit it so
		// the bundle carries it; when that is impossible the old clone
		// stays, the only copy.
		if _, _, cerr := commitWorkTree(ctx, &o, repo, "refs/heads/"+o.Branch, func() (bool, error) { return true, nil }); cerr != nil {
			return nil, fmt.Errorf("%w (repair failed: %w; the work tree's edits could not be committed, so the clone is kept: %w)", err, rerr, cerr)
		}
		bundle, note, ok := rescue(ctx, &o, repo)
		if !ok {
			return nil, fmt.Errorf("%w (repair failed: %w)%s", err, rerr, note)
		}
		if cerr := reclone(ctx, &o, bundle); cerr != nil {
			return nil, fmt.Errorf("%w (repair failed: %w; cloning again failed: %w)%s", err, rerr, cerr, note)
		}
	}
	return round(ctx, o)
}

func round(ctx context.Context, o Options) (*Report, error) {
	rep := &Report{}
	repo, cloned, err := openOrClone(ctx, &o)
	if err != nil {
		return nil, err
	}
	rep.Cloned = cloned
	if removed, err := repo.RemoveStaleLocks(ctx, 0); err != nil {
		o.Logger.Warn("could not check for stale git locks", "repo", o.Dir, "err", err)
	} else if len(removed) > 0 {
		o.Logger.Warn("removed git locks left by a killed process", "locks", removed)
	}
	sweepWriteTemps(&o)
	if err := ensureRemote(ctx, repo, o.Remote); err != nil {
		return nil, err
	}
	if err := ensureExcluded(repo); err != nil {
		return nil, fmt.Errorf("exclude temporary files in %s: %w", repo.GitDir, err)
	}
	trackRef := "refs/remotes/" + remoteName + "/" + o.Branch
	branchRef := "refs/heads/" + o.Branch
	if err := finishInterruptedMove(ctx, &o, repo, branchRef); err != nil {
		return nil, err
	}
	// Fetching and pushing name the URL itself, so what the round talks to
	// never depends on a remote a user may have re-pointed in the clone.
	fetch := func() error { return repo.Fetch(ctx, o.Remote, "+"+branchRef+":"+trackRef) }

	// The first fetch, and the status of the work tree, run while the local
	// edits are captured: the fetch only writes objects and the tracking
	// ref, and a status taken during a capture that wrote nothing is the
	// work tree's. Both are always waited for before the round returns.
	// A remote on a local path whose branch is where our tracking ref
	// already is has nothing to fetch.
	if tip, ok := gitrepo.PeekLocalRef(o.Remote, branchRef); ok && tip != "" {
		if cur, err := repo.ReadRef(ctx, trackRef); err == nil && cur == tip {
			rep.FetchSkipped = true
		}
	}
	firstFetch := background(func() (struct{}, error) {
		if rep.FetchSkipped {
			return struct{}{}, nil
		}
		return struct{}{}, fetch()
	})
	defer firstFetch.wait()
	status := background(func() (bool, error) { return repo.Changed(ctx) })
	defer status.wait()

	// 1. Capture and commit. A capture that fails (one bad entry, or a bad
	// source a remote pushed) must not stop the merge: the fix may be on
	// the remote. What it took is committed; the rest stays in home.
	captured := false
	if o.Hooks.Capture != nil {
		if captured, err = o.Hooks.Capture(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			o.Logger.Warn("capture failed; syncing the rest of the round anyway", "err", err)
			rep.Problems = append(rep.Problems, Problem{Step: StepCapture, Error: err.Error()})
			captured = true // it may have written part of its work
		}
	}
	changed := func() (bool, error) {
		dirty, err := status.wait() // also: no status holds the index lock any more
		return captured || dirty, err
	}
	head, local, err := commitWorkTree(ctx, &o, repo, branchRef, changed)
	if err != nil {
		return nil, err
	}
	rep.Committed = local != head

	// 2–4. Fetch, merge, push; again when another host wins the race.
	target := local
	pushed := "" // the commit the remote's branch now has, when we pushed
	for attempt := 0; ; attempt++ {
		rep.Attempts = attempt + 1
		var err error
		if attempt == 0 {
			_, err = firstFetch.wait()
		} else {
			err = fetch()
		}
		if errors.Is(err, gitrepo.ErrOffline) {
			o.Logger.Warn("remote unreachable; local commits kept for the next round", "remote", o.Remote)
			rep.Result = ResultOffline
			// What waits is counted against the remote as last fetched.
			if rep.Remote, err = repo.ReadRef(ctx, trackRef); err != nil {
				return nil, err
			}
			break
		}
		if err != nil && !missingRemoteBranch(err) {
			return nil, fmt.Errorf("fetch: %w", err)
		}
		remote := ""
		if err == nil {
			if remote, err = repo.ReadRef(ctx, trackRef); err != nil {
				return nil, err
			}
		} else if err := dropTrackingRef(ctx, repo, trackRef); err != nil {
			// The branch is gone from the remote (deleted, or the remote
			// re-created empty): our history goes first again, and the push
			// lease says "must not exist" instead of a stale tip.
			return nil, err
		}
		rep.Remote = remote
		if rep.Committed && head == remote {
			target = local // our commit sits right on the remote's tip
		} else if target, err = combine(ctx, &o, repo, local, remote, rep); err != nil {
			return nil, err
		}
		if target == remote || target == "" {
			rep.Result = ResultOK
			break
		}
		if o.beforePush != nil {
			o.beforePush()
		}
		err = repo.Push(ctx, o.Remote, target, branchRef, remote)
		if err == nil {
			pushed = target
			rep.Pushed = true
			rep.Remote = target
			rep.Result = ResultOK
			break
		}
		if errors.Is(err, gitrepo.ErrOffline) {
			rep.Result = ResultOffline
			break
		}
		if !errors.Is(err, gitrepo.ErrRejected) {
			return nil, fmt.Errorf("push: %w", err)
		}
		if attempt >= o.Retries {
			o.Logger.Warn("lost the push race too often; the next round retries", "attempts", attempt+1)
			rep.Result = ResultPending
			break
		}
		o.Logger.Info("another host pushed first; merging again", "attempt", attempt+1)
		o.Sleep(ctx, o.Backoff(attempt))
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	// 5. Move the work tree and the branch to the result, then apply.
	moved := false
	if target != "" && target != local {
		bad, err := advance(ctx, repo, branchRef, local, target)
		rep.Unholdable = bad
		if err != nil {
			// Edited during the round: leave it, the next round commits the
			// edit and merges it with target, which the remote already has.
			o.Logger.Warn("work tree changed during the round; left for the next round", "err", err)
			rep.Deferred = err.Error()
			target = local
		} else {
			moved = true
		}
	}
	if !moved && target != "" && rep.Deferred == "" {
		// Nothing checked out this round: what an earlier one left out
		// is still out, and still held.
		if rep.Unholdable, err = repo.UnholdablePaths(ctx, target); err != nil {
			return nil, err
		}
	}
	rep.Local = target
	if rep.Remote != "" && target != "" && target != rep.Remote {
		rep.Pending, err = countAhead(ctx, repo, target, rep.Remote)
		if err != nil {
			return nil, err
		}
	}
	applied := true
	if o.Hooks.Apply != nil && rep.Deferred == "" {
		if err := o.Hooks.Apply(ctx, moved); err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			// The repository side is done and pushed; what could not be
			// applied is held, and the next round tries again on whatever
			// the remote has by then.
			o.Logger.Warn("apply failed; home keeps what it has", "err", err)
			rep.Problems = append(rep.Problems, Problem{Step: StepApply, Error: err.Error()})
			applied = false
		}
	}
	// Automatic gc is off for every git call; pack here, under the lock.
	// Maintain decides in-process whether gc is due, so every round asks:
	// a host that only receives also gathers loose objects.
	if err := repo.Maintain(ctx); err != nil {
		o.Logger.Warn("git maintenance failed", "repo", o.Dir, "err", err)
	}
	if target != "" {
		old, err := repo.ReadRef(ctx, AppliedRef)
		if err != nil {
			return rep, err
		}
		var updates []gitrepo.RefUpdate
		if old != target && applied {
			updates = append(updates, gitrepo.RefUpdate{Ref: AppliedRef, New: target, Old: old})
		}
		if pushed != "" {
			// The remote now has what we pushed, as a fetch would record; then
			// the next round over a local path sees nothing new and skips
			// the fetch. No compare: a person's own fetch in the clone may
			// have moved it meanwhile, and both say the same.
			updates = append(updates, gitrepo.RefUpdate{Ref: trackRef, New: pushed, AnyOld: true})
		}
		if len(updates) > 0 {
			if err := repo.UpdateRefs(ctx, updates, "applied"); err != nil {
				return rep, err
			}
		}
	}
	if o.RescueDir != "" {
		dropPushedBundles(ctx, &o, repo, trackRef)
	}
	return rep, nil
}

// combine returns the commit both sides should end at: fast-forward, nothing
// to do, or a merge commit.
func combine(ctx context.Context, o *Options, repo *gitrepo.Repo, local, remote string, rep *Report) (string, error) {
	switch {
	case remote == "":
		return local, nil // a new, empty remote: our history goes first
	case local == "" || local == remote:
		return remote, nil
	}
	if ok, err := repo.IsAncestor(ctx, remote, local); err != nil {
		return "", err
	} else if ok {
		return local, nil
	}
	if ok, err := repo.IsAncestor(ctx, local, remote); err != nil {
		return "", err
	} else if ok {
		return remote, nil
	}
	m, conflicts, err := merge(ctx, o, repo, local, remote)
	if err != nil {
		return "", err
	}
	rep.Merged = true
	rep.Conflicts = conflicts
	return m, nil
}

// commitWorkTree commits everything in the work tree that differs from the
// branch. It returns the branch tip before and after ("" for an unborn
// branch); they differ when it committed. The commit is made from the real
// index, which keeps stat data, so unchanged files are not read; a round
// killed after staging leaves an index the next round stages again.
// changed says whether the work tree may differ from the branch.
func commitWorkTree(ctx context.Context, o *Options, repo *gitrepo.Repo, branchRef string, changed func() (bool, error)) (head, tip string, err error) {
	head, err = repo.ReadRef(ctx, branchRef)
	if err != nil {
		return "", "", err
	}
	if err := checkHEAD(ctx, repo, branchRef); err != nil {
		return "", "", err
	}
	if head != "" {
		dirty, err := changed()
		if err != nil {
			return "", "", err
		}
		if !dirty {
			return head, head, nil
		}
	} else if _, err := changed(); err != nil {
		return "", "", err
	}
	tree, err := repo.StageAll(ctx)
	if err != nil {
		return "", "", err
	}
	var parents []string
	if head != "" {
		// "May differ" can be wrong (a capture that rewrote a file unchanged).
		if headTree, err := repo.RevParse(ctx, head+"^{tree}"); err != nil {
			return "", "", err
		} else if headTree == tree {
			return head, head, nil
		}
		parents = []string{head}
	} else if empty, err := repo.EmptyTree(ctx); err != nil {
		return "", "", err
	} else if tree == empty {
		return "", "", nil
	}
	now := o.Now()
	msg := o.message
	if msg == "" {
		msg = "hearth: edits on " + o.Host
	}
	id, err := repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: parents,
		Message:  msg,
		Author:   signature(o, now),
		Trailers: append(trailers(o, now), capturedEditTimes(o, now)...),
	})
	if err != nil {
		return "", "", err
	}
	if err := repo.UpdateRef(ctx, branchRef, id, head, "commit local edits"); err != nil {
		return "", "", err
	}
	return head, id, nil
}

// checkHEAD makes sure HEAD is the branch the round commits to: status
// compares the work tree with HEAD, and the round with the branch.
func checkHEAD(ctx context.Context, repo *gitrepo.Repo, branchRef string) error {
	head, err := repo.HeadBranch(ctx)
	if err != nil {
		return err
	}
	if head == branchRef {
		return nil
	}
	if head == "" {
		head = "a detached commit"
	}
	b := strings.TrimPrefix(branchRef, "refs/heads/")
	return fmt.Errorf("the clone %s has %s checked out, not %s; hearth syncs %s only: run git switch %s there",
		repo.Dir(), head, b, b, b)
}

func openOrClone(ctx context.Context, o *Options) (*gitrepo.Repo, bool, error) {
	if _, err := os.Stat(filepath.Join(o.Dir, ".git")); err == nil {
		repo, err := gitrepo.Open(ctx, o.Dir, o.Git)
		return repo, false, err
	}
	entries, err := os.ReadDir(o.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("source dir %s: %w", o.Dir, err)
	}
	if len(entries) > 0 {
		return nil, false, fmt.Errorf("source dir %s exists, is not empty and is not a git clone; move it away or make it a clone of %s", o.Dir, o.Remote)
	}
	if err := os.MkdirAll(filepath.Dir(o.Dir), 0o755); err != nil {
		return nil, false, fmt.Errorf("source dir %s: %w", o.Dir, err)
	}
	// The clone is made beside the source dir and renamed into place when
	// complete: a clone killed halfway through its checkout would otherwise
	// leave a branch whose missing files the next round commits as
	// deletions, for every host.
	tmp := filepath.Join(filepath.Dir(o.Dir), "."+filepath.Base(o.Dir)+".hearth-clone")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, false, fmt.Errorf("remove the unfinished clone %s: %w", tmp, err)
	}
	_, err = gitrepo.Clone(ctx, o.Remote, tmp, gitrepo.CloneOptions{Branch: o.Branch}, o.Git)
	var ge *gitrepo.Error
	if errors.As(err, &ge) && strings.Contains(ge.Stderr, "not found in upstream") {
		// An empty remote (or one without our branch): start the history here;
		// the first push creates the branch.
		o.Logger.Info("remote has no branch yet; starting a new history", "remote", o.Remote, "branch", o.Branch)
		_ = os.RemoveAll(tmp)
		_, err = gitrepo.Init(ctx, tmp, false, o.Branch, o.Git)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, false, fmt.Errorf("first clone of %s: %w", o.Remote, err)
	}
	// os.Rename will not replace a directory, even an empty one.
	if err := os.Remove(o.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("first clone of %s: %w", o.Remote, err)
	}
	if err := os.Rename(tmp, o.Dir); err != nil {
		return nil, false, fmt.Errorf("first clone of %s: move it to %s: %w", o.Remote, o.Dir, err)
	}
	repo, err := gitrepo.Open(ctx, o.Dir, o.Git)
	if err != nil {
		return nil, false, fmt.Errorf("first clone of %s: %w", o.Remote, err)
	}
	return repo, true, nil
}

func countAhead(ctx context.Context, repo *gitrepo.Repo, local, remote string) (int, error) {
	return repo.CountCommits(ctx, remote, local)
}

func missingRemoteBranch(err error) bool {
	var e *gitrepo.Error
	return errors.As(err, &e) && strings.Contains(strings.ToLower(e.Stderr), "find remote ref")
}

// dropTrackingRef deletes the tracking ref of a remote branch that no
// longer exists.
func dropTrackingRef(ctx context.Context, repo *gitrepo.Repo, trackRef string) error {
	cur, err := repo.ReadRef(ctx, trackRef)
	if err != nil || cur == "" {
		return err
	}
	if err := repo.DeleteRef(ctx, trackRef, cur, "remote branch gone"); err != nil && !errors.Is(err, gitrepo.ErrRefChanged) {
		return err
	}
	return nil
}
