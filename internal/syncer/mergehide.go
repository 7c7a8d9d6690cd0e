package syncer

import (
	"context"
	"strings"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// hideNewSidecars returns the commit to merge for one side: side itself, or,
// when that side deleted a file outside ConflictDir and added sidecars, a
// scratch commit on base without those sidecars, plus the edits that put
// them back into the merged tree. git's merge-tree (2.39) always detects
// renames, whatever merge.renames says (merge-ort there does not read it):
// a deleted file and a similar new sidecar pair up as a rename, and the
// other side's edit of the file follows it into the sidecar, leaving
// nothing live. Sidecar names are unique, so putting them back after the
// merge loses nothing the merge would have kept.
func hideNewSidecars(ctx context.Context, o *Options, repo *gitrepo.Repo, base, side string) (string, []gitrepo.TreeEdit, error) {
	if base == "" {
		return side, nil, nil
	}
	changes, err := repo.DiffTree(ctx, base, side)
	if err != nil {
		// An unsafe name is the merge's to report; the rename guard is
		// only an improvement on a merge that can run without it.
		o.Logger.Debug("no rename guard for this merge", "side", short(side), "err", err)
		return side, nil, nil
	}
	var hide, restore []gitrepo.TreeEdit
	deleted := false
	for _, c := range changes {
		inside := strings.HasPrefix(c.Path, ConflictDir+"/")
		switch {
		case c.Status == 'D' && !inside:
			deleted = true
		case c.Status == 'A' && inside && c.Path != ManifestPath && buildable(c.NewMode):
			hide = append(hide, gitrepo.TreeEdit{Path: c.Path, Delete: true})
			restore = append(restore, gitrepo.TreeEdit{Path: c.Path, Mode: c.NewMode, ID: c.NewID})
		}
	}
	if !deleted || len(hide) == 0 {
		return side, nil, nil
	}
	tree, err := repo.BuildTree(ctx, side, hide)
	if err != nil {
		return "", nil, err
	}
	now := o.Now()
	scratch, err := repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: []string{base},
		Message: "hearth: scratch commit for a merge (" + short(side) + " without its new sidecars)",
		Author:  signature(o, now),
	})
	if err != nil {
		return "", nil, err
	}
	return scratch, restore, nil
}

// buildable reports whether BuildTree can put an entry of this mode back.
func buildable(mode string) bool {
	return mode == gitrepo.ModeFile || mode == gitrepo.ModeExec || mode == gitrepo.ModeSymlink
}
