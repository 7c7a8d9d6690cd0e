package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// manDate is the date the man pages carry: fixed, so that generating them
// twice gives the same files (docs/man is checked against the command tree).
var manDate = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

func newManCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "man DIR",
		Short: "Write a man page for every command into DIR",
		Long: `Write man pages (section 1, hearth.1, hearth-sync.1, ...) generated from
the command tree into DIR; docs/man holds them for this version.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := WriteManPages(args[0]); err != nil {
				return err
			}
			a.logger().Info("man pages written", "dir", args[0])
			return nil
		},
	}
}

// WriteManPages writes the man pages of hearth's command tree into dir.
func WriteManPages(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// No environment: the pages must not depend on who generates them.
	root := newRootCmd(&app{inv: Invocation{Env: config.Env{Getenv: func(string) string { return "" }}}})
	var noTag func(c *cobra.Command)
	noTag = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, s := range c.Commands() {
			noTag(s)
		}
	}
	noTag(root)
	header := &doc.GenManHeader{Title: "HEARTH", Section: "1", Source: "hearth", Manual: "hearth manual", Date: &manDate}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("man pages in %s: %w", dir, err)
	}
	return nil
}
