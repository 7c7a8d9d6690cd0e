package cli

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"
)

func newCdCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "cd",
		Short: "Start a shell in the dotfiles source dir",
		Long: `Start $SHELL (else /bin/sh) in dotfiles.source_dir, like chezmoi cd; exit
the shell to come back. Edits made there are committed by the next sync.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwnerInteractive(cmd.Context(), cfg); done {
				return err
			}
			shell := strings.Fields(a.inv.Env.Getenv("SHELL"))
			if len(shell) == 0 {
				shell = []string{"/bin/sh"}
			}
			c := exec.CommandContext(cmd.Context(), shell[0], shell[1:]...)
			c.Dir = cfg.Dotfiles.SourceDir
			c.Stdin, c.Stdout, c.Stderr = a.inv.Stdin, a.inv.Stdout, a.inv.Stderr
			if err := c.Run(); err != nil {
				return fmt.Errorf("shell %s in %s: %w", shell[0], cfg.Dotfiles.SourceDir, err)
			}
			return nil
		},
	}
}
