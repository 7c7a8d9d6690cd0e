package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newCatCmd(a *app) *cobra.Command {
	var reveal bool
	cmd := &cobra.Command{
		Use:   "cat TARGET...",
		Short: "Print what hearth would write at each target",
		Long: `Print the contents hearth would write at each target (a symlink's
destination for symlinks), rendered for this host, like chezmoi cat. Nothing
is written. A sensitive target (encrypted, private_, or rendered from an
absolute include or a command) is refused unless --reveal is given: its
contents may be a secret.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, targets, done, err := a.ownerTargets(cmd.Context(), args)
			if done {
				return err
			}
			opts := a.dotfilesOptions(cfg)
			for _, target := range targets {
				t, err := dotfiles.RenderTarget(cmd.Context(), opts, target)
				if err != nil {
					return err
				}
				if t.Sensitive && !reveal {
					return fmt.Errorf("%s: sensitive (encrypted, private or fed by a command); add --reveal to print it", target)
				}
				switch {
				case t.Kind == dotfiles.KindDir:
					return fmt.Errorf("%s: is a directory", target)
				case t.Absent:
					// Rendered empty: apply writes nothing, as with chezmoi.
				case t.Kind == dotfiles.KindSymlink:
					fmt.Fprintln(a.stdout(), t.Link)
				default:
					if _, err := a.stdout().Write(t.Contents); err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "print sensitive targets too")
	return cmd
}
