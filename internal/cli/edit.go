package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

func newEditCmd(a *app) *cobra.Command {
	var apply bool
	cmd := &cobra.Command{
		Use:   "edit [TARGET...]",
		Short: "Open the source files of targets in $VISUAL or $EDITOR",
		Long: `Open the source files of the targets (the source dir when none is named)
in $VISUAL, else $EDITOR, else vi, like chezmoi edit. An encrypted source is
decrypted into a private temporary file and encrypted again after the editor
exits. With --apply, the targets are applied afterwards (held home edits stay
held). The next sync commits the edits.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwnerInteractive(cmd.Context(), cfg); done {
				return err
			}
			targets, err := a.targetArgs(cfg, args)
			if err != nil {
				return err
			}
			opts := a.dotfilesOptions(cfg)
			if len(targets) == 0 {
				if err := a.runEditor(cmd.Context(), []string{cfg.Dotfiles.SourceDir}); err != nil {
					return err
				}
			} else if err := editTargets(a, cmd.Context(), opts, targets); err != nil {
				return err
			}
			if apply {
				return applyTargets(a, cmd.Context(), cfg, opts, targets)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&apply, "apply", "a", false, "apply the targets after editing")
	return cmd
}

// editTargets opens the targets' source files in one editor run,
// encrypted ones through decrypted temporary copies.
func editTargets(a *app, ctx context.Context, opts dotfiles.Options, targets []string) error {
	files, err := dotfiles.SourceFiles(ctx, opts, targets)
	if err != nil {
		return err
	}
	type plain struct {
		f    dotfiles.SourceFile
		path string
		orig []byte
	}
	var plains []plain
	var paths []string
	tmpDir := ""
	for i, f := range files {
		if !f.Encrypted {
			paths = append(paths, f.Abs)
			continue
		}
		// The plaintext stays in a dir only this user can enter, removed
		// after the editor exits.
		if tmpDir == "" {
			if tmpDir, err = os.MkdirTemp("", "hearth-edit-"); err != nil {
				return err
			}
			defer os.RemoveAll(tmpDir)
		}
		b, err := dotfiles.DecryptSource(opts, f)
		if err != nil {
			return err
		}
		p := filepath.Join(tmpDir, fmt.Sprintf("%d-%s", i, filepath.Base(f.Target)))
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
		plains = append(plains, plain{f: f, path: p, orig: b})
		paths = append(paths, p)
	}
	if err := a.runEditor(ctx, paths); err != nil {
		return err
	}
	var errs []error
	for _, p := range plains {
		b, err := os.ReadFile(p.path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if bytes.Equal(b, p.orig) {
			continue
		}
		if err := dotfiles.EncryptSource(opts, p.f, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runEditor runs the person's editor on paths, on this terminal.
func (a *app) runEditor(ctx context.Context, paths []string) error {
	editor := a.inv.Env.Getenv("VISUAL")
	if strings.TrimSpace(editor) == "" {
		editor = a.inv.Env.Getenv("EDITOR")
	}
	if strings.TrimSpace(editor) == "" {
		editor = "vi"
	}
	argv := strings.Fields(editor)
	c := exec.CommandContext(ctx, argv[0], append(argv[1:], paths...)...)
	c.Stdin, c.Stdout, c.Stderr = a.inv.Stdin, a.inv.Stdout, a.inv.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("editor %s: %w", argv[0], err)
	}
	return nil
}

// applyTargets applies the targets (everything when none) as hearth apply does.
func applyTargets(a *app, ctx context.Context, cfg *config.Config, opts dotfiles.Options, targets []string) error {
	opts.Only = targets
	var rep *dotfiles.ApplyReport
	err := a.runJob(ctx, cfg, "sync", "apply", func(rec *state.Record) error {
		var err error
		rep, err = dotfiles.Apply(ctx, opts)
		return err
	})
	if rep == nil {
		return err
	}
	for _, c := range rep.Changes {
		fmt.Fprintf(a.stdout(), "%s %s\n", c.Action, safeName(c.Target))
	}
	for _, c := range rep.Held {
		fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
	}
	return err
}
