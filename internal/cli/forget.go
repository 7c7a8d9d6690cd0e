package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newForgetCmd(a *app) *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "forget TARGET...",
		Short: "Stop managing targets: remove their source entries, leave home alone",
		Long: `Remove the source entries of the targets (a directory with everything
below it) and hearth's records of them, like chezmoi forget. Home keeps the
files; the next sync commits the removal, and other hosts then see the
targets as no longer managed (their copies stay).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, targets, done, err := a.ownerTargets(cmd.Context(), args)
			if done {
				return err
			}
			var removed []string
			err = a.withSyncLock(cmd.Context(), cfg, func() error {
				var err error
				removed, err = dotfiles.Unmanage(cmd.Context(), a.dotfilesOptions(cfg), targets, dryRun)
				return err
			})
			if a.json {
				if perr := a.printJSON(map[string]any{"removed": removed}); perr != nil {
					return perr
				}
				return err
			}
			verb := "removed"
			if dryRun {
				verb = "would remove"
			}
			for _, s := range removed {
				fmt.Fprintf(a.stdout(), "%s source %s\n", verb, safeName(s))
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "show what would be removed, change nothing")
	return cmd
}
