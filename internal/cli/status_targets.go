package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

// targetStatus prints chezmoi's two-column status of the dotfile targets:
// the first column compares what hearth last wrote with home (has home
// been changed since?), the second home with what the source renders
// (what would apply change?). A: added, D: deleted, M: modified.
func targetStatus(a *app, cmd *cobra.Command, args []string) error {
	cfg, err := a.config()
	if err != nil {
		return err
	}
	if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
		return err
	}
	opts := a.dotfilesOptions(cfg)
	if opts.Only, err = a.targetArgs(cfg, args); err != nil {
		return err
	}
	// A report never runs the programs templates name.
	if opts.TemplateCommands == dotfiles.CommandsRun {
		opts.TemplateCommands = dotfiles.CommandsSkip
	}
	list, err := dotfiles.TargetStatuses(cmd.Context(), opts)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(list)
	}
	for _, s := range list {
		if s.Problem != "" {
			a.logger().Warn("dotfile target held", "target", s.Target, "problem", s.Problem)
			if s.Written == " " && s.Apply == " " {
				continue
			}
		}
		fmt.Fprintf(a.stdout(), "%s%s %s\n", s.Written, s.Apply, safeName(s.Target))
	}
	return nil
}
