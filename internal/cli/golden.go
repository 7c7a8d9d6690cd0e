package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

func newGoldenCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "golden",
		Short: "The golden (last known-good) generation: show, pin, roll back",
	}
	cmd.AddCommand(newGoldenShowCmd(a), newGoldenPinCmd(a), newGoldenRollbackCmd(a))
	return cmd
}

func newGoldenShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "Show the golden generation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			info, err := golden.Show(a.goldenOptions(cfg))
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(info)
			}
			if info.StorePath == "" {
				fmt.Fprintln(a.stdout(), "no golden generation pinned yet (hearth boot check pins one after a healthy boot)")
				return nil
			}
			fmt.Fprintf(a.stdout(), "golden: %s (generation %d, profile %s)\n", info.StorePath, info.Generation, info.Profile)
			if !info.Exists {
				fmt.Fprintln(a.stdout(), "WARNING: the golden store path no longer exists; pin a new golden")
			}
			return nil
		},
	}
}

func newGoldenPinCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "pin",
		Short: "Pin the running generation as golden (after its required checks pass)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var res golden.PinResult
			err = a.runJob(cmd.Context(), cfg, "golden", "golden", func(rec *state.Record) error {
				var err error
				res, err = golden.Pin(cmd.Context(), a.goldenOptions(cfg), force)
				rec.Result = "pinned"
				rec.Details["golden"] = res.StorePath
				return err
			})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			fmt.Fprintf(a.stdout(), "pinned %s (generation %d) as golden\n", res.StorePath, res.Generation)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "pin without running the required checks")
	return cmd
}

func newGoldenRollbackCmd(a *app) *cobra.Command {
	var yes, now, reboot bool
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Make golden the boot default again (and with --now, switch to it)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			opts := a.goldenOptions(cfg)
			info, err := golden.Show(opts)
			if err != nil {
				return err
			}
			if !yes {
				if !isTerminal(a.inv.Stdin) {
					return usageError("golden rollback changes the system profile; pass --yes to confirm when not on a terminal")
				}
				fmt.Fprintf(a.inv.Stderr, "roll the system profile back to golden %s? [y/N] ", orNone(info.StorePath))
				answer, _ := bufio.NewReader(a.inv.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return fmt.Errorf("rollback cancelled")
				}
			}
			ro := golden.RollbackOptions{Action: nixsys.ActionBoot, Reboot: reboot}
			if now {
				ro.Action = nixsys.ActionSwitch
			}
			var res golden.RollbackResult
			err = a.runJob(cmd.Context(), cfg, "golden", "golden", func(rec *state.Record) error {
				var err error
				res, err = golden.Rollback(cmd.Context(), opts, ro)
				rec.Result = "rolled-back"
				rec.Details["from"], rec.Details["golden"] = res.From, res.To
				return err
			})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			fmt.Fprintf(a.stdout(), "system profile now points at golden %s (was %s); activation: %s\n", res.To, res.From, res.Action)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&now, "now", false, "also switch to golden now (switch-to-configuration switch)")
	cmd.Flags().BoolVar(&reboot, "reboot", false, "reboot into golden afterwards")
	return cmd
}

// isTerminal reports whether r is a character device (a person at a terminal).
func isTerminal(r any) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
