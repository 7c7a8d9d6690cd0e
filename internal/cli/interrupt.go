package cli

import "github.com/spf13/cobra"

// interruptedMessage is what a command stopped by a signal says instead of
// the error of whatever step the signal cut short (a git command's "context
// canceled" means nothing to a person). A sync round is written so that a
// stop at any point leaves a state the next round finishes; it says so.
func interruptedMessage(cmd *cobra.Command) string {
	if cmd != nil && cmd.Name() == "sync" {
		return "hearth: interrupted; what this round already wrote is safe, and the next sync finishes it"
	}
	return "hearth: interrupted"
}
