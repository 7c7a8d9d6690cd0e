package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

func newBootCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "boot",
		Short: "Boot validation: check this boot, show the boot state",
	}
	cmd.AddCommand(newBootCheckCmd(a), newBootStatusCmd(a))
	return cmd
}

func newBootCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate this boot (once per boot, after multi-user.target): pin golden, retry, or roll back",
		Long: `Run the required health checks against the booted generation. Passing
pins it as golden; failing counts an attempt and reboots to retry, and at
boot.max_attempts points the system profile at golden and reboots into it.
A failing golden is never rolled back (no ping-pong): it is reported and the
host stays up. Exits 1 when the host needs attention.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var out golden.Outcome
			err = a.runJob(cmd.Context(), cfg, "golden", "golden", func(rec *state.Record) error {
				var err error
				out, err = golden.BootCheck(cmd.Context(), a.goldenOptions(cfg))
				rec.Result = out.Result
				rec.Details["verdict"] = out.Verdict
				rec.Details["booted"] = out.Booted
				rec.Details["golden"] = out.Golden
				rec.Details["attempts"] = out.Attempts
				rec.Details["failing"] = out.Failing
				if err == nil && out.NeedsAttention() {
					return errors.New(out.Message)
				}
				return err
			})
			if a.json {
				if perr := a.printJSON(out); perr != nil {
					return perr
				}
			} else if out.Result != "" {
				fmt.Fprintf(a.stdout(), "%s: %s\n", strings.ToUpper(out.Verdict), out.Message)
				for _, r := range out.Results {
					mark := "ok  "
					if !r.OK {
						mark = "FAIL"
					}
					fmt.Fprintf(a.stdout(), "  %s %s (%s) %s\n", mark, r.Name, requiredWord(r.Required), r.Detail)
				}
			}
			return err
		},
	}
}

func requiredWord(required bool) string {
	if required {
		return "required"
	}
	return "wanted"
}

func newBootStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show the boot state: golden, candidate, attempts, last verdict",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			rep, err := golden.Status(a.goldenOptions(cfg))
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(rep)
			}
			w := a.stdout()
			st := rep.State
			fmt.Fprintf(w, "booted:    %s\n", orNone(rep.Booted))
			fmt.Fprintf(w, "golden:    %s", orNone(rep.Golden.StorePath))
			if rep.Golden.StorePath != "" {
				fmt.Fprintf(w, " (generation %d)", rep.Golden.Generation)
				if !rep.Golden.Exists {
					fmt.Fprint(w, " MISSING from the store")
				}
			}
			fmt.Fprintln(w)
			if st.Candidate != "" {
				fmt.Fprintf(w, "candidate: %s, %d of %d failed boots\n", st.Candidate, st.Attempts, st.MaxAttempts)
			}
			if v := rep.Loader; v != nil {
				fmt.Fprintln(w, loaderLine(*v))
			}
			if st.Boot != nil {
				fmt.Fprint(w, golden.MOTD(st))
			}
			for _, p := range rep.Problems {
				fmt.Fprintf(w, "problem:   %s\n", p)
			}
			return nil
		},
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
