package nixsys

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
)

// Action is an argument of switch-to-configuration.
type Action string

// The actions of switch-to-configuration.
const (
	ActionSwitch      Action = "switch"       // activate now and make it the boot default
	ActionBoot        Action = "boot"         // make it the boot default only
	ActionTest        Action = "test"         // activate now, boot default unchanged
	ActionDryActivate Action = "dry-activate" // say what switch would do
)

// Valid reports whether a is an action switch-to-configuration accepts.
func (a Action) Valid() bool {
	switch a {
	case ActionSwitch, ActionBoot, ActionTest, ActionDryActivate:
		return true
	}
	return false
}

// SwitchToConfiguration runs <storePath>/bin/switch-to-configuration action,
// streaming its output to log (nil: discarded).
func (n *Nix) SwitchToConfiguration(ctx context.Context, storePath string, action Action, log io.Writer) error {
	if !action.Valid() {
		return fmt.Errorf("switch-to-configuration %s: unknown action %q", storePath, action)
	}
	if err := n.checkStorePath(storePath); err != nil {
		return fmt.Errorf("switch-to-configuration %s: %w", action, err)
	}
	prog := filepath.Join(storePath, "bin", "switch-to-configuration")
	n.log.Info("activating", "store_path", storePath, "action", string(action))
	if _, err := n.run(ctx, n.activate, log, prog, string(action)); err != nil {
		return fmt.Errorf("switch-to-configuration %s of %s: %w", action, storePath, err)
	}
	return nil
}
