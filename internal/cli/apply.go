package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

func newApplyCmd(a *app) *cobra.Command {
	var force, dryRun bool
	cmd := &cobra.Command{
		Use:   "apply",
		Short: "Make home match the dotfiles source (no network)",
		Long: `Write what differs between the dotfiles source state and home. A target
edited in home since hearth last wrote it is held, never overwritten, unless
--force is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			opts := dotsync.DotfilesOptions(cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()})
			opts.Force = force
			if dryRun {
				return applyDryRun(a, cmd, opts)
			}
			var rep *dotfiles.ApplyReport
			// apply shares the sync lock: both write home and the state file.
			err = a.runJob(cmd.Context(), cfg, "sync", "apply", func(rec *state.Record) error {
				var err error
				rep, err = dotfiles.Apply(cmd.Context(), opts)
				if rep != nil {
					rec.Details["changed"] = rep.Writes
					rec.Details["held"] = len(rep.Held)
					rec.Details["trashed"] = len(rep.Trashed)
					rec.Details["scripts_failed"] = dotsync.ScriptsFailed(rep.Scripts)
				}
				return err
			})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(rep)
			}
			for _, c := range rep.Changes {
				fmt.Fprintf(a.stdout(), "%s %s\n", c.Action, safeName(c.Target))
			}
			for _, e := range rep.Trashed {
				fmt.Fprintf(a.stdout(), "trashed %s (not written by hearth; hearth trash restore %s)\n", printable(e.Original()), e.ID)
			}
			printScripts(a.stdout(), "", rep.Scripts)
			for _, m := range rep.Warnings {
				fmt.Fprintf(a.stdout(), "warning: %s\n", safeLine(m))
			}
			for _, c := range rep.Held {
				fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
			}
			for _, u := range rep.Unsupported {
				fmt.Fprintf(a.stdout(), "unsupported %s: %s\n", safeName(u.Source), safeLine(u.Reason))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite home edits and restore deleted targets")
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "show what apply would do, change nothing (as chezmoi apply -n)")
	return cmd
}
