package fleet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// staleLockAge is the least age of a lock file OpenCache removes.
const staleLockAge = 10 * time.Second

// OpenCache opens, creating it when missing, the repository at dir that
// holds this user's copy of the fleet's records. It is separate from any
// configuration clone: records share no history with it, and a reader must
// not need write access to root's clone. It has a work tree that stays
// empty: gitrepo opens such a repository without running git, which is a
// good part of what `hearth fleet` costs over a plain fetch.
func OpenCache(ctx context.Context, dir string, opts gitrepo.Options) (*gitrepo.Repo, error) {
	_, err := os.Lstat(filepath.Join(dir, ".git", "HEAD"))
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return nil, fmt.Errorf("fleet cache %s: %w", dir, err)
		}
		return gitrepo.Init(ctx, dir, false, "main", opts)
	}
	if err != nil {
		return nil, fmt.Errorf("fleet cache %s: %w", dir, err)
	}
	repo, err := gitrepo.Open(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	// A killed publish or fetch leaves ref locks that would fail every
	// later one. The cache is shared by jobs under different hearth locks,
	// so only locks no process holds and older than a few seconds go
	// (RemoveStaleLocks checks both).
	if _, err := repo.RemoveStaleLocks(ctx, staleLockAge); err != nil {
		return nil, fmt.Errorf("fleet cache %s: %w", dir, err)
	}
	return repo, nil
}
