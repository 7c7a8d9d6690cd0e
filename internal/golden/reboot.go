package golden

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// CommandRebooter reboots by running Command (e.g. systemctl reboot).
type CommandRebooter struct {
	Command []string
}

// Reboot implements Rebooter.
func (c CommandRebooter) Reboot(ctx context.Context, reason string) error {
	if len(c.Command) == 0 {
		return errors.New("reboot: no reboot command configured")
	}
	out, err := exec.CommandContext(ctx, c.Command[0], c.Command[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("reboot (%s): %s: %w: %s", reason, strings.Join(c.Command, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
