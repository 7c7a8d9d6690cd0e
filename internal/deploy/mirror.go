package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// MirrorDir is the bare mirror of the nix-config remote inside the state dir.
const MirrorDir = "system.git"

// Refs kept in the mirror.
const (
	remoteRefPrefix = "refs/hearth/remote/" // + branch: the fetched tip
	deployedRef     = "refs/hearth/deployed"
)

// staleLockAge is how old a git lock file in the mirror must be before a
// round (holding the job lock) treats it as left by a killed git.
const staleLockAge = 10 * time.Second

// openMirror opens the bare mirror, creating it on first use. A mirror that
// cannot be opened is only a cache: it is moved aside and made again.
func openMirror(ctx context.Context, o *Options) (*gitrepo.Repo, error) {
	dir := filepath.Join(o.StateDir, MirrorDir)
	if _, err := os.Stat(dir); err == nil {
		m, err := gitrepo.Open(ctx, dir, o.Git)
		if err == nil {
			if _, err := m.RemoveStaleLocks(ctx, staleLockAge); err != nil {
				return nil, err
			}
			return m, nil
		}
		o.Logger.Warn("system mirror is unusable; recreating it", "dir", dir, "err", err)
		aside := fmt.Sprintf("%s.broken-%d", dir, time.Now().Unix())
		if err := os.Rename(dir, aside); err != nil {
			return nil, fmt.Errorf("move broken mirror %s aside: %w", dir, err)
		}
	}
	m, err := gitrepo.Init(ctx, dir, true, o.Branch, o.Git)
	if err != nil {
		return nil, fmt.Errorf("create system mirror %s: %w", dir, err)
	}
	return m, nil
}

// fetchTip fetches the configured branch into the mirror and returns its tip.
func fetchTip(ctx context.Context, m *gitrepo.Repo, o *Options) (string, error) {
	if err := fetch(ctx, m, o); err != nil {
		return "", err
	}
	return resolveTip(ctx, m, o)
}

func fetch(ctx context.Context, m *gitrepo.Repo, o *Options) error {
	return m.Fetch(ctx, o.Remote, "+refs/heads/"+o.Branch+":"+remoteRefPrefix+o.Branch)
}

// fetchedID reads the fetched tip straight from its loose ref file, "" when
// it is not a plain loose ref. It saves the no-op round a git process (a
// third of its cost); any other use goes through resolveTip, which peels.
func fetchedID(m *gitrepo.Repo, o *Options) string {
	b, err := os.ReadFile(filepath.Join(m.GitDir, filepath.FromSlash(remoteRefPrefix+o.Branch)))
	if err != nil {
		return ""
	}
	id := strings.TrimSpace(string(b))
	if len(id) != 40 && len(id) != 64 || strings.Trim(id, "0123456789abcdef") != "" {
		return ""
	}
	return id
}

func resolveTip(ctx context.Context, m *gitrepo.Repo, o *Options) (string, error) {
	ref := remoteRefPrefix + o.Branch
	tip, err := m.RevParse(ctx, ref+"^{commit}")
	if err != nil {
		return "", fmt.Errorf("branch %s of %s: %w", o.Branch, o.Remote, err)
	}
	return tip, nil
}

// Refusal reasons, matchable with errors.Is.
var (
	ErrRewrite      = errors.New("history rewrite refused")
	ErrBadSignature = gitrepo.ErrBadSignature
)

// verify checks that tip may be deployed: it descends from base (unless
// rewrites are accepted) and, with allowed signers, carries a good signature.
func verify(ctx context.Context, m *gitrepo.Repo, o *Options, base, tip string) (*gitrepo.Signer, error) {
	if base != "" && !o.AcceptRewrite {
		ok, err := m.IsAncestor(ctx, base, tip)
		if err != nil {
			// A base that is no longer in the mirror cannot be vouched for either.
			return nil, fmt.Errorf("commit %s: cannot check that it descends from the deployed commit %s (run hearth upgrade --accept-rewrite to deploy it anyway): %w", tip, base, err)
		}
		if !ok {
			return nil, fmt.Errorf("commit %s on %s does not descend from the deployed commit %s: %w (the branch was force-pushed; run hearth upgrade --accept-rewrite to deploy it anyway)",
				tip, o.Branch, base, ErrRewrite)
		}
	}
	if o.AllowedSigners == "" {
		return nil, nil
	}
	s, err := m.VerifyCommit(ctx, tip, o.AllowedSigners)
	if err != nil {
		return nil, fmt.Errorf("commit %s refused: %w", tip, err)
	}
	return s, nil
}
