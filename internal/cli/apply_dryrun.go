package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

// applyDryRun prints what apply would do, as apply prints what it did,
// from a plan that changes nothing.
func applyDryRun(a *app, cmd *cobra.Command, opts dotfiles.Options) error {
	rep, err := dotfiles.Diff(cmd.Context(), opts)
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"apply": rep.Apply, "held": rep.Held, "unsupported": rep.Unsupported})
	}
	for _, c := range rep.Apply {
		fmt.Fprintf(a.stdout(), "would %s %s\n", c.Action, safeName(c.Target))
	}
	for _, c := range rep.Held {
		fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
	}
	for _, u := range rep.Unsupported {
		fmt.Fprintf(a.stdout(), "unsupported %s: %s\n", safeName(u.Source), safeLine(u.Reason))
	}
	return nil
}
