package secrets

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// restartTimeout bounds one unit restart when the context has no sooner
// deadline.
const restartTimeout = 2 * time.Minute

// Systemctl restarts units with `systemctl try-restart`: a unit that is
// running picks up its new secret, one that is stopped stays stopped.
type Systemctl struct{}

// Restart runs systemctl try-restart unit.
func (Systemctl) Restart(ctx context.Context, unit string) error {
	ctx, cancel := context.WithTimeout(ctx, restartTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemctl", "try-restart", "--", unit).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl try-restart %s: %w: %s", unit, err, strings.TrimSpace(string(out)))
	}
	return nil
}
