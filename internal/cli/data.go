package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
)

func newDataCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Print the template data: .chezmoi variables, .hearth, .chezmoidata and config data, like chezmoi data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "json" && format != "yaml" {
				return usageError("--format %q: want json or yaml", format)
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			return runData(cmd.Context(), cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()}, format, a.stdout())
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "json", "output format: json or yaml")
	return cmd
}

// runData prints the data every template of the source sees.
func runData(ctx context.Context, cfg *config.Config, env dotsync.Env, format string, w io.Writer) error {
	opts := dotsync.DotfilesOptions(cfg, env)
	if opts.ConfigProblem != "" {
		return fmt.Errorf("%s", opts.ConfigProblem)
	}
	opts.Vars.Command = "data"
	t, err := dotfiles.OpenTemplates(ctx, opts, true)
	if err != nil {
		return err
	}
	return writeData(w, format, t.Data())
}

func writeData(w io.Writer, format string, v any) error {
	if format == "yaml" {
		enc := yaml.NewEncoder(w)
		enc.SetIndent(2)
		if err := enc.Encode(v); err != nil {
			return err
		}
		return enc.Close()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
