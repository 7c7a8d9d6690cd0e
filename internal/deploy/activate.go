package deploy

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// Failure kinds, matchable with errors.Is.
var (
	ErrBuild      = errors.New("build failed")
	ErrKnownBad   = errors.New("commit failed before; not retried until the branch moves")
	ErrPrecheck   = errors.New("pre-activation check failed")
	ErrActivation = errors.New("activation failed")
	ErrRolledBack = errors.New("health checks failed after the switch; rolled back")
)

// activation is what activate needs to know and what it reports.
type activation struct {
	commit, base, storePath string
	previous                string // the profile's store path before; "" on a first deploy
	generation              int
	rolledBack              bool
}

// currentStorePath is the store path of profile's current generation, ""
// when the profile does not exist yet.
func currentStorePath(n *nixsys.Nix, profile string) (string, error) {
	g, err := n.Current(profile)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return g.StorePath, nil
}

// activate makes act.storePath the system: the profile first (so a crash
// after it boots the new generation, as nixos-rebuild would), then
// switch-to-configuration, then, after a live switch, the health checks. Any
// failure puts the previous generation back. The pending record in st makes a
// kill at any point recoverable by the next round.
func activate(ctx context.Context, o *Options, st *State, act *activation) error {
	p := progress{o.Progress}
	st.Pending = &Pending{Commit: act.commit, Base: act.base, StorePath: act.storePath, Previous: act.previous, Started: time.Now().UTC()}
	if err := st.save(o.StateDir); err != nil {
		return err
	}
	p.say("activating %s (%s)", act.storePath, o.Operation)
	if err := o.Nix.SetProfile(ctx, o.Profile, act.storePath); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: interrupted: %w", ErrActivation, err)
		}
		st.Pending = nil
		return fmt.Errorf("%w: %w", ErrActivation, err)
	}
	if g, err := o.Nix.Current(o.Profile); err == nil {
		act.generation = g.Number
	}
	log := newLineLogger(o.Logger, "switch-to-configuration", "store_path", act.storePath)
	err := o.Nix.SwitchToConfiguration(ctx, act.storePath, o.Operation, log)
	log.Flush()
	if err != nil && ctx.Err() != nil {
		// Stopped: leave the pending record for the next round to recover.
		return fmt.Errorf("%w: interrupted: %w", ErrActivation, err)
	}
	if err != nil {
		rbErr := rollback(ctx, o, act.previous)
		act.rolledBack = rbErr == nil && act.previous != ""
		st.Pending = nil
		return errors.Join(fmt.Errorf("%w: %w", ErrActivation, err), rbErr)
	}
	if o.Operation != nixsys.ActionSwitch || len(o.requiredChecks()) == 0 {
		st.Pending = nil
		return nil
	}
	p.say("confirming health (up to %s)", o.ConfirmTimeout)
	v := o.Health.WaitHealthy(ctx, o.Checks, o.ConfirmTimeout, o.Sustain, o.HealthInterval)
	if v.OK {
		st.Pending = nil
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("confirming %s: interrupted: %w", act.storePath, ctx.Err())
	}
	var why []string
	for _, r := range v.Results {
		if r.Required && !r.OK {
			why = append(why, r.Name+": "+r.Detail)
		}
	}
	o.Logger.Error("health checks failed after the switch", "store_path", act.storePath, "failing", v.Failing)
	p.say("health checks failed (%s); switching back", strings.Join(v.Failing, ", "))
	rbErr := rollback(ctx, o, act.previous)
	act.rolledBack = rbErr == nil && act.previous != ""
	st.Pending = nil
	if rbErr != nil {
		return errors.Join(fmt.Errorf("health checks failed after switching to %s: %s", act.storePath, strings.Join(why, "; ")), rbErr)
	}
	return fmt.Errorf("%w: switched to %s, but within %s: %s", ErrRolledBack, act.storePath, o.ConfirmTimeout, strings.Join(why, "; "))
}

// rollback points the profile at previous again and activates it the same
// way (switch, or boot when the failed generation was only made the boot
// default). Without a previous generation there is nothing to go back to.
func rollback(ctx context.Context, o *Options, previous string) error {
	if previous == "" {
		return errors.New("no previous generation to roll back to")
	}
	o.Logger.Warn("rolling back", "profile", o.Profile, "to", previous)
	if err := o.Nix.SetProfile(ctx, o.Profile, previous); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	log := newLineLogger(o.Logger, "switch-to-configuration", "store_path", previous)
	defer log.Flush()
	if err := o.Nix.SwitchToConfiguration(ctx, previous, o.Operation, log); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	return nil
}

// recoverPending finishes what a killed round left: it cannot know how far
// the activation got, so it puts the previous generation back the way a
// failed activation would, and counts the interruption against the commit.
func recoverPending(ctx context.Context, o *Options, st *State) error {
	pd := st.Pending
	o.Logger.Warn("the last upgrade round was interrupted while activating; restoring the previous generation",
		"commit", pd.Commit, "store_path", pd.StorePath, "previous", pd.Previous)
	progress{o.Progress}.say("recovering from an interrupted activation of %s", short(pd.Commit))
	if pd.Previous != "" {
		if err := rollback(ctx, o, pd.Previous); err != nil {
			return fmt.Errorf("recover interrupted activation of %s: %w", pd.Commit, err)
		}
	}
	if st.Interrupted == nil {
		st.Interrupted = map[string]int{}
	}
	st.Interrupted[pd.Commit]++
	if st.Interrupted[pd.Commit] >= maxInterruptions {
		st.addFailure(Failure{Commit: pd.Commit, Stage: "interrupted", At: time.Now().UTC(),
			Error: fmt.Sprintf("activation interrupted %d times", st.Interrupted[pd.Commit])})
	}
	st.Pending = nil
	return st.save(o.StateDir)
}
