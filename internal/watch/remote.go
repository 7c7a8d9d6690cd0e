package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// RemotePoller is the cheapest check of whether the remote's branch
// moved from where the clone's remote-tracking ref says it was: a
// bare repository on a local path has its ref file read directly; any
// other remote costs one ref advertisement (git ls-remote). It never
// takes the sync lock: it reads the clone's refs and writes nothing.
type RemotePoller struct {
	Remote    string
	Branch    string
	SourceDir string
	// TrackingRef is the clone's remote-tracking ref of Branch.
	TrackingRef string
	Git         gitrepo.Options

	repo *gitrepo.Repo
}

// Poll implements Poller.
func (p *RemotePoller) Poll(ctx context.Context) (bool, error) {
	if _, err := os.Stat(filepath.Join(p.SourceDir, ".git")); errors.Is(err, os.ErrNotExist) {
		return true, nil // no clone yet: the round makes it
	}
	if p.repo == nil {
		r, err := gitrepo.Open(ctx, p.SourceDir, p.Git)
		if err != nil {
			return false, err
		}
		p.repo = r
	}
	branch := "refs/heads/" + p.Branch
	// Rounds push by URL, which leaves the tracking ref behind: a tip
	// that is our own branch's is no news either.
	var known [2]string
	for i, ref := range []string{p.TrackingRef, branch} {
		id, err := p.repo.ReadRef(ctx, ref)
		if err != nil {
			p.repo = nil
			return false, err
		}
		known[i] = id
	}
	moved := func(tip string) bool { return tip != known[0] && tip != known[1] }
	if tip, ok := gitrepo.PeekLocalRef(p.Remote, branch); ok {
		return moved(tip), nil
	}
	// Not certain (a network remote, or a local one missing or unusual):
	// git's answer, with its offline classification.
	tip, err := p.repo.LsRemote(ctx, p.Remote, branch)
	if err != nil {
		return false, err
	}
	return moved(tip), nil
}
