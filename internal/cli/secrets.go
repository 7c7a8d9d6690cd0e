package cli

import (
	"fmt"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/secrets"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/termsafe"
	"github.com/spf13/cobra"
)

func newSecretsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "SOPS/age secrets under /run/secrets: install, check",
	}
	cmd.AddCommand(newSecretsInstallCmd(a), newSecretsCheckCmd(a))
	return cmd
}

func secretsOptions(a *app, cfg *config.Config) secrets.Options {
	o := secrets.Options{
		Root:           cfg.Secrets.Root,
		Keep:           cfg.Secrets.Keep,
		AgeKeyFile:     cfg.Secrets.AgeKeyFile,
		SSHHostKeyFile: cfg.Secrets.SSHHostKeyFile,
		Logger:         a.logger(),
		Decrypter:      a.inv.Decrypter,
	}
	for _, s := range cfg.Secrets.Secrets {
		o.Secrets = append(o.Secrets, secrets.Spec{
			Name: s.Name, SopsFile: s.SopsFile, Key: s.Key, Format: s.Format,
			Owner: s.Owner, Group: s.Group, Mode: s.Mode.FileMode, RestartUnits: s.RestartUnits,
		})
	}
	return o
}

func newSecretsInstallCmd(a *app) *cobra.Command {
	var allowEmpty bool
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Decrypt every configured secret into a new generation and switch the root to it",
		Long: `Decrypt the configured secrets (each sops file once) into a new generation
directory with every file's owner, group and mode set, then switch the root
symlink atomically and prune old generations (the kept older ones are made
readable by the installing user only). On any error nothing is installed and
the previous generation stays. Values are never printed.

With no secret configured nothing is installed or removed (exit 0): pass
--allow-empty to remove every installed secret. A root that hearth did not
make (a directory, or another tool's generations, e.g. sops-nix's) is
refused.
The sops files are read by the hearth-sops helper program, installed next
to hearth (or on PATH).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var rep secrets.Report
			err = a.runJob(cmd.Context(), cfg, "secrets", "secrets", func(rec *state.Record) error {
				var err error
				o := secretsOptions(a, cfg)
				o.AllowEmpty = allowEmpty
				rep, err = secrets.Install(cmd.Context(), o)
				if rep.NothingConfigured {
					rec.Result = state.ResultNoop
				}
				rec.Details["generation"] = rep.Generation
				rec.Details["changed"] = len(rep.Added) + len(rep.Changed) + len(rep.Removed)
				rec.Details["restarted"] = rep.Restarted
				return err
			})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(rep)
			}
			w := a.stdout()
			if rep.NothingConfigured {
				fmt.Fprintln(w, "secrets: no secrets configured; nothing installed or removed")
				if rep.Generation != "" {
					fmt.Fprintf(w, "  generation %s stays live with %d secret(s); pass --allow-empty to remove them\n",
						termsafe.Quote(rep.Generation), len(rep.Unchanged))
				}
				return nil
			}
			fmt.Fprintf(w, "secrets: generation %s", termsafe.Quote(rep.Generation))
			if !rep.Switched {
				fmt.Fprint(w, " (unchanged)")
			}
			fmt.Fprintln(w)
			for _, l := range []struct {
				what  string
				names []string
			}{{"added", rep.Added}, {"changed", rep.Changed}, {"removed", rep.Removed}, {"restarted", rep.Restarted}} {
				if len(l.names) > 0 {
					fmt.Fprintf(w, "  %s: %s\n", l.what, termsafe.Join(l.names, ", "))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&allowEmpty, "allow-empty", false, "with no secret configured, remove every installed secret")
	return cmd
}

func newSecretsCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Check the config against the encrypted files without decrypting (key paths exist)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if err := secrets.Check(cmd.Context(), secretsOptions(a, cfg)); err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"ok": true, "secrets": len(cfg.Secrets.Secrets)})
			}
			fmt.Fprintf(a.stdout(), "secrets: %d secret(s) found in their sops files\n", len(cfg.Secrets.Secrets))
			return nil
		},
	}
}
