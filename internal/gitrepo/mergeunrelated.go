package gitrepo

import (
	"context"
	"fmt"
)

// MergeTreeUnrelated is MergeTree for two commits that share no history
// (a remote re-created from scratch): the merge is made against the empty
// tree, so a path on both sides is an add/add conflict the caller settles.
func (r *Repo) MergeTreeUnrelated(ctx context.Context, ours, theirs string) (*MergeResult, error) {
	if err := checkRevs(ours, theirs); err != nil {
		return nil, fmt.Errorf("merge-tree in %s: %w", r.Dir(), err)
	}
	args := []string{"merge-tree", "--write-tree", "-z", "--messages", "--allow-unrelated-histories", ours, theirs}
	out, code, err := r.runCode(ctx, call{args: args, okExit: []int{1}})
	if err != nil {
		return nil, err
	}
	res, perr := parseMergeTree(string(out))
	if perr != nil {
		return nil, &Error{Repo: r.Dir(), Args: args, ExitCode: code, Err: perr}
	}
	res.Clean = code == 0
	return res, nil
}
