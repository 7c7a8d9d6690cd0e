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

	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/spf13/cobra"
)

func newMergeCmd(a *app) *cobra.Command {
	var tool string
	cmd := &cobra.Command{
		Use:   "merge TARGET...",
		Short: "Merge home's version of a target with the source's, against what hearth last wrote",
		Long: `Three-way merge of a file target, typically one held because it was edited
in home: base = what hearth last wrote there, ours = home, theirs = what the
source renders. The result goes to home, where the next sync round captures
it (a template stays held: copy the merged text into the source template,
e.g. with hearth edit).

Without --tool the merge is 'git merge-file', non-interactive: a clean merge
is written to home; on conflicts home is left as it is, the merge with
conflict markers is printed (unless the target is sensitive) and the exit
status is 1. --tool CMD runs an interactive tool instead (chezmoi's default
is vimdiff) as 'CMD MERGED BASE THEIRS', MERGED starting as home's version;
when it exits 0, MERGED goes to home unless it still holds conflict markers.
Where hearth kept no copy of what it last wrote (encrypted and other
sensitive targets, targets it never wrote), the base is empty and every
difference is a conflict.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			owner := a.asHomeOwner
			if tool != "" {
				owner = a.asHomeOwnerInteractive
			}
			if done, err := owner(cmd.Context(), cfg); done {
				return err
			}
			targets, err := a.targetArgs(cfg, args)
			if err != nil {
				return err
			}
			opts := a.dotfilesOptions(cfg)
			return a.withSyncLock(cmd.Context(), cfg, func() error {
				var errs []error
				for _, t := range targets {
					if err := mergeTarget(a, cmd.Context(), opts, t, tool); err != nil {
						errs = append(errs, err)
					}
				}
				if len(errs) > 0 {
					return errors.Join(errs...)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&tool, "tool", "", "interactive merge tool, run as 'TOOL MERGED BASE THEIRS' (e.g. vimdiff)")
	return cmd
}

func mergeTarget(a *app, ctx context.Context, opts dotfiles.Options, target, tool string) error {
	in, err := dotfiles.MergeInputs(ctx, opts, target)
	if err != nil {
		return err
	}
	if bytes.Equal(in.Ours, in.Theirs) {
		fmt.Fprintf(a.stdout(), "%s: home already holds what the source renders; nothing to merge\n", safeName(in.Target))
		return nil
	}
	if in.Base == nil {
		a.logger().Warn("no copy of what hearth last wrote; merging against an empty base", "target", in.Target)
	}
	// The three versions may be private: they live in a dir only this
	// user can enter, removed afterwards.
	dir, err := os.MkdirTemp("", "hearth-merge-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := filepath.Base(in.Target)
	merged, base, theirs := filepath.Join(dir, name+".home"), filepath.Join(dir, name+".base"), filepath.Join(dir, name+".source")
	for p, b := range map[string][]byte{merged: in.Ours, base: in.Base, theirs: in.Theirs} {
		if err := os.WriteFile(p, b, 0o600); err != nil {
			return err
		}
	}
	var result []byte
	if tool == "" {
		out, conflicts, err := gitMergeFile(ctx, merged, base, theirs)
		if err != nil {
			return fmt.Errorf("%s: %w", in.Target, err)
		}
		if conflicts > 0 {
			if !in.Sensitive {
				fmt.Fprint(a.stdout(), safeText(string(out)))
			}
			return fmt.Errorf("%s: %d conflict(s); home left as it is (merge by hand, or with --tool vimdiff)", in.Target, conflicts)
		}
		result = out
	} else {
		argv := strings.Fields(tool)
		c := exec.CommandContext(ctx, argv[0], append(argv[1:], merged, base, theirs)...)
		c.Stdin, c.Stdout, c.Stderr = a.inv.Stdin, a.inv.Stdout, a.inv.Stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("%s: merge tool %s: %w; home left as it is", in.Target, argv[0], err)
		}
		if result, err = os.ReadFile(merged); err != nil {
			return err
		}
		if hasConflictMarkers(result) {
			return fmt.Errorf("%s: the merge still holds conflict markers; home left as it is", in.Target)
		}
	}
	if bytes.Equal(result, in.Ours) {
		fmt.Fprintf(a.stdout(), "%s: unchanged\n", safeName(in.Target))
		return nil
	}
	if err := dotfiles.WriteHome(opts, in.Target, result, in.Perm); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout(), "merged %s into home; the next sync captures it\n", safeName(in.Target))
	return nil
}

// gitMergeFile merges with git's own three-way file merge; its exit status
// is the number of conflicts (negative on error).
func gitMergeFile(ctx context.Context, ours, base, theirs string) ([]byte, int, error) {
	c := exec.CommandContext(ctx, "git", "merge-file", "-p", "-L", "home", "-L", "base", "-L", "source", "--", ours, base, theirs)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, 0, nil
	case errors.As(err, &ee) && ee.ExitCode() > 0 && ee.ExitCode() < 128:
		return out, ee.ExitCode(), nil
	}
	return nil, 0, fmt.Errorf("git merge-file: %w: %s", err, strings.TrimSpace(stderr.String()))
}

func hasConflictMarkers(b []byte) bool {
	for _, l := range bytes.Split(b, []byte("\n")) {
		if bytes.HasPrefix(l, []byte("<<<<<<< ")) || bytes.HasPrefix(l, []byte(">>>>>>> ")) {
			return true
		}
	}
	return false
}
