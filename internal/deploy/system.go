package deploy

import (
	"os"

	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// runningSystem is the store path the machine runs now, as far as this
// operation is concerned: the running system for switch, the boot default
// (the profile) for boot.
func runningSystem(o *Options, profileNow string) string {
	if o.Operation == nixsys.ActionBoot {
		return profileNow
	}
	sp, err := o.Nix.StorePath(o.CurrentSystem)
	if err != nil {
		return ""
	}
	return sp
}

// rebootNeeded compares with the booted system; a machine without one (not
// NixOS, or a test) has nothing to compare. With operation boot the whole
// new system waits for a reboot, reported as "system".
func rebootNeeded(o *Options, out string) []string {
	var changed []string
	if _, err := os.Stat(o.BootedSystem); err != nil {
		o.Logger.Debug("no booted system to compare with", "path", o.BootedSystem)
	} else if changed, err = nixsys.RebootNeeded(o.BootedSystem, out); err != nil {
		o.Logger.Warn("could not tell whether a reboot is needed", "err", err)
		changed = nil
	}
	if o.Operation == nixsys.ActionBoot {
		if running, err := o.Nix.StorePath(o.CurrentSystem); err == nil && running != out {
			changed = append(changed, "system")
		}
	}
	return changed
}
