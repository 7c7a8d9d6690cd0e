package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/trash"
	"github.com/hearth-fleet/hearth/internal/watch"
	"github.com/spf13/cobra"
)

type statusOutput struct {
	Host      string             `json:"host"`
	StateDir  string             `json:"state_dir"`
	Jobs      []state.Entry      `json:"jobs"`
	Held      []*dotfiles.Change `json:"held_targets"`
	Conflicts int                `json:"open_conflicts"`
	Trash     trashStatus        `json:"trash"`
	// Watcher is hearth watch's status file; nil when none ever ran.
	Watcher *watch.Status `json:"watcher"`
}

// trashStatus points at the trash: what apply moved aside, restorable.
type trashStatus struct {
	Dir   string `json:"dir"`
	Count int    `json:"count"`
	Bytes int64  `json:"bytes"`
}

func newStatusCmd(a *app) *cobra.Command {
	var targets bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the last run of every job on this host",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if targets {
				return targetStatus(a, cmd, args)
			}
			if len(args) > 0 {
				return usageError("TARGETs are for --targets")
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			// The dotfiles part renders templates: only ever as the home's
			// owner; where root may not become them, the rest still shows.
			owner, notOwner := a.homeOwner(cfg)
			if owner != nil {
				return a.runAsOwner(cmd.Context(), cfg, owner)
			}
			out := statusOutput{Host: cfg.Host, StateDir: cfg.StateDir, Jobs: state.ReadAll(cfg.StateDir), Held: []*dotfiles.Change{}}
			if notOwner != nil {
				a.logger().Warn("dotfile targets not inspected", "err", notOwner)
			} else {
				dotfilesStatus(cmd.Context(), a, cfg, &out)
			}
			out.Trash = trashSummary(a, cfg)
			if w, err := watch.ReadStatus(cfg.StateDir); err != nil {
				a.logger().Warn("cannot read the watcher's status", "err", err)
			} else {
				out.Watcher = w
			}
			for _, e := range out.Jobs {
				if e.Record == nil && e.Problem != "never run" {
					a.logger().Warn("status record problem", "job", e.Job, "problem", e.Problem)
				}
			}
			if a.json {
				return a.printJSON(out)
			}
			return printStatusTable(a, out)
		},
	}
	cmd.Flags().BoolVarP(&targets, "targets", "t", false, "show the dotfile targets in chezmoi's two-column status instead")
	return cmd
}

func printStatusTable(a *app, out statusOutput) error {
	w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "host %s  (state %s)\n", out.Host, out.StateDir)
	fmt.Fprintln(w, "JOB\tRESULT\tWHEN\tDURATION\tCOMMIT\tDETAIL")
	for _, e := range out.Jobs {
		if e.Record == nil {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t%s\n", safeName(e.Job), safeLine(e.Problem))
			continue
		}
		r := e.Record
		detail := r.Error
		if hold, ok := r.Details["hold"].(string); ok && detail == "" {
			detail = hold // an upgrade held by the rollout says why
		}
		if detail == "" {
			detail = summarizeDetails(r.Details)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", safeName(e.Job), safeName(r.Result), r.Finished.Local().Format(time.DateTime),
			(time.Duration(r.Duration * float64(time.Second))).Round(time.Millisecond), safeName(short(r.Commit)), safeLine(detail))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, c := range out.Held {
		fmt.Fprintf(a.stdout(), "held %s: %s\n", safeName(c.Target), safeLine(c.Reason))
	}
	printWatcher(a, out.Watcher)
	if out.Trash.Count > 0 {
		fmt.Fprintf(a.stdout(), "%d item(s) in the trash (%d bytes in %s); see hearth trash list\n", out.Trash.Count, out.Trash.Bytes, out.Trash.Dir)
	}
	for _, p := range syncProblems(out.Jobs) {
		fmt.Fprintf(a.stdout(), "sync: %s failed (the rest of the round ran): %s\n", safeLine(fmt.Sprint(p["step"])), safeLine(fmt.Sprint(p["error"])))
	}
	if out.Conflicts > 0 {
		fmt.Fprintf(a.stdout(), "%d dotfile conflict(s) settled automatically; see hearth conflicts\n", out.Conflicts)
	}
	return nil
}

// dotfilesStatus adds held targets and open conflicts when dotfile sync has
// a source to look at; problems are logged, never fatal, so status always works.
func dotfilesStatus(ctx context.Context, a *app, cfg *config.Config, out *statusOutput) {
	if _, err := os.Stat(filepath.Join(cfg.Dotfiles.SourceDir, ".git")); err != nil {
		return
	}
	opts := dotsync.DotfilesOptions(cfg, dotsync.Env{Getenv: a.inv.Env.Getenv, Logger: a.logger()})
	// status only reports: it never runs the programs templates name.
	if opts.TemplateCommands == dotfiles.CommandsRun {
		opts.TemplateCommands = dotfiles.CommandsSkip
	}
	held, err := dotfiles.Held(ctx, opts)
	if err != nil {
		a.logger().Warn("cannot list held dotfile targets", "err", err)
	} else {
		out.Held = append(out.Held, held...)
	}
	if n, err := syncer.OpenConflicts(cfg.Dotfiles.SourceDir); err == nil {
		out.Conflicts = n
	}
}

func trashSummary(a *app, cfg *config.Config) trashStatus {
	t := trash.Trash{Dir: trash.Dir(cfg.StateDir)}
	n, bytes, err := t.Summary()
	if err != nil {
		a.logger().Warn("cannot read the trash", "err", err)
	}
	return trashStatus{Dir: t.Dir, Count: n, Bytes: bytes}
}

func short(commit string) string {
	if commit == "" {
		return "-"
	}
	return commit[:min(12, len(commit))]
}

// summarizeDetails shows the few numeric counters a person scans for.
func summarizeDetails(d map[string]any) string {
	s := ""
	for _, k := range []string{"conflicts", "held", "trashed", "pending_commits", "changed", "attempts"} {
		if v, ok := d[k]; ok {
			if s != "" {
				s += ", "
			}
			s += fmt.Sprintf("%s=%v", k, v)
		}
	}
	return s
}

// syncProblems are the capture and apply failures the last sync round went
// past, as its record keeps them.
func syncProblems(jobs []state.Entry) []map[string]any {
	var out []map[string]any
	for _, e := range jobs {
		if e.Job != "sync" || e.Record == nil {
			continue
		}
		list, _ := e.Record.Details["problems"].([]any)
		for _, p := range list {
			if m, ok := p.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// printWatcher shows hearth watch: running or stale, its last round, the
// next poll and what it watches.
func printWatcher(a *app, w *watch.Status) {
	if w == nil {
		return
	}
	out := a.stdout()
	state := fmt.Sprintf("running (pid %d)", w.PID)
	if w.Stale {
		state = fmt.Sprintf("not running (stale status of pid %d)", w.PID)
	}
	fmt.Fprintf(out, "watcher: %s, %d round(s) today, %d target(s) watched", state, w.RoundsToday, w.TargetsWatched)
	if w.PollingFallback {
		fmt.Fprint(out, " by polling (inotify watch limit reached)")
	}
	fmt.Fprintln(out)
	if r := w.LastRound; r != nil {
		fmt.Fprintf(out, "  last round %s (%s): %s", r.Finished.Local().Format(time.DateTime), safeLine(r.Reason), safeName(r.Result))
		if r.Error != "" {
			fmt.Fprintf(out, ": %s", safeLine(r.Error))
		}
		fmt.Fprintln(out)
	}
	if !w.Stale && !w.NextPoll.IsZero() {
		fmt.Fprintf(out, "  next poll %s", w.NextPoll.Local().Format(time.DateTime))
		if w.Offline {
			fmt.Fprint(out, " (remote unreachable; backing off)")
		}
		fmt.Fprintln(out)
	}
}
