package dotsync

import (
	"context"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// gitExternal clones and fast-forwards git-repo externals with hearth's
// hardened git: no hooks, filters or repository-configured programs.
func gitExternal(opts gitrepo.Options) dotfiles.GitExternal {
	return func(ctx context.Context, dir, url string, pull bool) error {
		if !pull {
			_, err := gitrepo.Clone(ctx, url, dir, gitrepo.CloneOptions{}, opts)
			return err
		}
		r, err := gitrepo.Open(ctx, dir, opts)
		if err != nil {
			return err
		}
		branch, err := r.HeadBranch(ctx)
		if err != nil {
			return err
		}
		if branch == "" {
			return fmt.Errorf("%s: HEAD is detached; not pulled", dir)
		}
		name := branch[len("refs/heads/"):]
		tracking := "refs/remotes/origin/" + name
		if err := r.Fetch(ctx, "origin", "+"+branch+":"+tracking); err != nil {
			return err
		}
		head, err := r.RevParse(ctx, "HEAD")
		if err != nil {
			return err
		}
		theirs, err := r.RevParse(ctx, tracking)
		if err != nil || head == theirs {
			return err
		}
		if ok, err := r.IsAncestor(ctx, head, theirs); err != nil || !ok {
			return fmt.Errorf("%s: local commits not on the remote; not pulled (%v)", dir, err)
		}
		if err := r.Checkout(ctx, head, theirs); err != nil {
			return err
		}
		return r.UpdateRef(ctx, branch, theirs, head, "hearth: pull git-repo external")
	}
}
