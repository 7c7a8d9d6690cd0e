package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/textdiff"
	"github.com/spf13/cobra"
)

func newConflictsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conflicts",
		Short: "List the overlapping edits settled automatically (the losers are kept as sidecars)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			m, err := syncer.ReadManifest(cfg.Dotfiles.SourceDir)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(m.Conflicts)
			}
			if len(m.Conflicts) == 0 {
				fmt.Fprintln(a.stdout(), "no conflicts")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tPATH\tKEPT (LIVE)\tSET ASIDE (SIDECAR)\tWHEN")
			for _, c := range m.Conflicts {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", safeName(c.ID), safeName(c.Path), safeName(c.WinnerHost), safeName(c.LoserHost), c.Recorded.Local().Format(time.DateTime))
			}
			return w.Flush()
		},
	}
	cmd.AddCommand(newConflictsShowCmd(a), newConflictsResolveCmd(a))
	return cmd
}

func newConflictsShowCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show the difference between the live file and the sidecar",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			m, err := syncer.ReadManifest(cfg.Dotfiles.SourceDir)
			if err != nil {
				return err
			}
			c, err := m.Find(args[0])
			if err != nil {
				return err
			}
			read := func(rel string) []byte {
				b, _ := os.ReadFile(filepath.Join(cfg.Dotfiles.SourceDir, filepath.FromSlash(rel)))
				return b // a missing side shows as empty
			}
			diff := textdiff.Unified("live/"+c.Path, "sidecar/"+c.Path, read(c.Path), read(c.Sidecar))
			if a.json {
				return a.printJSON(struct {
					*syncer.Conflict
					Diff string `json:"diff"`
				}{c, diff})
			}
			fmt.Fprintf(a.stdout(), "conflict %s on %s (policy %s, merged on %s)\n", safeName(c.ID), safeName(c.Path), safeName(string(c.Policy)), safeName(c.MergedBy))
			fmt.Fprintf(a.stdout(), "live:    %s's version (changed %s)\n", safeName(c.WinnerHost), c.WinnerTime.Local().Format(time.DateTime))
			fmt.Fprintf(a.stdout(), "sidecar: %s's version (changed %s), %s\n", safeName(c.LoserHost), c.LoserTime.Local().Format(time.DateTime), safeName(c.Sidecar))
			fmt.Fprint(a.stdout(), safeText(diff))
			return nil
		},
	}
}

func newConflictsResolveCmd(a *app) *cobra.Command {
	var keep string
	cmd := &cobra.Command{
		Use:   "resolve ID --keep live|sidecar",
		Short: "Settle a conflict: keep the live version or the sidecar; the next sync propagates it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if keep != syncer.KeepLive && keep != syncer.KeepSidecar {
				return usageError("--keep must be live or sidecar")
			}
			var c *syncer.Conflict
			var commit string
			err = a.runJob(cmd.Context(), cfg, "sync", "resolve", func(rec *state.Record) error {
				var err error
				c, commit, err = syncer.Resolve(cmd.Context(), dotsync.SyncOptions(cfg, dotsync.Env{Logger: a.logger()}), args[0], keep)
				rec.Commit = commit
				return err
			})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(map[string]any{"resolved": c, "kept": keep, "commit": commit})
			}
			fmt.Fprintf(a.stdout(), "resolved %s on %s keeping the %s version (commit %s); the next sync propagates it\n", safeName(c.ID), safeName(c.Path), keep, short(commit))
			return nil
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "which version stays: live or sidecar")
	return cmd
}
