package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// Check results, as chezmoi doctor names them.
const (
	checkOK      = "ok"
	checkWarning = "warning"
	checkError   = "error"
)

// checkResult is one line of hearth doctor.
type checkResult struct {
	Check   string `json:"check"`
	Result  string `json:"result"`
	Message string `json:"message"`
}

func newDoctorCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check what hearth needs on this host, one line per check",
		Long: `Check what hearth needs on this host, one line per check with ok, warning
or error: git (2.38 or newer), nix, the config, the age keys, each remote
(git ls-remote), the systemd units, the dotfiles source clone, and the
hearth-sops helper. Nothing is changed. The exit status is 1 when a check
has an error, 0 otherwise (warnings included).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			results := runChecks(cmd.Context(), a)
			if a.json {
				if err := a.printJSON(results); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
				for _, r := range results {
					fmt.Fprintf(w, "%s\t%s\t%s\n", r.Result, r.Check, safeLine(r.Message))
				}
				if err := w.Flush(); err != nil {
					return err
				}
			}
			for _, r := range results {
				if r.Result == checkError {
					return &exitError{code: ExitFailed, err: errSilent}
				}
			}
			return nil
		},
	}
}
