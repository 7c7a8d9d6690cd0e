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
	if errors.Is(err, gitrepo.ErrCorrupt) && repairMirror(ctx, &o, err) {
		res = &Result{Operation: string(o.Operation)}
		err = run(ctx, &o, res)
	}
	res.Duration = time.Since(start)
	return res, err
}

// repairMirror repairs a mirror a power cut left broken (see
// gitrepo.Repair) and reports whether the round should run again.
func repairMirror(ctx context.Context, o *Options, cause error) bool {
	o.Logger.Warn("the system mirror is damaged; repairing it from the remote", "err", cause)
	m, err := gitrepo.Open(ctx, filepath.Join(o.StateDir, MirrorDir), o.Git)
	if err != nil {
		return false
	}
	fix, err := m.Repair(ctx, o.Remote)
	o.Logger.Warn("repaired the system mirror", "moved_aside", fix.Quarantined, "refs_restored", fix.RefsRestored,
		"refetched", fix.Fetched, "err", err)
	return err == nil
}

// round carries one round's state between its steps.
type round struct {
	o   *Options
	m   *gitrepo.Repo
	st  *State
	res *Result
	p   progress

	tip, tree        string // the fetched branch tip and its tree
	candidate, ctree string // what is built: tip, or a flake.lock commit on it
	upd              *lockUpdate
}

func run(ctx context.Context, o *Options, res *Result) error {
	r := &round{o: o, res: res, p: progress{o.Progress}}
	if err := r.prepare(ctx); err != nil {
		return err
	}
	defer func() { res.Failed = r.st.Failed }()
	done, err := r.fetch(ctx)
	if done || err != nil {
		return err
	}
	if done, err = r.verify(ctx); done || err != nil {
		return err
	}
	if r.gate(ctx) {
		return nil
	}
	if done, err = r.updateInputs(ctx); done || err != nil {
		return err
	}
	out, err := r.build(ctx)
	if err != nil {
		return err
	}
	if done, err = r.install(ctx, out); done || err != nil {
		return err
	}
	return r.finish(ctx, out)
}

// prepare opens the mirror and the state (rebuilding a corrupt one).
func (r *round) prepare(ctx context.Context) error {
	o := r.o
	if err := os.MkdirAll(o.StateDir, 0o755); err != nil {
		return fmt.Errorf("state dir %s: %w", o.StateDir, err)
	}
	// A checkout someone else owns is refused before anything is deployed:
	// git in it would run that user's hooks and programs as hearth's user.
	if o.Checkout != "" {
		if err := gitrepo.CheckOwner(o.Checkout); err != nil {
			return fmt.Errorf("system.checkout: %w", err)
		}
	}
	var err error
	if r.m, err = openMirror(ctx, o); err != nil {
		return err
	}
	removeLeftovers(o)
	r.st, err = loadState(o.StateDir)
	if errors.Is(err, errCorruptState) {
		o.Logger.Warn("upgrade state is corrupt; rebuilding it from the mirror and the profile", "err", err)
		r.p.say("state file is corrupt, rebuilding it: %v", err)
		if err := rebuildState(ctx, o, r.m, r.st); err != nil {
			return err
		}
		r.res.StateRebuilt = true
	} else if err != nil {
		return err
	}
	r.res.Commit, r.res.StorePath, r.res.Generation = r.st.Deployed, r.st.StorePath, r.st.Generation
	return nil
}

func (r *round) updating() bool { return r.o.CanCommit && r.o.UpdateInputs }

func (r *round) deployed(commit string) bool {
	return commit == r.st.Deployed || commit == r.st.DeployedBase
}

// fetch is step 1: fetch, recover an interrupted activation, stop when the
// tip is deployed.
func (r *round) fetch(ctx context.Context) (bool, error) {
	o, st, res := r.o, r.st, r.res
	r.p.say("fetching %s from %s", o.Branch, redactURL(o.Remote))
	err := fetch(ctx, r.m, o)
	if errors.Is(err, gitrepo.ErrOffline) {
		o.Logger.Info("system remote unreachable; trying again next round", "remote", redactURL(o.Remote), "err", err)
		r.p.say("remote unreachable, nothing to do")
		res.Outcome = OutcomeOffline
		return true, nil
	}
	if err != nil {
		return true, err
	}
	// The cheap look at the fetched ref decides the common no-op round.
	if id := fetchedID(r.m, o); id != "" && st.Pending == nil && !r.updating() && r.deployed(id) {
		r.p.say("%s is already deployed", short(id))
		res.Outcome, res.Tip = OutcomeNoop, id
		return true, nil
	}
	if r.tip, err = resolveTip(ctx, r.m, o); err != nil {
		return true, err
	}
	res.Tip = r.tip
	if st.Pending != nil && !o.DryRun {
		if err := recoverPending(ctx, o, st); err != nil {
			return true, err
		}
		res.Recovered = true
	}
	if r.deployed(r.tip) && !r.updating() {
		r.p.say("%s is already deployed", short(r.tip))
		res.Outcome = OutcomeNoop
		return true, nil
	}
	return false, nil
}

// verify is step 2: ancestry and signature, then the memory of failures.
func (r *round) verify(ctx context.Context) (bool, error) {
	st, res := r.st, r.res
	base := st.DeployedBase
	if base == "" {
		base = st.Deployed
	}
	signer, err := verify(ctx, r.m, r.o, base, r.tip)
	if err != nil {
		res.Outcome = OutcomeRefused
		return true, err
	}
	if signer != nil {
		res.Signer = signer.Principal + " " + signer.Fingerprint
	}
	if r.tree, err = r.m.RevParse(ctx, r.tip+"^{tree}"); err != nil {
		return true, err
	}
	// By commit only: a new commit with the same tree is a new attempt
	// (someone may have retried after a timeout).
	if f := st.failure(r.tip, ""); f != nil && !r.o.DryRun && !r.o.RetryFailed {
		res.Outcome = OutcomeKnownBad
		return true, fmt.Errorf("commit %s: %w (%s at %s: %s)", r.tip, ErrKnownBad, f.Stage, f.At.Format(time.RFC3339), f.Error)
	}
	r.candidate, r.ctree = r.tip, r.tree
	return false, nil
}

// updateInputs runs the first half of step 7 on update_inputs hosts: the
// new lock becomes the candidate, validated by the very build and
// activation below before anyone else receives it.
func (r *round) updateInputs(ctx context.Context) (bool, error) {
	if !r.updating() {
		return false, nil
	}
	r.p.say("updating flake inputs of %s", short(r.tip))
	upd, err := updateInputs(ctx, r.o, r.m, r.tip)
	if err != nil {
		return true, err
	}
	if upd != nil {
		utree, err := r.m.RevParse(ctx, upd.commit+"^{tree}")
		if err != nil {
			return true, err
		}
		if f := r.st.failure("", utree); f != nil {
			r.o.Logger.Warn("updated flake.lock failed before; deploying the branch's own lock", "tip", r.tip, "error", f.Error)
			upd = nil
		} else {
			r.candidate, r.ctree, r.upd = upd.commit, utree, upd
			r.res.LockCommit = upd.commit
		}
	}
	if upd == nil && r.deployed(r.tip) {
		r.p.say("%s is already deployed and its inputs are current", short(r.tip))
		r.res.Outcome = OutcomeNoop
		return true, nil
	}
	return false, nil
}

// fail remembers the candidate as failed at stage and saves the state.
func (r *round) fail(stage string, err error) error {
	r.st.addFailure(Failure{Commit: r.candidate, Tree: r.ctree, Stage: stage, Error: err.Error(), At: time.Now().UTC()})
	return errors.Join(err, r.st.save(r.o.StateDir))
}

// build is step 3: the exact commit, from the mirror.
func (r *round) build(ctx context.Context) (string, error) {
	o, res := r.o, r.res
	out, err := build(ctx, o, r.m, r.candidate)
	if err != nil && ctx.Err() != nil {
		// Stopped (SIGTERM, shutdown): not the commit's fault, nothing to remember.
		return "", err
	}
	if err != nil && r.upd != nil {
		// The new lock broke the build: remember that, and deploy the branch as it is.
		r.st.addFailure(Failure{Commit: r.candidate, Tree: r.ctree, Stage: "build", Error: err.Error(), At: time.Now().UTC()})
		o.Logger.Warn("the updated flake.lock does not build; deploying the branch's own lock", "err", err)
		res.LockCommit, r.candidate, r.ctree, r.upd = "", r.tip, r.tree, nil
		out, err = build(ctx, o, r.m, r.candidate)
	}
	res.Built = r.candidate
	if err != nil {
		res.Outcome = OutcomeFailed
		if !o.DryRun && ctx.Err() == nil {
			return "", r.fail("build", err)
		}
		return "", err
	}
	res.StorePath = out
	return out, nil
}

// install is steps 4 to 6: pre-check, then activate and confirm unless out
// already runs. A dry run stops before activating.
func (r *round) install(ctx context.Context, out string) (bool, error) {
	o, st, res := r.o, r.st, r.res
	profileNow, err := currentStorePath(o.Nix, o.Profile)
	if err != nil {
		return true, err
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
		return true, err
	}
	res.Units = &diff
	res.RebootNeeded = rebootNeeded(o, out)

	if err := checkRequiredUnits(out, o.Checks); err != nil {
		res.Outcome = OutcomeFailed
		err = fmt.Errorf("commit %s: %w", r.candidate, err)
		if o.DryRun {
			return true, err
		}
		return true, r.fail("precheck", err)
	}
	if o.DryRun {
		res.Outcome = OutcomeDryRun
		r.p.say("dry run: would activate %s (now %s)", out, orNone(prev))
		return true, nil
	}

	if out == running {
		r.p.say("%s builds the running system %s; nothing to activate", short(r.candidate), out)
		res.Outcome = OutcomeUnchanged
		res.Generation = st.Generation
		if g, err := o.Nix.Current(o.Profile); err == nil && g.StorePath == out {
			res.Generation = g.Number
		}
		return false, nil
	}
	act := &activation{commit: r.candidate, base: r.tip, storePath: out, previous: prev}
	err = activate(ctx, o, st, act)
	res.Generation = act.generation
	switch {
	case err == nil:
		res.Outcome = OutcomeDeployed
		return false, nil
	case st.Pending != nil:
		// Interrupted mid-activation: the pending record (already on
		// disk) lets the next round put the previous generation back.
		res.Outcome = OutcomeFailed
		return true, err
	}
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
	return true, r.fail(stage, err)
}

// finish records the deployed commit, then does the rest of step 7:
// publish the validated lock, fast-forward the working checkout.
func (r *round) finish(ctx context.Context, out string) error {
	o, st, res := r.o, r.st, r.res
	if err := r.m.UpdateRef(ctx, deployedRef, r.candidate, refOrEmpty(ctx, r.m, deployedRef), "deployed"); err != nil {
		return err
	}
	st.Deployed, st.DeployedBase, st.StorePath, st.DeployedAt = r.candidate, r.tip, out, time.Now().UTC()
	st.Generation = res.Generation
	delete(st.Interrupted, r.candidate)
	res.Commit = r.candidate
	if err := st.save(o.StateDir); err != nil {
		return err
	}
	r.p.say("%s: %s is %s", res.Outcome, short(r.candidate), out)
	if len(res.RebootNeeded) > 0 {
		r.p.say("reboot needed: %v changed", res.RebootNeeded)
	}
	if r.upd != nil {
		r.p.say("publishing flake.lock to %s", o.Branch)
		pushed, err := publishLock(ctx, o, r.m, r.tip, r.upd)
		if err != nil {
			o.Logger.Warn("could not publish flake.lock; the next round tries again", "err", err)
			res.LockError = err.Error()
		} else {
			res.LockPublished, res.LockCommit = true, pushed
			if pushed == r.candidate {
				st.DeployedBase = r.candidate
				if err := st.save(o.StateDir); err != nil {
					return err
				}
			}
		}
	}
	if o.Checkout != "" {
		what, err := fastForwardCheckout(ctx, o, r.m, r.candidate)
		if err != nil {
			o.Logger.Warn("could not update the working checkout", "checkout", o.Checkout, "err", err)
			what = "error: " + err.Error()
		}
		res.Checkout = what
	}
	return nil
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
