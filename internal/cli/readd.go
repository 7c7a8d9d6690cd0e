package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newReAddCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "re-add [TARGET...]",
		Short: "Take home edits of managed files into the dotfiles source now",
		Long: `Take home edits of managed plain files into the source now, the capture a
sync round starts with (like chezmoi re-add). Templates, encrypted files,
symlinks, credential stores and edits overlapping a source change are held,
never taken; they are listed with the reason. An encrypted file edited in
home is encrypted into its source again, unless the source changed too (then
see hearth merge). With TARGETs, only those.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			opts := a.dotfilesOptions(cfg)
			if opts.Only, err = a.targetArgs(cfg, args); err != nil {
				return err
			}
			var rep *dotfiles.CaptureReport
			var reencrypted []string
			err = a.withSyncLock(cmd.Context(), cfg, func() error {
				var err error
				rep, err = dotfiles.Capture(cmd.Context(), opts)
				if err != nil || rep == nil {
					return err
				}
				// chezmoi's re-add encrypts home edits of encrypted files
				// again; capture holds them, so that happens here.
				rep.Held, reencrypted, err = reencryptHeld(cmd.Context(), opts, rep.Held)
				return err
			})
			if rep == nil {
				return err
			}
			if a.json {
				if perr := a.printJSON(rep); perr != nil {
					return perr
				}
				return err
			}
			for _, c := range rep.Captured {
				fmt.Fprintf(a.stdout(), "captured %s into %s\n", safeName(c.Target), safeName(pick(c.NewSource, c.Source)))
			}
			for _, t := range reencrypted {
				fmt.Fprintf(a.stdout(), "encrypted %s into the source again\n", safeName(t))
			}
			for _, c := range rep.Held {
				fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
			}
			return err
		},
	}
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// reencryptHeld encrypts home's version of each encrypted target held for
// a home edit into its source, when the source still renders what hearth
// last wrote there (else the source's change would be lost: it stays held).
func reencryptHeld(ctx context.Context, opts dotfiles.Options, held []*dotfiles.Change) ([]*dotfiles.Change, []string, error) {
	var still []*dotfiles.Change
	var done []string
	var errs []error
	for _, c := range held {
		if c.Reason != dotfiles.ReasonEncrypted {
			still = append(still, c)
			continue
		}
		in, err := dotfiles.MergeInputs(ctx, opts, c.Target)
		if err != nil {
			errs = append(errs, err)
			still = append(still, c)
			continue
		}
		if in.Base == nil || !bytes.Equal(in.Base, in.Theirs) {
			c.Reason = "encrypted file changed in both home and source; see hearth merge"
			still = append(still, c)
			continue
		}
		files, err := dotfiles.SourceFiles(ctx, opts, []string{c.Target})
		if err == nil {
			err = dotfiles.EncryptSource(opts, files[0], in.Ours)
		}
		if err == nil {
			err = dotfiles.RecordFile(opts, c.Target, files[0].Source, in.Ours, in.Perm)
		}
		if err != nil {
			errs = append(errs, err)
			still = append(still, c)
			continue
		}
		done = append(done, c.Target)
	}
	return still, done, errors.Join(errs...)
}
