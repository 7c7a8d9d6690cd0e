package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/demo"
	"github.com/spf13/cobra"
)

func newDemoCmd(a *app) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run a local fleet (a remote and three hosts) in a temp dir, end to end",
		Long: `Create a git remote and three hosts in a temp dir, make concurrent dotfile
edits (the same line on two hosts, one host offline for a round), sync them
all at the same moment, and print what happened and the final state. Needs
only git. --dir keeps the fleet for a look around afterwards.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := a.stdout()
			if a.json {
				out = discard{}
			}
			sum, err := demo.Run(cmd.Context(), demo.Options{Dir: dir, Out: out, Logger: a.logger()})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(sum)
			}
			if !sum.Converged {
				return fmt.Errorf("the demo fleet did not converge")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "create the fleet in this (empty or new) directory and keep it")
	return cmd
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
