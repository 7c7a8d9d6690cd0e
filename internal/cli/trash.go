package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/trash"
	"github.com/spf13/cobra"
)

func newTrashCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trash",
		Short: "List and restore what apply moved aside instead of deleting",
		Long: `When apply removes (exact_ directories) or overwrites (--force) something in
home that hearth did not write, it moves it into the trash under the state
dir instead: ` + "`hearth trash list`" + ` shows it, ` + "`hearth trash restore`" + ` puts it back.
Nothing is ever deleted from the trash but by ` + "`hearth trash purge`" + `.`,
	}
	cmd.AddCommand(newTrashListCmd(a), newTrashRestoreCmd(a), newTrashPurgeCmd(a))
	return cmd
}

func newTrashListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the trash, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			entries, err := trashList(cfg)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(entries)
			}
			w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tWHEN\tKIND\tBYTES\tPATH\tREASON")
			for _, e := range entries {
				kind := e.Kind
				if e.Incomplete {
					kind += " (incomplete: never removed from its path)"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, e.Time.Local().Format(time.DateTime), kind, e.Bytes,
					printable(e.Original()), printable(e.Reason))
			}
			return w.Flush()
		},
	}
}

// trashList lists the trash of the config's state dir.
func trashList(cfg *config.Config) ([]trash.Entry, error) {
	return trash.Trash{Dir: trash.Dir(cfg.StateDir)}.List()
}

func newTrashRestoreCmd(a *app) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "restore ID|PATH",
		Short: "Put a trashed item back where it came from",
		Long: `Move the trash entry with this ID (or the newest entry from PATH) back to its
original path, with its mode and owner. It refuses when something exists at
that path now; --force moves that into the trash first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			var e trash.Entry
			// Under the sync lock: apply and sync write the same paths.
			err = a.withLock(cmd, cfg, "sync", func() error {
				var err error
				if e, err = trashRestore(cfg, args[0], force); err != nil {
					return err
				}
				return forgetRestored(cfg, e)
			})
			if err != nil {
				return err
			}
			note := restoreNote(cmd.Context(), a, cfg, e)
			if a.json {
				return a.printJSON(struct {
					Restored trash.Entry `json:"restored"`
					Note     string      `json:"note,omitempty"`
				}{e, note})
			}
			fmt.Fprintf(a.stdout(), "restored %s from trash entry %s\n", printable(e.Original()), e.ID)
			if note != "" {
				fmt.Fprintln(a.stdout(), "note: "+safeLine(note))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "move whatever is at the path now into the trash first")
	return cmd
}

func newTrashPurgeCmd(a *app) *cobra.Command {
	var olderThan time.Duration
	cmd := &cobra.Command{
		Use:   "purge [ID...]",
		Short: "Delete trash entries for good: by id, or all older than --older-than",
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 0) == (olderThan == 0) {
				return usageError("give entry ids or --older-than, not both")
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			t := trash.Trash{Dir: trash.Dir(cfg.StateDir)}
			var gone []trash.Entry
			err = a.withLock(cmd, cfg, "sync", func() error {
				var err error
				if olderThan > 0 {
					gone, err = t.PurgeOlder(olderThan, time.Now())
				} else {
					gone, err = t.Purge(args...)
				}
				return err
			})
			if a.json && err == nil {
				return a.printJSON(gone)
			}
			for _, e := range gone {
				fmt.Fprintf(a.stdout(), "purged %s (%s)\n", e.ID, printable(e.Original()))
			}
			return err
		},
	}
	cmd.Flags().DurationVar(&olderThan, "older-than", 0, "purge every entry trashed longer ago than this (e.g. 720h)")
	return cmd
}

// trashRestore restores one entry; a path argument may be relative to the
// working directory, as a person types it.
func trashRestore(cfg *config.Config, arg string, force bool) (trash.Entry, error) {
	t := trash.Trash{Dir: trash.Dir(cfg.StateDir)}
	if _, err := t.Find(arg); errors.Is(err, os.ErrNotExist) && !filepath.IsAbs(arg) {
		if abs, aerr := filepath.Abs(arg); aerr == nil {
			arg = abs
		}
	}
	return t.Restore(arg, force)
}

// forgetRestored makes hearth treat a restored dotfile target as not
// written by it, as before the apply that trashed it: held, not captured
// (which would send it to every host) and not overwritten without --force.
func forgetRestored(cfg *config.Config, e trash.Entry) error {
	if !isDotfileTarget(cfg, e) {
		return nil
	}
	if err := dotfiles.Forget(dotsync.DotfilesOptions(cfg, dotsync.Env{}), e.Path); err != nil {
		return fmt.Errorf("restored %s, but could not update the dotfile records: %w", e.Original(), err)
	}
	return nil
}

func isDotfileTarget(cfg *config.Config, e trash.Entry) bool {
	return cfg.Dotfiles.TargetDir != "" && filepath.Clean(cfg.Dotfiles.TargetDir) == e.Root
}

// restoreNote says what the next apply or sync would do to a restored
// dotfile target, so that a restore is not silently undone (an exact_
// directory trashes it again) or spread (a changed file is captured).
func restoreNote(ctx context.Context, a *app, cfg *config.Config, e trash.Entry) string {
	if !isDotfileTarget(cfg, e) {
		return ""
	}
	opts := dotsync.DotfilesOptions(cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()})
	// The parent too: an exact_ parent is what would remove it.
	opts.Only = []string{path.Dir(e.Path)}
	// A note only reports: it never runs the programs templates name.
	if opts.TemplateCommands == dotfiles.CommandsRun {
		opts.TemplateCommands = dotfiles.CommandsSkip
	}
	rep, err := dotfiles.Diff(ctx, opts)
	if err != nil {
		return ""
	}
	for _, c := range rep.Apply {
		if c.Target == e.Path {
			return fmt.Sprintf("the next apply would %s it again (%s); add it to .chezmoiignore or change the source to keep it", c.Action, c.Reason)
		}
	}
	for _, c := range rep.Capture {
		if c.Target == e.Path {
			return "the next sync takes it into the source " + c.Source + " and so to every host"
		}
	}
	for _, c := range rep.Held {
		if c.Target == e.Path {
			return "hearth leaves it alone (held: " + c.Reason + ")"
		}
	}
	return ""
}

// printable quotes a name that holds control characters, so a file name
// cannot write to the terminal (the same rule as every human output).
func printable(s string) string { return safeName(s) }
