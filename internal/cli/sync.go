package cli

import (
	"context"
	"fmt"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

func newSyncCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "sync",
		Short: "Run one dotfile sync round: capture, fetch, merge, push, apply",
		Long: `Run one dotfile sync round. Home edits of managed files are captured into
the source repository and committed; the remote is fetched and merged (never
rebased: overlapping edits are settled by conflict_policy and the losing
version kept as a sidecar, see 'hearth conflicts'); the result is pushed with
a lease and applied to home, where targets edited meanwhile are left alone.
An unreachable remote or a lost push race is not a failure (exit 0).

One bad entry never stops the round: when capture or apply fails (a template
that does not parse, say), the round still commits, fetches, merges and
pushes, so a fix pushed from another host arrives; what could not be applied
stays as it is in home. Such a round, and one that held targets, has the
result "held" and exits 0; the holds and failures are listed here, in
'hearth status' and in --json.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			res, err := syncRound(cmd.Context(), a, cfg)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			return printSync(a, res)
		},
	}
}

// syncRound runs one dotfile sync round under the sync lock and leaves
// its status record: `hearth sync` and every round of `hearth watch`.
func syncRound(ctx context.Context, a *app, cfg *config.Config) (*dotsync.Result, error) {
	var res *dotsync.Result
	err := a.runJob(ctx, cfg, "sync", "sync", func(rec *state.Record) error {
		var err error
		res, err = dotsync.Round(ctx, cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()})
		if res != nil && res.Sync != nil {
			s := res.Sync
			rec.Result, rec.Commit = res.Result, s.Local
			rec.Details["remote_commit"] = s.Remote
			rec.Details["pending_commits"] = s.Pending
			rec.Details["conflicts"] = res.OpenConflicts
			rec.Details["conflicts_recorded"] = len(s.Conflicts)
			rec.Details["held"] = len(res.Held)
			rec.Details["held_targets"] = heldTargets(res.Held)
			rec.Details["captured"] = len(res.Captured)
			rec.Details["applied"] = len(res.Applied)
			rec.Details["trashed"] = len(res.Trashed)
			rec.Details["scripts_failed"] = dotsync.ScriptsFailed(res.Scripts)
			if len(s.Problems) > 0 {
				rec.Details["problems"] = s.Problems
			}
		}
		return err
	})
	return res, err
}

func printSync(a *app, res *dotsync.Result) error {
	s := res.Sync
	w := a.stdout()
	fmt.Fprintf(w, "sync %s: local %s, remote %s", res.Result, short(s.Local), short(s.Remote))
	if s.Pending > 0 {
		fmt.Fprintf(w, ", %d commit(s) not yet pushed", s.Pending)
	}
	fmt.Fprintln(w)
	for _, c := range res.Captured {
		fmt.Fprintf(w, "  captured %s\n", safeName(c.Target))
	}
	for _, c := range s.Conflicts {
		fmt.Fprintf(w, "  conflict %s on %s: kept %s's version, %s's saved as %s\n", safeName(c.ID), safeName(c.Path), safeName(c.WinnerHost), safeName(c.LoserHost), safeName(c.Sidecar))
	}
	for _, c := range res.Applied {
		fmt.Fprintf(w, "  %s %s\n", c.Action, safeName(c.Target))
	}
	for _, c := range res.Held {
		fmt.Fprintf(w, "  held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
	}
	for _, e := range res.Trashed {
		fmt.Fprintf(w, "  trashed %s (not written by hearth; hearth trash restore %s)\n", printable(e.Original()), e.ID)
	}
	printScripts(w, "  ", res.Scripts)
	for _, m := range res.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", safeLine(m))
	}
	for _, p := range s.Problems {
		fmt.Fprintf(w, "  %s failed (the rest of the round ran): %s\n", p.Step, safeLine(p.Error))
	}
	if s.Deferred != "" {
		fmt.Fprintln(w, "  the source changed during the round; the next round finishes it")
	}
	if res.OpenConflicts > 0 {
		fmt.Fprintf(w, "%d conflict(s) to look at: hearth conflicts\n", res.OpenConflicts)
	}
	return nil
}

// heldTargets names the held targets, for the host record.
func heldTargets(held []*dotfiles.Change) []string {
	out := []string{}
	for _, c := range held {
		out = append(out, c.Target)
	}
	return out
}
