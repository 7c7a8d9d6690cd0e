package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
)

// executeRequest is what execute-template was asked.
type executeRequest struct {
	Templates []string
	Files     bool
	Init      bool
	Prompts   dotfiles.InitPrompts
}

func newExecuteTemplateCmd(a *app) *cobra.Command {
	var req executeRequest
	cmd := &cobra.Command{
		Use:   "execute-template [TEMPLATE...]",
		Short: "Render templates (arguments, or standard input) with the source's data and functions, like chezmoi execute-template",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			req.Templates = args
			return runExecuteTemplate(cmd.Context(), cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()}, a.inv, req)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&req.Files, "file", "f", false, "treat the arguments as template files")
	f.BoolVarP(&req.Init, "init", "i", false, "also define the init functions (promptString, ...), answered by the flags below")
	f.BoolVar(&req.Prompts.Defaults, "promptDefaults", false, "answer prompts that have a default with it")
	f.StringToStringVarP(&req.Prompts.Strings, "promptString", "p", nil, "answers to promptString: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Bools, "promptBool", nil, "answers to promptBool: PROMPT=VALUE,...")
	f.StringToIntVar(&req.Prompts.Ints, "promptInt", nil, "answers to promptInt: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Choices, "promptChoice", nil, "answers to promptChoice: PROMPT=VALUE,...")
	f.StringToStringVar(&req.Prompts.Multichoices, "promptMultichoice", nil, "answers to promptMultichoice: PROMPT=A/B,...")
	return cmd
}

// runExecuteTemplate renders each template (or standard input) and writes
// the results one after the other.
func runExecuteTemplate(ctx context.Context, cfg *config.Config, env dotsync.Env, inv Invocation, req executeRequest) error {
	opts := dotsync.DotfilesOptions(cfg, env)
	if opts.ConfigProblem != "" {
		return fmt.Errorf("%s", opts.ConfigProblem)
	}
	opts.Vars.Command = "execute-template"
	t, err := dotfiles.OpenTemplates(ctx, opts, true)
	if err != nil {
		return err
	}
	if req.Init {
		p := req.Prompts
		p.Stdout = inv.Stdout
		t.Funcs(p.FuncMap())
	}
	type source struct{ name, text string }
	var sources []source
	switch {
	case len(req.Templates) == 0:
		b, err := io.ReadAll(io.LimitReader(inv.Stdin, cfg.Dotfiles.MaxFileSize+1))
		if err != nil {
			return fmt.Errorf("read standard input: %w", err)
		}
		if int64(len(b)) > cfg.Dotfiles.MaxFileSize {
			return fmt.Errorf("standard input is over dotfiles.max_file_size (%d bytes)", cfg.Dotfiles.MaxFileSize)
		}
		sources = append(sources, source{"stdin", string(b)})
	case req.Files:
		for _, f := range req.Templates {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			sources = append(sources, source{f, string(b)})
		}
	default:
		for i, s := range req.Templates {
			sources = append(sources, source{fmt.Sprintf("arg%d", i+1), s})
		}
	}
	for _, s := range sources {
		out, err := t.Render(s.name, []byte(s.text))
		if err != nil {
			return err
		}
		if _, err := inv.Stdout.Write(out); err != nil {
			return err
		}
	}
	return nil
}
