package deploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// fastForwardCheckout moves the optional working checkout to commit when that
// is a fast-forward of its HEAD; local commits or edits in the way leave it
// alone (a person's work is never reset). It returns what happened.
func fastForwardCheckout(ctx context.Context, o *Options, m *gitrepo.Repo, commit string) (string, error) {
	co, err := gitrepo.Open(ctx, o.Checkout, o.Git)
	if err != nil {
		return "", fmt.Errorf("checkout %s: %w", o.Checkout, err)
	}
	if co.Bare() {
		return "", fmt.Errorf("checkout %s: is a bare repository", o.Checkout)
	}
	head, err := co.RevParse(ctx, "HEAD")
	if errors.Is(err, gitrepo.ErrNotFound) {
		head = ""
	} else if err != nil {
		return "", err
	}
	if head == commit {
		return "up to date", nil
	}
	if err := co.Fetch(ctx, m.GitDir, "+"+deployedRef+":refs/remotes/hearth/deployed"); err != nil {
		return "", fmt.Errorf("checkout %s: %w", o.Checkout, err)
	}
	if head != "" {
		ok, err := co.IsAncestor(ctx, head, commit)
		if err != nil {
			return "", err
		}
		if !ok {
			return "left alone: HEAD " + short(head) + " has commits that are not in " + short(commit), nil
		}
	}
	if err := co.Checkout(ctx, head, commit); err != nil {
		return "left alone: local changes are in the way (" + lastLine(err.Error()) + ")", nil
	}
	ref, err := co.SymbolicRef(ctx, "HEAD")
	if errors.Is(err, gitrepo.ErrNotFound) {
		ref = "HEAD" // detached: move HEAD itself
	} else if err != nil {
		return "", err
	}
	if err := co.UpdateRef(ctx, ref, commit, head, "hearth upgrade: fast-forward to the deployed commit"); err != nil {
		return "", err
	}
	return "fast-forwarded to " + short(commit), nil
}

func lastLine(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '\n' {
			return s[i+1:]
		}
	}
	return s
}
