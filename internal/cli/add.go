package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newAddCmd(a *app) *cobra.Command {
	var ao dotfiles.AddOptions
	cmd := &cobra.Command{
		Use:   "add TARGET...",
		Short: "Take files from home into the dotfiles source",
		Long: `Take files, directories and symlinks from home into the dotfiles source,
named with the attributes their modes ask for (like chezmoi add). What home
holds is recorded as written by hearth; the next sync commits and pushes the
new source entries.

Refused, each reported while the rest are added: paths outside
dotfiles.target_dir, credential stores and files holding a private key or a
token (as capture refuses them; with --encrypt they are taken, since the
remote sees only ciphertext), anything inside the source dir, the state
dir, hearth's config or a .git directory, and a path through a symlink in
home. --follow adds what a named symlink points to, only within home.
--encrypt encrypts to the recipients of dotfiles.age_identities.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, targets, done, err := a.ownerTargets(cmd.Context(), args)
			if done {
				return err
			}
			var added []dotfiles.Added
			err = a.withSyncLock(cmd.Context(), cfg, func() error {
				var err error
				added, err = dotfiles.Add(cmd.Context(), a.dotfilesOptions(cfg), ao, targets)
				return err
			})
			if a.json {
				if perr := a.printJSON(map[string]any{"added": added}); perr != nil {
					return perr
				}
			} else {
				verb := "added"
				if ao.DryRun {
					verb = "would add"
				}
				for _, x := range added {
					fmt.Fprintf(a.stdout(), "%s %s as %s\n", verb, safeName(x.Target), safeName(x.Source))
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&ao.Template, "template", "T", false, "add as templates (.tmpl)")
	f.BoolVar(&ao.Encrypt, "encrypt", false, "encrypt with age to the recipients of dotfiles.age_identities")
	f.BoolVar(&ao.Exact, "exact", false, "add directories as exact_ (apply removes what the source does not name)")
	f.BoolVar(&ao.Follow, "follow", false, "add what a named symlink points to (within home), not the link")
	f.BoolVarP(&ao.Recursive, "recursive", "r", true, "add what directories hold")
	f.BoolVarP(&ao.Force, "force", "f", false, "replace a source template")
	f.BoolVarP(&ao.DryRun, "dry-run", "n", false, "show what would be added, change nothing")
	return cmd
}
