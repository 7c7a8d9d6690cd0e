package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// ResultLink is the out-link of the last build in the state dir (a GC root).
const ResultLink = "system-result"

// Outcomes of a round.
const (
	OutcomeDeployed   = "deployed"    // a new generation was activated (and confirmed)
	OutcomeNoop       = "noop"        // the tip is the deployed commit: one fetch, nothing else
	OutcomeUnchanged  = "unchanged"   // a new commit built to the running system: nothing to activate
	OutcomeOffline    = "offline"     // the remote could not be reached; try later
	OutcomeDryRun     = "dry-run"     // built; what would be activated is in the result
	OutcomeRefused    = "refused"     // history rewrite or signature: not built
	OutcomeFailed     = "failed"      // did not build, failed a check, or was rolled back
	OutcomeKnownBad   = "known-bad"   // the tip failed before and is not retried
	OutcomeRolledBack = "rolled-back" // activated, health failed, previous generation restored
)

// Result is what one round did. It is filled as far as the round got, also
// when Run returns an error.
type Result struct {
	Outcome string `json:"outcome"`
	Tip     string `json:"tip,omitempty"` // the remote branch tip fetched
	// Commit is the commit now deployed (after the round); Built the one the
	// round built (a flake.lock commit on top of Tip on update_inputs hosts).
	Commit            string        `json:"commit,omitempty"`
	Built             string        `json:"built,omitempty"`
	Signer            string        `json:"signer,omitempty"`
	StorePath         string        `json:"store_path,omitempty"`
	PreviousStorePath string        `json:"previous_store_path,omitempty"`
	Generation        int           `json:"generation,omitempty"`
	Operation         string        `json:"operation,omitempty"`
	RebootNeeded      []string      `json:"reboot_needed,omitempty"`
	Units             *UnitDiff     `json:"units,omitempty"`
	LockCommit        string        `json:"lock_commit,omitempty"`
	LockPublished     bool          `json:"lock_published,omitempty"`
	LockError         string        `json:"lock_error,omitempty"`
	Checkout          string        `json:"checkout,omitempty"`
	Recovered         bool          `json:"recovered_interrupted,omitempty"`
	StateRebuilt      bool          `json:"state_rebuilt,omitempty"`
	Failed            []Failure     `json:"failed_commits,omitempty"`
	Duration          time.Duration `json:"duration_ns"`
}

// Run runs one upgrade round. See the package documentation for the steps.
// An unreachable remote is not an error (Outcome offline). Refusals, build
// failures, failed checks and rollbacks return an error naming the commit,
// with the Result filled as far as the round got.
func Run(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	res := &Result{Operation: string(o.Operation)}
	err = run(ctx, &o, res)
	res.Duration = time.Since(start)
	return res, err
}

func run(ctx context.Context, o *Options, res *Result) error {
	p := progress{o.Progress}
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return fmt.Errorf("state dir %s: %w", o.StateDir, err)
	}
	m, err := openMirror(ctx, o)
	if err != nil {
		return err
	}
	removeLeftovers(o)
	st, err := loadState(o.StateDir)
	if errors.Is(err, errCorruptState) {
		o.Logger.Warn("upgrade state is corrupt; rebuilding it from the mirror and the profile", "err", err)
		p.say("state file is corrupt, rebuilding it: %v", err)
		if err := rebuildState(ctx, o, m, st); err != nil {
			return err
		}
		res.StateRebuilt = true
	} else if err != nil {
		return err
	}
	defer func() { res.Failed = st.Failed }()

	p.say("fetching %s from %s", o.Branch, redactURL(o.Remote))
	err = fetch(ctx, m, o)
	if errors.Is(err, gitrepo.ErrOffline) {
		o.Logger.Info("system remote unreachable; trying again next round", "remote", redactURL(o.Remote), "err", err)
		p.say("remote unreachable, nothing to do")
		res.Outcome = OutcomeOffline
		res.Commit = st.Deployed
		return nil
	}
	if err != nil {
		return err
	}
	updating := o.CanCommit && o.UpdateInputs
	if id := fetchedID(m, o); id != "" && st.Pending == nil && !updating && (id == st.Deployed || id == st.DeployedBase) {
		p.say("%s is already deployed", short(id))
		res.Outcome, res.Tip = OutcomeNoop, id
		res.Commit, res.StorePath, res.Generation = st.Deployed, st.StorePath, st.Generation
		return nil
	}
	tip, err := resolveTip(ctx, m, o)
	if err != nil {
		return err
	}
	res.Tip = tip
	if st.Pending != nil && !o.DryRun {
		if err := recoverPending(ctx, o, st); err != nil {
			return err
		}
		res.Recovered = true
	}
	res.Commit, res.StorePath, res.Generation = st.Deployed, st.StorePath, st.Generation
	if (tip == st.Deployed || tip == st.DeployedBase) && !updating {
		p.say("%s is already deployed", short(tip))
		res.Outcome = OutcomeNoop
		return nil
	}

	// Step 2: verify.
	base := st.DeployedBase
	if base == "" {
		base = st.Deployed
	}
	signer, err := verify(ctx, m, o, base, tip)
	if err != nil {
		res.Outcome = OutcomeRefused
		return err
	}
	if signer != nil {
		res.Signer = signer.Principal + " " + signer.Fingerprint
	}
	tree, err := m.RevParse(ctx, tip+"^{tree}")
	if err != nil {
		return err
	}
	// By commit only: a new commit with the same tree is a new attempt
	// (someone may have retried after a timeout).
	if f := st.failure(tip, ""); f != nil && !o.DryRun {
		res.Outcome = OutcomeKnownBad
		return fmt.Errorf("commit %s: %w (%s at %s: %s)", tip, ErrKnownBad, f.Stage, f.At.Format(time.RFC3339), f.Error)
	}

	// Step 7 runs first on update_inputs hosts: the lock is validated by the
	// very build and activation below before anyone else receives it.
	candidate, ctree := tip, tree
	var upd *lockUpdate
	if updating {
		p.say("updating flake inputs of %s", short(tip))
		upd, err = updateInputs(ctx, o, m, tip)
		if err != nil {
			return err
		}
		if upd != nil {
			utree, err := m.RevParse(ctx, upd.commit+"^{tree}")
			if err != nil {
				return err
			}
			if f := st.failure("", utree); f != nil {
				o.Logger.Warn("updated flake.lock failed before; deploying the branch's own lock", "tip", tip, "error", f.Error)
				upd = nil
			} else {
				candidate, ctree = upd.commit, utree
				res.LockCommit = upd.commit
			}
		}
		if upd == nil && (tip == st.Deployed || tip == st.DeployedBase) {
			p.say("%s is already deployed and its inputs are current", short(tip))
			res.Outcome = OutcomeNoop
			return nil
		}
	}

	// Step 3: build the exact commit from the mirror.
	out, err := build(ctx, o, m, candidate)
	if err != nil && ctx.Err() != nil {
		// Stopped (SIGTERM, shutdown): not the commit's fault, nothing to remember.
		return err
	}
	if err != nil && upd != nil {
		// The new lock broke the build: remember that, and deploy the branch as it is.
		st.addFailure(Failure{Commit: candidate, Tree: ctree, Stage: "build", Error: err.Error(), At: time.Now().UTC()})
		o.Logger.Warn("the updated flake.lock does not build; deploying the branch's own lock", "err", err)
		res.LockCommit, candidate, ctree, upd = "", tip, tree, nil
		out, err = build(ctx, o, m, candidate)
	}
	res.Built = candidate
	if err != nil {
		res.Outcome = OutcomeFailed
		if !o.DryRun && ctx.Err() == nil {
			st.addFailure(Failure{Commit: candidate, Tree: ctree, Stage: "build", Error: err.Error(), At: time.Now().UTC()})
			if serr := st.save(o.StateDir); serr != nil {
				return errors.Join(err, serr)
			}
		}
		return err
	}
	res.StorePath = out
	profileNow, err := currentStorePath(o.Nix, o.Profile)
	if err != nil {
		return err
	}
	// What a failed switch goes back to: the system that was running (live
	// switch), else the profile's current generation.
	running := runningSystem(o, profileNow)
	prev := profileNow
	if o.Operation == nixsys.ActionSwitch && running != "" {
		prev = running
	}
	res.PreviousStorePath = prev
	diff, err := diffUnits(prev, out)
	if err != nil {
		return err
	}
	res.Units = &diff
	res.RebootNeeded = rebootNeeded(o, out)

	// Step 4: pre-activation checks.
	if err := checkRequiredUnits(out, o.Checks); err != nil {
		res.Outcome = OutcomeFailed
		err = fmt.Errorf("commit %s: %w", candidate, err)
		if !o.DryRun {
			st.addFailure(Failure{Commit: candidate, Tree: ctree, Stage: "precheck", Error: err.Error(), At: time.Now().UTC()})
			return errors.Join(err, st.save(o.StateDir))
		}
		return err
	}
	if o.DryRun {
		res.Outcome = OutcomeDryRun
		p.say("dry run: would activate %s (now %s)", out, orNone(prev))
		return nil
	}

	// Steps 5 and 6: activate and confirm, unless it already runs.
	if out == running {
		p.say("%s builds the running system %s; nothing to activate", short(candidate), out)
		res.Outcome = OutcomeUnchanged
		res.Generation = st.Generation
		if g, err := o.Nix.Current(o.Profile); err == nil && g.StorePath == out {
			res.Generation = g.Number
		}
	} else {
		act := &activation{commit: candidate, base: tip, storePath: out, previous: prev}
		err := activate(ctx, o, st, act)
		res.Generation = act.generation
		if err != nil && st.Pending != nil {
			// Interrupted mid-activation: the pending record (already on
			// disk) lets the next round put the previous generation back.
			res.Outcome = OutcomeFailed
			return err
		}
		if err != nil {
			res.Outcome = OutcomeFailed
			stage := "activate"
			if act.rolledBack && errors.Is(err, ErrRolledBack) {
				res.Outcome = OutcomeRolledBack
				stage = "confirm"
			}
			if act.rolledBack {
				res.StorePath, res.Generation = prev, 0
				if g, gerr := o.Nix.Current(o.Profile); gerr == nil {
					res.Generation = g.Number
				}
			}
			st.addFailure(Failure{Commit: candidate, Tree: ctree, Stage: stage, Error: err.Error(), At: time.Now().UTC()})
			return errors.Join(err, st.save(o.StateDir))
		}
		res.Outcome = OutcomeDeployed
	}
	if err := m.UpdateRef(ctx, deployedRef, candidate, refOrEmpty(ctx, m, deployedRef), "deployed"); err != nil {
		return err
	}
	st.Deployed, st.DeployedBase, st.StorePath, st.DeployedAt = candidate, tip, out, time.Now().UTC()
	st.Generation = res.Generation
	delete(st.Interrupted, candidate)
	res.Commit = candidate
	if err := st.save(o.StateDir); err != nil {
		return err
	}
	p.say("%s: %s is %s", res.Outcome, short(candidate), out)
	if len(res.RebootNeeded) > 0 {
		p.say("reboot needed: %v changed", res.RebootNeeded)
	}

	// Step 7: publish the validated lock, then the working checkout.
	if upd != nil {
		p.say("publishing flake.lock to %s", o.Branch)
		pushed, err := publishLock(ctx, o, m, tip, upd)
		if err != nil {
			o.Logger.Warn("could not publish flake.lock; the next round tries again", "err", err)
			res.LockError = err.Error()
		} else {
			res.LockPublished = true
			res.LockCommit = pushed
			if pushed == candidate {
				st.DeployedBase = candidate
				if err := st.save(o.StateDir); err != nil {
					return err
				}
			}
		}
	}
	if o.Checkout != "" {
		what, err := fastForwardCheckout(ctx, o, m, candidate)
		if err != nil {
			o.Logger.Warn("could not update the working checkout", "checkout", o.Checkout, "err", err)
			what = "error: " + err.Error()
		}
		res.Checkout = what
	}
	return nil
}

// build builds commit from the mirror, streaming the log to the logger.
func build(ctx context.Context, o *Options, m *gitrepo.Repo, commit string) (string, error) {
	progress{o.Progress}.say("building %s (%s)", short(commit), o.Attr)
	if err := pointBuildRefs(ctx, m, o, commit); err != nil {
		return "", err
	}
	log := newLineLogger(o.Logger, "nix build", "commit", commit)
	// The out-link is a GC root: a garbage collection between the build and
	// the activation (or after a dry run) cannot take the result away.
	out, err := o.Nix.Build(ctx, nixsys.BuildSpec{Repo: m.GitDir, Rev: commit, Attr: o.Attr, Timeout: o.BuildTimeout, Log: log,
		OutLink: filepath.Join(o.StateDir, ResultLink)})
	log.Flush()
	if err != nil {
		return "", fmt.Errorf("commit %s: %w: %w", commit, ErrBuild, err)
	}
	return out, nil
}

// pointBuildRefs points the mirror's HEAD branch and refs/heads/master at the
// commit about to be built. nix fetches a ref from a bare repository before
// it looks for the rev (nix 2.8 always asks for master, later versions for
// HEAD's branch) and fails when that ref is missing or lacks the commit.
func pointBuildRefs(ctx context.Context, m *gitrepo.Repo, o *Options, commit string) error {
	for _, ref := range []string{"refs/heads/" + o.Branch, "refs/heads/master"} {
		old := refOrEmpty(ctx, m, ref)
		if old == commit {
			continue
		}
		if err := m.UpdateRef(ctx, ref, commit, old, "commit to build"); err != nil {
			return err
		}
	}
	return nil
}

// runningSystem is the store path the machine runs now, as far as this
// operation is concerned: the running system for switch, the boot default
// (the profile) for boot.
func runningSystem(o *Options, profileNow string) string {
	if o.Operation == nixsys.ActionBoot {
		return profileNow
	}
	sp, err := o.Nix.StorePath(o.CurrentSystem)
	if err != nil {
		return ""
	}
	return sp
}

// rebootNeeded compares with the booted system; a machine without one (not
// NixOS, or a test) has nothing to compare. With operation boot the whole
// new system waits for a reboot, reported as "system".
func rebootNeeded(o *Options, out string) []string {
	var changed []string
	if _, err := os.Stat(o.BootedSystem); err != nil {
		o.Logger.Debug("no booted system to compare with", "path", o.BootedSystem)
	} else if changed, err = nixsys.RebootNeeded(o.BootedSystem, out); err != nil {
		o.Logger.Warn("could not tell whether a reboot is needed", "err", err)
		changed = nil
	}
	if o.Operation == nixsys.ActionBoot {
		if running, err := o.Nix.StorePath(o.CurrentSystem); err == nil && running != out {
			changed = append(changed, "system")
		}
	}
	return changed
}

// rebuildState replaces a corrupt state with what can be known for sure: the
// deployed commit from the mirror's ref, the system from the profile.
func rebuildState(ctx context.Context, o *Options, m *gitrepo.Repo, st *State) error {
	if id, err := m.RevParse(ctx, deployedRef); err == nil {
		st.Deployed = id
	}
	if g, err := o.Nix.Current(o.Profile); err == nil {
		st.StorePath, st.Generation = g.StorePath, g.Number
	}
	return st.save(o.StateDir)
}

func refOrEmpty(ctx context.Context, m *gitrepo.Repo, ref string) string {
	id, err := m.RevParse(ctx, ref)
	if err != nil {
		return ""
	}
	return id
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// removeLeftovers deletes the throwaway flake-update work trees a killed
// round left behind (the caller holds the job lock, so none is in use).
func removeLeftovers(o *Options) {
	dirs, _ := filepath.Glob(filepath.Join(o.StateDir, updateDirPattern))
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			o.Logger.Warn("could not remove a leftover flake update work tree", "dir", d, "err", err)
		}
	}
}
