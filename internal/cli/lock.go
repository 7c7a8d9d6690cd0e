package cli

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/termsafe"
	"github.com/spf13/cobra"
)

func newLockCmd(a *app) *cobra.Command {
	var wait time.Duration
	cmd := &cobra.Command{
		Use:   "lock JOB -- COMMAND [ARG...]",
		Short: "Run a command while holding a job's lock (e.g. edit dotfiles with no sync running)",
		Long: `Run COMMAND while holding the exclusive lock of JOB (sync, upgrade, golden,
secrets), so that no timer-started run of that job interferes. Exits with the
command's status; exits 1 if the lock is not free within --wait.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(state.LockJobs, args[0]) {
				return fmt.Errorf("unknown job %s: hearth lock takes one of %s", termsafe.Quote(args[0]), strings.Join(state.LockJobs, ", "))
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			l, err := state.AcquireLock(cmd.Context(), cfg.StateDir, args[0], wait, a.commandLine())
			if err != nil {
				return err
			}
			defer l.Unlock()
			c := exec.CommandContext(cmd.Context(), args[1], args[2:]...)
			c.Stdin, c.Stdout, c.Stderr = a.inv.Stdin, a.inv.Stdout, a.inv.Stderr
			if err := c.Run(); err != nil {
				var ee *exec.ExitError
				if errors.As(err, &ee) {
					return &exitError{code: ee.ExitCode(), err: errSilent}
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&wait, "wait", 10*time.Second, "how long to wait for the lock")
	return cmd
}
