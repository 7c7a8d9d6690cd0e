package health

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// UnitChecker reports whether a systemd unit is active. The default asks
// systemctl; tests on machines where systemd is not PID 1 use a recorder.
type UnitChecker interface {
	IsActive(ctx context.Context, unit string) (bool, error)
}

// Systemctl is the UnitChecker that runs `systemctl is-active --quiet -- UNIT`.
type Systemctl struct {
	Program string // "" means "systemctl" from PATH
}

// IsActive maps systemctl's exit status: 0 is active, any other status is
// "not active"; failing to run systemctl at all is an error.
func (s Systemctl) IsActive(ctx context.Context, unit string) (bool, error) {
	prog := s.Program
	if prog == "" {
		prog = "systemctl"
	}
	_, err := runGroup(ctx, []string{prog, "is-active", "--quiet", "--", unit})
	if err == nil {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, fmt.Errorf("systemctl is-active %s: %w", unit, ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return false, nil
	}
	return false, fmt.Errorf("systemctl is-active %s: %w", unit, err)
}

func checkUnit(ctx context.Context, units UnitChecker, unit string) (string, bool) {
	// A leading dash would be read as an option by systemctl-like tools.
	if strings.HasPrefix(unit, "-") {
		return fmt.Sprintf("invalid unit name %q", unit), false
	}
	active, err := units.IsActive(ctx, unit)
	switch {
	case err != nil:
		return err.Error(), false
	case !active:
		return unit + " is not active", false
	default:
		return unit + " is active", true
	}
}
