package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newReAddCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "re-add [TARGET...]",
		Short: "Take home edits of managed files into the dotfiles source now",
		Long: `Take home edits of managed plain files into the source now, the capture a
sync round starts with (like chezmoi re-add). Templates, encrypted files,
symlinks, credential stores and edits overlapping a source change are held,
never taken; they are listed with the reason. With TARGETs, only those.`,
		RunE: func(cmd *cobra.Command, args []string) error {
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
			var rep *dotfiles.CaptureReport
			err = a.withSyncLock(cmd.Context(), cfg, func() error {
				var err error
				rep, err = dotfiles.Capture(cmd.Context(), opts)
				return err
			})
			if rep == nil {
				return err
			}
			if a.json {
				if perr := a.printJSON(rep); perr != nil {
					return perr
				}
				return err
			}
			for _, c := range rep.Captured {
				fmt.Fprintf(a.stdout(), "captured %s into %s\n", safeName(c.Target), safeName(pick(c.NewSource, c.Source)))
			}
			for _, c := range rep.Held {
				fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
			}
			return err
		},
	}
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
