package syncer

import (
	"context"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// rescue keeps the commits the remote lacks, from a clone that could not
// be repaired, as a bundle in o.RescueDir before a person starts over, and
// says where it is and how to bring them back.
func rescue(ctx context.Context, o *Options, repo *gitrepo.Repo) string {
	if o.RescueDir == "" {
		return ""
	}
	branchRef := "refs/heads/" + o.Branch
	bundle, err := repo.RescueUnpushed(ctx, branchRef, "refs/remotes/"+remoteName+"/"+o.Branch, o.RescueDir)
	switch {
	case err != nil:
		o.Logger.Error("the unpushed commits could not be saved in a bundle; the work tree holds the only copy", "repo", o.Dir, "err", err)
		return "; the unpushed commits could not be saved in a bundle (" + err.Error() + "): keep the old work tree"
	case bundle == "":
		return "; nothing was waiting to be pushed"
	}
	return fmt.Sprintf("; the unpushed commits are saved in %s: after cloning again, `git fetch %s %s` and merge them", bundle, bundle, branchRef)
}
