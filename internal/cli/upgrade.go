package cli

import (
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/termsafe"
	"github.com/spf13/cobra"
)

func newUpgradeCmd(a *app) *cobra.Command {
	var dryRun, acceptRewrite, now, retryQuarantined bool
	cmd := &cobra.Command{
		Use:   "upgrade",
		Short: "Run one system upgrade round: fetch, verify, build, activate, confirm",
		Long: `Run one system upgrade round. The nix-config remote is fetched into a bare
mirror in the state dir; a tip that is already deployed ends the round there.
A new tip must descend from the deployed commit (no history rewrite unless
--accept-rewrite) and, with system.allowed_signers, carry a good SSH
signature. Exactly that commit is built; a commit that failed is not built
again while it is the tip. The result is activated like nixos-rebuild
(system profile, then switch-to-configuration), and after a live switch the
required boot checks must pass within system.confirm_timeout, or the previous
generation is switched back. --dry-run stops after the build and shows what
would be activated. An unreachable remote is not a failure (exit 0).

Staged rollout (system.rollout, docs/fleet.md): before building, the host
records of the fleet are read. A tip another host recorded as bad is
quarantined (result "quarantined", exit 0) until a new tip;
--retry-quarantined builds it once anyway, also when this host failed it.
A host of wave N > 0 builds a tip only once system.rollout.quorum hosts of
wave N-1 ran it healthy for system.rollout.soak; until then the round ends
"waiting for wave N-1" (result "waiting", exit 0); --now skips the wait once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if cfg.System.Remote == "" {
				return &config.Error{File: cfg.File, Key: "system.remote", Msg: "is not set; hearth upgrade needs the nix-config remote"}
			}
			if cfg.System.Attr == "" {
				return &config.Error{File: cfg.File, Key: "system.attr", Msg: "is not set; hearth upgrade needs the flake attribute of the system"}
			}
			opts := a.upgradeOptions(cfg)
			opts.DryRun, opts.AcceptRewrite, opts.RetryFailed = dryRun, acceptRewrite, retryQuarantined
			opts.Gate = a.rolloutGate(cfg, now, retryQuarantined)
			var res *deploy.Result
			run := func(rec *state.Record) error {
				var err error
				res, err = deploy.Run(cmd.Context(), opts)
				if err == nil {
					a.countDeployed(cmd.Context(), cfg, res)
				}
				if res != nil && rec != nil {
					fillUpgradeRecord(rec, res)
				}
				return err
			}
			if dryRun {
				// A dry run changes nothing the status record describes.
				err = a.withLock(cmd, cfg, "upgrade", func() error { return run(nil) })
			} else {
				err = a.runJob(cmd.Context(), cfg, "upgrade", "upgrade", run)
			}
			if res != nil {
				if a.json {
					if perr := a.printJSON(res); perr != nil {
						return perr
					}
				} else {
					printUpgrade(a, res)
				}
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "build, then show what would be activated; change nothing")
	cmd.Flags().BoolVar(&acceptRewrite, "accept-rewrite", false, "deploy a tip that does not descend from the deployed commit (after a force-push)")
	cmd.Flags().BoolVar(&now, "now", false, "this once, do not wait for the previous rollout wave")
	cmd.Flags().BoolVar(&retryQuarantined, "retry-quarantined", false, "this once, build a tip that this or another host found bad")
	return cmd
}

// upgradeOptions maps the config onto internal/deploy.
func (a *app) upgradeOptions(cfg *config.Config) deploy.Options {
	s := cfg.System
	return deploy.Options{
		StateDir:       cfg.StateDir,
		Host:           cfg.Host,
		Remote:         s.Remote,
		Branch:         s.Branch,
		Attr:           s.Attr,
		Profile:        s.Profile,
		Operation:      nixsys.Action(s.Operation),
		Checkout:       s.Checkout,
		CanCommit:      s.CanCommit,
		UpdateInputs:   s.UpdateInputs,
		AllowedSigners: s.AllowedSigners,
		SigningKey:     cfg.Fleet.SigningKey,
		BuildTimeout:   s.BuildTimeout.Duration,
		ConfirmTimeout: s.ConfirmTimeout.Duration,
		HealthInterval: cfg.Boot.Interval.Duration,
		Sustain:        cfg.Boot.Sustain.Duration,
		BootedSystem:   s.BootedSystem,
		CurrentSystem:  s.CurrentSystem,
		Checks:         healthChecks(cfg),
		Nix:            nixsys.New(nixsys.Options{Logger: a.logger(), ActivationTimeout: s.ActivationTimeout.Duration}),
		Health:         &health.Runner{Logger: a.logger()},
		Progress:       a.inv.Stderr,
		Logger:         a.logger(),
	}
}

func fillUpgradeRecord(rec *state.Record, res *deploy.Result) {
	switch res.Outcome {
	case deploy.OutcomeNoop:
		rec.Result = state.ResultNoop
	case deploy.OutcomeOffline:
		rec.Result = state.ResultOffline
	case deploy.OutcomeWaiting, deploy.OutcomeQuarantined:
		// Held by the rollout: a state of the fleet, not a failure here.
		rec.Result = res.Outcome
	}
	if res.Hold != "" {
		rec.Details["hold"] = res.Hold
	}
	rec.Commit = res.Commit
	d := rec.Details
	d["outcome"] = res.Outcome
	d["tip"] = res.Tip
	d["store_path"] = res.StorePath
	d["generation"] = res.Generation
	d["reboot_needed"] = res.RebootNeeded
	d["failed_commits"] = failedCommits(res.Failed)
	if res.LockCommit != "" {
		d["lock_commit"] = res.LockCommit
		d["lock_published"] = res.LockPublished
	}
}

func failedCommits(fs []deploy.Failure) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Commit)
	}
	return out
}

func printUpgrade(a *app, res *deploy.Result) {
	w := a.stdout()
	fmt.Fprintf(w, "upgrade %s: tip %s, deployed %s\n", res.Outcome, short(res.Tip), short(res.Commit))
	if res.StorePath != "" {
		fmt.Fprintf(w, "  system %s", res.StorePath)
		if res.Generation > 0 {
			fmt.Fprintf(w, " (generation %d)", res.Generation)
		}
		fmt.Fprintln(w)
	}
	if res.Outcome == deploy.OutcomeDryRun {
		fmt.Fprintf(w, "  would activate %s (%s), replacing %s\n", res.StorePath, res.Operation, orDash(res.PreviousStorePath))
	}
	if u := res.Units; u != nil && (res.Outcome == deploy.OutcomeDryRun || len(u.Added)+len(u.Removed) > 0) {
		for _, x := range []struct {
			what  string
			units []string
		}{{"added", u.Added}, {"removed", u.Removed}, {"kept", u.Kept}} {
			if len(x.units) > 0 {
				fmt.Fprintf(w, "  units %s: %s\n", x.what, strings.Join(x.units, " "))
			}
		}
	}
	if len(res.RebootNeeded) > 0 {
		fmt.Fprintf(w, "  reboot needed: %s changed\n", strings.Join(res.RebootNeeded, ", "))
	}
	if res.LockCommit != "" {
		state := "published"
		if !res.LockPublished {
			state = "not published: " + res.LockError
		}
		fmt.Fprintf(w, "  flake.lock update %s %s\n", short(res.LockCommit), state)
	}
	if res.Checkout != "" {
		fmt.Fprintf(w, "  checkout %s\n", res.Checkout)
	}
	if res.Hold != "" {
		fmt.Fprintf(w, "  %s\n", termsafe.Line(res.Hold))
	}
	for _, f := range res.Failed {
		fmt.Fprintf(w, "  failed %s (%s, %s)\n", short(f.Commit), f.Stage, f.At.Format("2006-01-02 15:04"))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// withLock holds the job lock without writing a status record.
func (a *app) withLock(cmd *cobra.Command, cfg *config.Config, lockName string, fn func() error) error {
	l, err := state.AcquireLock(cmd.Context(), cfg.StateDir, lockName, lockWait, a.commandLine())
	if err != nil {
		return err
	}
	defer l.Unlock()
	return fn()
}
