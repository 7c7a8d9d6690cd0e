package cli

import (
	"context"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/privdrop"
)

// asHomeOwnerInteractive is asHomeOwner for commands that hand the
// terminal to a program (an editor, a shell, a merge tool): those run
// only as the home's owner themselves. Root never re-executes them as the
// owner: a program running as another user on root's terminal could push
// input back into it.
func (a *app) asHomeOwnerInteractive(ctx context.Context, cfg *config.Config) (bool, error) {
	id, err := a.homeOwner(cfg)
	if err != nil {
		return true, err
	}
	if id != nil {
		return true, fmt.Errorf("dotfiles.target_dir %s belongs to %s; run this command as them (it runs a program on this terminal)",
			cfg.Dotfiles.TargetDir, privdrop.Describe(id.UID))
	}
	return a.asHomeOwner(ctx, cfg)
}
