package cli

import (
	"fmt"
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
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			m, err := syncer.ReadManifest(cfg.Dotfiles.SourceDir)
			if err != nil {
				return err
			}
			reportManifestProblems(a, m)
			if a.json {
				return a.printJSON(conflictViews(cfg.Dotfiles.SourceDir, m))
			}
			if len(m.Conflicts) == 0 {
				fmt.Fprintln(a.stdout(), "no conflicts")
				return nil
			}
			w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tPATH\tKEPT (LIVE)\tSET ASIDE (SIDECAR)\tWHEN")
			for _, v := range conflictViews(cfg.Dotfiles.SourceDir, m) {
				c := v.Conflict
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Path, c.WinnerHost, c.LoserHost, c.Recorded.Local().Format(time.DateTime))
				if v.Problem != "" {
					fmt.Fprintf(w, "\t  %s\n", v.Problem)
				}
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
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			m, err := syncer.ReadManifest(cfg.Dotfiles.SourceDir)
			if err != nil {
				return err
			}
			reportManifestProblems(a, m)
			c, err := m.Find(args[0])
			if err != nil {
				return err
			}
			// Read beneath the source without following links; an entry
			// whose sidecar is a link or whose path leaves the tree is
			// refused, and a missing side shows as empty.
			live, sidecar, err := syncer.ReadSides(cfg.Dotfiles.SourceDir, *c)
			if err != nil {
				return fmt.Errorf("%w; drop it with hearth conflicts resolve %s --keep live", err, c.ID)
			}
			diff := textdiff.Unified("live/"+c.Path, "sidecar/"+c.Path, live, sidecar)
			if a.json {
				return a.printJSON(struct {
					*syncer.Conflict
					Diff string `json:"diff"`
				}{c, diff})
			}
			fmt.Fprintf(a.stdout(), "conflict %s on %s (policy %s, merged on %s)\n", c.ID, c.Path, c.Policy, c.MergedBy)
			fmt.Fprintf(a.stdout(), "live:    %s's version (changed %s)\n", c.WinnerHost, c.WinnerTime.Local().Format(time.DateTime))
			fmt.Fprintf(a.stdout(), "sidecar: %s's version (changed %s), %s\n", c.LoserHost, c.LoserTime.Local().Format(time.DateTime), c.Sidecar)
			fmt.Fprint(a.stdout(), diff)
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
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
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
			fmt.Fprintf(a.stdout(), "resolved %s on %s keeping the %s version (commit %s); the next sync propagates it\n", c.ID, c.Path, keep, short(commit))
			return nil
		},
	}
	cmd.Flags().StringVar(&keep, "keep", "", "which version stays: live or sidecar")
	return cmd
}

// conflictView is a manifest entry as the list shows it, with the reason
// it cannot be shown or kept, if any.
type conflictView struct {
	syncer.Conflict
	Problem string `json:"problem,omitempty"`
}

func conflictViews(dir string, m *syncer.Manifest) []conflictView {
	out := make([]conflictView, 0, len(m.Conflicts))
	for _, c := range m.Conflicts {
		v := conflictView{Conflict: c}
		if err := syncer.Check(dir, c); err != nil {
			v.Problem = err.Error()
		}
		out = append(out, v)
	}
	return out
}

// reportManifestProblems names what of the manifest could not be used;
// the rest is listed and can be resolved as usual.
func reportManifestProblems(a *app, m *syncer.Manifest) {
	for _, p := range m.Problems {
		a.logger().Warn("conflict manifest problem", "problem", p)
	}
}
