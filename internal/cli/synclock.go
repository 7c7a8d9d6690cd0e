package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/state"
)

// withSyncLock runs fn holding the sync lock, without a status record:
// for commands that change the source or the records (add, forget, ...)
// and must not interleave with a round.
func (a *app) withSyncLock(ctx context.Context, cfg *config.Config, fn func() error) error {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("state dir %s: %w", cfg.StateDir, err)
	}
	l, err := state.AcquireLock(ctx, cfg.StateDir, "sync", lockWait, a.commandLine())
	if err != nil {
		return err
	}
	defer l.Unlock()
	return fn()
}
