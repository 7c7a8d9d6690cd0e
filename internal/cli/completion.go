package cli

import (
	"github.com/spf13/cobra"
)

func newCompletionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script for bash, zsh or fish",
		Long: `Print the completion script for the shell, generated from hearth's command
tree. For example:
  hearth completion bash > ~/.local/share/bash-completion/completions/hearth
  hearth completion zsh > "${fpath[1]}/_hearth"
  hearth completion fish > ~/.config/fish/completions/hearth.fish`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, w := cmd.Root(), a.stdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(w, true)
			case "zsh":
				return root.GenZshCompletion(w)
			case "fish":
				return root.GenFishCompletion(w, true)
			}
			return usageError("completion: unknown shell %q; want bash, zsh or fish", args[0])
		},
	}
}
