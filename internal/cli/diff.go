package cli

import (
	"fmt"
	"io"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/spf13/cobra"
)

func newDiffCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "diff",
		Short: "Show what apply would change in home and what capture would take from it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			rep, err := dotfiles.Diff(cmd.Context(), dotsync.DotfilesOptions(cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()}))
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(rep)
			}
			printDiff(a.stdout(), rep)
			return nil
		},
	}
}

func printDiff(w io.Writer, rep *dotfiles.DiffReport) {
	section := func(title string, changes []*dotfiles.Change) {
		if len(changes) == 0 {
			return
		}
		fmt.Fprintf(w, "# %s\n", title)
		for _, c := range changes {
			if c.Diff != "" {
				fmt.Fprint(w, safeText(c.Diff))
				continue
			}
			fmt.Fprintf(w, "%s %s", c.Action, safeName(c.Target))
			if c.Reason != "" {
				fmt.Fprintf(w, ": %s", safeLine(c.Reason))
			}
			fmt.Fprintln(w)
		}
	}
	section("apply would change home", rep.Apply)
	section("capture would take into the source", rep.Capture)
	if len(rep.Held) > 0 {
		fmt.Fprintln(w, "# held (never overwritten; each diff is what apply --force would write, after the source file to edit instead)")
		for _, c := range rep.Held {
			fmt.Fprintf(w, "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
			fmt.Fprint(w, safeText(c.Diff))
		}
	}
	for _, u := range rep.Unsupported {
		fmt.Fprintf(w, "unsupported %s: %s\n", safeName(u.Source), safeLine(u.Reason))
	}
}
