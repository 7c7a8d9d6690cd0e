package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/spf13/cobra"
)

// fleetTipRef is where `hearth fleet` keeps the config branch's tip it
// fetched beside the records.
const fleetTipRef = "refs/hearth/fleet/tip"

// fleetHistory is how many records `hearth fleet show` lists by default.
const fleetHistory = 10

func newFleetCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Show every host's published state (one fetch of refs/hearth/hosts/*)",
		Long: `Show the state every host published under refs/hearth/hosts/<host> on the
nix-config remote (the dotfiles remote when there is none): when it was last
seen and whether that is longer ago than fleet.stale_after, the deployed
commit and whether it is the branch tip, generation, golden generation, boot
verdict, reboot needed, the last sync and upgrade, conflicts, held targets,
the commits it found bad (quarantined), and, with fleet.allowed_signers,
whether the record's signature is verified. One fetch per call; a host whose
record cannot be read is shown with the reason. When the remote cannot be
reached, the records fetched last are shown, with a warning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			rows, err := fleetRows(cmd.Context(), a, cfg, time.Now())
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(rows)
			}
			return printFleet(a, rows)
		},
	}
	cmd.AddCommand(newFleetShowCmd(a))
	return cmd
}

func newFleetShowCmd(a *app) *cobra.Command {
	var history int
	cmd := &cobra.Command{
		Use:   "show HOST",
		Short: "Show one host's whole record and its recent history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if history < 1 || history > fleet.DefaultKeep {
				return usageError("--history must be between 1 and %d", fleet.DefaultKeep)
			}
			if err := fleet.CheckHost(args[0]); err != nil {
				return usageError("%v", err)
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			return fleetShow(cmd.Context(), a, cfg, args[0], history)
		},
	}
	cmd.Flags().IntVar(&history, "history", fleetHistory, "how many records to list, newest first")
	return cmd
}

// fleetRemote is the remote records live on: the nix-config remote, else
// the dotfiles remote.
func fleetRemote(cfg *config.Config) (string, error) {
	switch {
	case cfg.System.Remote != "":
		return cfg.System.Remote, nil
	case cfg.Dotfiles.Remote != "":
		return cfg.Dotfiles.Remote, nil
	}
	return "", &config.Error{File: cfg.File, Key: "system.remote", Msg: "is not set, nor dotfiles.remote; host records live on one of them"}
}

// fleetCache opens this user's copy of the records, in the state dir.
func fleetCache(ctx context.Context, a *app, cfg *config.Config, timeout time.Duration) (*gitrepo.Repo, error) {
	if err := state.CheckDir(cfg.StateDir); err != nil {
		return nil, err
	}
	return fleet.OpenCache(ctx, filepath.Join(cfg.StateDir, "fleet.git"), gitrepo.Options{Logger: a.logger(), Timeout: timeout})
}

// fleetReader reads records, and the config branch's tip in the same fetch
// when the records live on the nix-config remote.
func fleetReader(ctx context.Context, a *app, cfg *config.Config) (*fleet.Reader, error) {
	remote, err := fleetRemote(cfg)
	if err != nil {
		return nil, err
	}
	repo, err := fleetCache(ctx, a, cfg, 0)
	if err != nil {
		return nil, err
	}
	rd := &fleet.Reader{Repo: repo, Remote: remote, AllowedSigners: cfg.Fleet.AllowedSigners}
	if remote == cfg.System.Remote {
		rd.Extra = []string{"+refs/heads/" + cfg.System.Branch + ":" + fleetTipRef}
	}
	return rd, nil
}

func fleetRows(ctx context.Context, a *app, cfg *config.Config, now time.Time) ([]fleet.Row, error) {
	rd, err := fleetReader(ctx, a, cfg)
	if err != nil {
		return nil, err
	}
	if err := fleetFetch(ctx, a, rd); err != nil {
		return nil, err
	}
	entries, err := rd.Local(ctx)
	if err != nil {
		return nil, err
	}
	tip := ""
	if len(rd.Extra) > 0 {
		if tip, err = rd.Repo.ReadRef(ctx, fleetTipRef); err != nil {
			a.logger().Warn("cannot read the config branch tip", "err", err)
		}
	}
	return fleet.Rows(entries, tip, now, cfg.Fleet.StaleAfter.Duration), nil
}

// fleetFetch fetches the records; an unreachable remote leaves the copy of
// the last fetch to show, with a warning (its hosts turn stale in time).
func fleetFetch(ctx context.Context, a *app, rd *fleet.Reader) error {
	err := rd.Fetch(ctx)
	warnRewound(a, rd)
	if errors.Is(err, gitrepo.ErrOffline) {
		a.logger().Warn("remote unreachable: showing the host records fetched last", "err", err)
		return nil
	}
	return err
}

func printFleet(a *app, rows []fleet.Row) error {
	if len(rows) == 0 {
		fmt.Fprintln(a.stdout(), "no host has published a record yet")
		return nil
	}
	w := tabwriter.NewWriter(a.stdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "HOST\tSEEN\tDEPLOYED\tGEN\tGOLDEN\tBOOT\tREBOOT\tSYNC\tUPGRADE\tCONFLICTS\tHELD\tQUARANTINED\tVERIFIED")
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t%s\n", safeName(r.Host), yesNo(r.Verified))
			continue
		}
		seen := r.Seen.Local().Format(time.DateTime)
		if r.Stale {
			seen += " STALE"
		}
		deployed := short(r.DeployedCommit)
		if r.AtTip != nil && *r.AtTip {
			deployed += " (tip)"
		} else if r.AtTip != nil {
			deployed += " (behind)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", safeName(r.Host), seen, deployed,
			orDashInt(r.Generation), orDashInt(r.Golden), safeName(orDash(r.BootVerdict)), yesNo(r.RebootNeeded),
			jobCell(r.Sync), jobCell(r.Upgrade), len(r.Conflicts), len(r.Held), quarantinedCell(r.Quarantined), yesNo(r.Verified))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(a.stdout(), "%s: %s\n", safeName(r.Host), safeLine(r.Error))
		}
		if r.Waiting != "" {
			fmt.Fprintf(a.stdout(), "%s: %s\n", safeName(r.Host), safeLine(r.Waiting))
		}
		for _, b := range r.Quarantined {
			fmt.Fprintf(a.stdout(), "%s found %s bad at %s: %s\n", safeName(r.Host), short(b.Commit), safeName(b.Stage), safeLine(b.Error))
		}
	}
	return nil
}

func jobCell(j *fleet.JobRun) string {
	if j == nil {
		return "-"
	}
	return safeName(j.Result) + " " + j.Time.Local().Format("01-02 15:04")
}

func quarantinedCell(bad []fleet.BadCommit) string {
	if len(bad) == 0 {
		return "-"
	}
	ids := make([]string, len(bad))
	for i, b := range bad {
		ids[i] = short(b.Commit)[:min(8, len(b.Commit))]
	}
	return strings.Join(ids, ",")
}

func orDashInt(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

type fleetShowOutput struct {
	Host     string        `json:"host"`
	Verified bool          `json:"verified"`
	Signer   string        `json:"signer,omitempty"`
	Stale    bool          `json:"stale"`
	Record   *fleet.Record `json:"record"`
	History  []historyItem `json:"history"`
}

type historyItem struct {
	Commit   string        `json:"commit"`
	Verified bool          `json:"verified"`
	Record   *fleet.Record `json:"record,omitempty"`
	Error    string        `json:"error,omitempty"`
}

func fleetShow(ctx context.Context, a *app, cfg *config.Config, host string, n int) error {
	rd, err := fleetReader(ctx, a, cfg)
	if err != nil {
		return err
	}
	rd.Extra = nil // the tip is not shown here
	if err := fleetFetch(ctx, a, rd); err != nil {
		return err
	}
	hist, err := rd.History(ctx, host, n)
	if err != nil {
		return err
	}
	out := fleetShowOutput{Host: host, Verified: hist[0].Verified, Signer: hist[0].Signer, Record: hist[0].Record, History: []historyItem{}}
	if out.Record != nil {
		out.Stale = fleet.Stale(out.Record.Time, time.Now(), cfg.Fleet.StaleAfter.Duration)
	}
	for _, e := range hist {
		it := historyItem{Commit: e.Commit, Verified: e.Verified, Record: e.Record}
		if e.Err != nil {
			it.Error = e.Err.Error()
		}
		out.History = append(out.History, it)
	}
	if a.json {
		return a.printJSON(out)
	}
	w := a.stdout()
	if hist[0].Err != nil {
		return fmt.Errorf("host %s: %w", host, hist[0].Err)
	}
	r := out.Record
	fmt.Fprintf(w, "host:            %s\n", safeName(r.Host))
	fmt.Fprintf(w, "seen:            %s%s (hearth %s, record %d)\n", r.Time.Local().Format(time.DateTime), map[bool]string{true: " STALE"}[out.Stale], safeName(r.HearthVersion), r.Seq)
	fmt.Fprintf(w, "verified:        %s %s\n", yesNo(out.Verified), safeName(out.Signer))
	fmt.Fprintf(w, "deployed:        %s", orDash(r.DeployedCommit))
	if r.DeployedHealthySince != nil {
		fmt.Fprintf(w, " (healthy since %s)", r.DeployedHealthySince.Local().Format(time.DateTime))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "generation:      %s (golden %s)\n", orDashInt(r.Generation), orDashInt(r.Golden))
	fmt.Fprintf(w, "boot verdict:    %s, reboot needed: %s\n", safeName(orDash(r.BootVerdict)), yesNo(r.RebootNeeded))
	if l := r.Loader; l != nil {
		fmt.Fprintf(w, "boot loader:     %s, entry %s %s, %d tries left, booted %s\n", safeName(l.Loader), safeName(orDash(l.Entry)), safeName(orDash(l.State)), l.TriesLeft, safeName(orDash(l.Booted)))
	}
	if r.Wave != nil {
		fmt.Fprintf(w, "wave:            %d %s\n", *r.Wave, safeLine(r.Waiting))
	}
	for _, job := range []string{fleet.JobSync, fleet.JobUpgrade, fleet.JobBootCheck, fleet.JobSecrets} {
		j, ok := r.Jobs[job]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%-16s %s %s %s %s\n", job+":", safeName(j.Result), j.Time.Local().Format(time.DateTime), short(j.Commit), safeLine(j.Error))
	}
	for _, c := range r.Conflicts {
		fmt.Fprintf(w, "conflict:        %s\n", safeName(c))
	}
	for _, h := range r.Held {
		fmt.Fprintf(w, "held:            %s\n", safeName(h))
	}
	for _, b := range r.BadCommits {
		fmt.Fprintf(w, "found bad:       %s at %s (%s): %s\n", b.Commit, safeName(b.Stage), b.Time.Local().Format(time.DateTime), safeLine(b.Error))
	}
	fmt.Fprintln(w, "history:")
	for _, e := range out.History {
		if e.Record == nil {
			fmt.Fprintf(w, "  %s  %s\n", short(e.Commit), safeLine(e.Error))
			continue
		}
		fmt.Fprintf(w, "  %s  %s  deployed %s  sync %s  upgrade %s\n", short(e.Commit), e.Record.Time.Local().Format(time.DateTime),
			short(e.Record.DeployedCommit), jobResult(e.Record, fleet.JobSync), jobResult(e.Record, fleet.JobUpgrade))
	}
	return nil
}

func jobResult(r *fleet.Record, job string) string {
	if j, ok := r.Jobs[job]; ok {
		return safeName(j.Result)
	}
	return "-"
}

// warnRewound logs the hosts whose record the remote set back to an older
// one (the newer one is kept).
func warnRewound(a *app, rd *fleet.Reader) {
	for _, w := range rd.Rewound {
		a.logger().Warn("host record went back in time on the remote", "detail", w)
	}
}
