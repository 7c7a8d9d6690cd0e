package deploy

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// build builds commit from the mirror, streaming the log to the logger.
func build(ctx context.Context, o *Options, m *gitrepo.Repo, commit string) (string, error) {
	progress{o.Progress}.say("building %s (%s)", short(commit), o.Attr)
	if err := pointBuildRefs(ctx, m, o, commit); err != nil {
		return "", err
	}
	log := newLineLogger(o.Logger, "nix build", "commit", commit)
	// The out-link is a GC root: a garbage collection between the build and
	// the activation (or after a dry run) cannot take the result away.
	out, err := o.Nix.Build(ctx, nixsys.BuildSpec{Repo: m.GitDir, Rev: commit, Attr: o.Attr, Timeout: o.BuildTimeout, Log: log,
		OutLink: filepath.Join(o.StateDir, ResultLink)})
	log.Flush()
	if err != nil {
		return "", fmt.Errorf("commit %s: %w: %w", commit, ErrBuild, err)
	}
	return out, nil
}

// pointBuildRefs points the mirror's HEAD branch and refs/heads/master at the
// commit about to be built. nix fetches a ref from a bare repository before
// it looks for the rev (nix 2.8 always asks for master, later versions for
// HEAD's branch) and fails when that ref is missing or lacks the commit.
func pointBuildRefs(ctx context.Context, m *gitrepo.Repo, o *Options, commit string) error {
	for _, ref := range []string{"refs/heads/" + o.Branch, "refs/heads/master"} {
		old := refOrEmpty(ctx, m, ref)
		if old == commit {
			continue
		}
		if err := m.UpdateRef(ctx, ref, commit, old, "commit to build"); err != nil {
			return err
		}
	}
	return nil
}
