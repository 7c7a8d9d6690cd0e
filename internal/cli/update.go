package cli

import "github.com/spf13/cobra"

// newUpdateCmd is chezmoi's update (pull the source, then apply): in
// hearth that is one sync round, so it is sync under the name a chezmoi
// user types.
func newUpdateCmd(a *app) *cobra.Command {
	cmd := newSyncCmd(a)
	cmd.Use = "update"
	cmd.Short = "Run one dotfile sync round (the same as hearth sync; chezmoi's update)"
	return cmd
}
