package syncer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// MovingRef records a checkout in flight. advance points it at the commit
// it moves the work tree to before writing any file, and moves the branch
// and deletes it in one transaction after; so a round that finds it knows
// that the last one died in between, with the work tree partly or wholly at MovingRef
// while the branch still names the old commit. Committing that work tree
// as a local edit would later undo, without a sidecar, whatever another
// host changed in those paths since.
const MovingRef = "refs/hearth/moving"

// advance moves the work tree from `from` to `to` and then the branch. git
// refuses, changing nothing, when a path it must write was edited meanwhile.
func advance(ctx context.Context, repo *gitrepo.Repo, branchRef, from, to string) ([]gitrepo.Unholdable, error) {
	if from != "" {
		if err := repo.ResetIndex(ctx, from); err != nil {
			return nil, err
		}
	}
	if err := repo.UpdateRefs(ctx, []gitrepo.RefUpdate{{Ref: MovingRef, New: to, AnyOld: true}}, "moving the work tree"); err != nil {
		return nil, err
	}
	bad, err := repo.CheckoutHolding(ctx, from, to)
	if err != nil {
		// Nothing was written; the edit that stopped it is committed and
		// merged by the next round, so this is not an interrupted move.
		if derr := repo.DeleteRef(ctx, MovingRef, to, "checkout refused"); derr != nil {
			return bad, errors.Join(err, derr)
		}
		return bad, err
	}
	// The branch moves and the record of the move goes in one transaction:
	// a record left behind would make a later round "finish" a move that
	// is long done, over newer local commits.
	return bad, repo.UpdateRefs(ctx, []gitrepo.RefUpdate{
		{Ref: branchRef, New: to, Old: from},
		{Ref: MovingRef, Old: to, Delete: true},
	}, "sync")
}

// finishInterruptedMove completes a checkout that a killed round left
// half done: every path that differs between the branch and MovingRef is
// set to MovingRef's version, then the branch follows. A path holding
// neither version (edited since, or a write the kill cut short) is first
// kept as a sidecar, so nothing is lost.
func finishInterruptedMove(ctx context.Context, o *Options, repo *gitrepo.Repo, branchRef string) error {
	to, err := repo.ReadRef(ctx, MovingRef)
	if err != nil || to == "" {
		return err
	}
	from, err := repo.ReadRef(ctx, branchRef)
	if err != nil {
		return err
	}
	if from != "" {
		// The branch already holds the move: only the record is left.
		if done, err := repo.IsAncestor(ctx, to, from); err != nil {
			return err
		} else if done {
			return repo.DeleteRef(ctx, MovingRef, to, "move already done")
		}
	}
	o.Logger.Warn("finishing a checkout an interrupted round left half done", "from", from, "to", to)
	changes, err := repo.DiffTree(ctx, from, to)
	if err != nil {
		return fmt.Errorf("finish the interrupted checkout of %.12s: %w", to, err)
	}
	// Paths no work tree holds stay out, as CheckoutHolding left them.
	bad, err := repo.UnholdablePaths(ctx, to)
	if err != nil {
		return err
	}
	var skip []string
	for _, u := range bad {
		skip = append(skip, u.Path)
	}
	var write, remove []string
	for _, c := range changes {
		if gitrepo.Beneath(c.Path, skip) {
			continue
		}
		// The work tree may be partly at the new commit, whose links
		// (a directory turned into a link out of the tree) must never be
		// followed: what lies beneath one is absent.
		data, _, ok, err := readBeneath(repo.WorkTree, c.Path)
		if err != nil {
			return fmt.Errorf("finish the interrupted checkout of %.12s: %w", to, err)
		}
		if ok {
			id, err := repo.HashObject(ctx, data)
			if err != nil {
				return err
			}
			if id != c.OldID && id != c.NewID {
				sc, err := RecordDisplaced(*o, c.Path, data)
				if err != nil {
					return fmt.Errorf("keep %s before finishing the interrupted checkout: %w", c.Path, err)
				}
				o.Logger.Warn("a path of the interrupted checkout held neither version; kept as a sidecar", "path", c.Path, "sidecar", sc.Sidecar)
			}
		}
		if strings.Trim(c.NewID, "0") == "" {
			remove = append(remove, c.Path)
		} else {
			write = append(write, c.Path)
		}
	}
	// Removals go first, so a path the new commit turns from a
	// directory into a file or link is free for the checkout; git itself
	// never writes through a link.
	for _, p := range remove {
		if err := removeBeneath(repo.WorkTree, p); err != nil {
			return fmt.Errorf("finish the interrupted checkout of %.12s: %w", to, err)
		}
	}
	if err := repo.ResetIndex(ctx, to); err != nil {
		return err
	}
	if err := repo.SkipWorktree(ctx, skip); err != nil {
		return err
	}
	if err := repo.CheckoutPaths(ctx, write); err != nil {
		return err
	}
	return repo.UpdateRefs(ctx, []gitrepo.RefUpdate{
		{Ref: branchRef, New: to, Old: from},
		{Ref: MovingRef, Old: to, Delete: true},
	}, "finish an interrupted checkout")
}
