package syncer

import (
	"context"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// rescue keeps the commits the remote lacks, from a clone that could not
// be repaired, as a bundle in o.RescueDir before the clone is made again,
// and says where it is and how to bring them back. ok is false when they
// could not be kept: the old clone then stays where it is, the only copy.
func rescue(ctx context.Context, o *Options, repo *gitrepo.Repo) (bundle, note string, ok bool) {
	if o.RescueDir == "" {
		return "", "", false
	}
	branchRef := "refs/heads/" + o.Branch
	bundle, err := repo.RescueUnpushed(ctx, branchRef, "refs/remotes/"+remoteName+"/"+o.Branch, o.RescueDir)
	switch {
	case err != nil:
		o.Logger.Error("the unpushed commits could not be saved in a bundle; the work tree holds the only copy", "repo", o.Dir, "err", err)
		return "", "; the unpushed commits could not be saved in a bundle (" + err.Error() + "): keep the old work tree", false
	case bundle == "":
		return "", "; nothing was waiting to be pushed", true
	}
	return bundle, fmt.Sprintf("; the unpushed commits are saved in %s: after cloning again, `git fetch %s %s` and merge them", bundle, bundle, branchRef), true
}
