package golden

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/bootcount"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// Results of a boot check.
const (
	ResultGoldenHealthy = "golden-healthy" // booted golden, checks pass
	ResultGoldenFailing = "golden-failing" // booted golden, checks fail: stay up, no rollback
	ResultPinned        = "pinned"         // booted a new generation, checks pass: it is golden now
	ResultRetry         = "reboot-retry"   // failing candidate below the limit: rebooting
	ResultRolledBack    = "rolled-back"    // failing candidate at the limit: golden set to boot, rebooting
	ResultNoGolden      = "no-golden"      // failing at the limit, nothing to return to: stay up
	ResultGoldenMissing = "golden-missing" // failing at the limit, golden store path gone: refused
)

// ErrGoldenMissing means the golden store path no longer exists, so hearth
// refuses to roll back to it.
var ErrGoldenMissing = errors.New("golden store path no longer exists")

// ErrNoGolden means no generation has been pinned yet.
var ErrNoGolden = errors.New("no golden generation pinned")

// Outcome is what one boot check found and did.
type Outcome struct {
	Result      string   `json:"result"`
	Verdict     string   `json:"verdict"` // Green or Red
	Booted      string   `json:"booted"`
	Golden      string   `json:"golden,omitempty"`
	Failing     []string `json:"failing,omitempty"`
	Wanted      []string `json:"wanted_failing,omitempty"`
	Attempts    int      `json:"attempts"`
	MaxAttempts int      `json:"max_attempts"`
	Message     string   `json:"message"`
	Rebooting   bool     `json:"rebooting"`
	Resumed     bool     `json:"resumed,omitempty"` // this boot was already checked: its decision was finished or repeated, not redone
	Warnings    []string `json:"warnings,omitempty"`
	// Loader is the boot loader's view of the booted entry: before the
	// check, or after hearth blessed it or marked it bad.
	Loader  *bootcount.View `json:"loader,omitempty"`
	Results []health.Result `json:"results,omitempty"` // absent when resumed
}

// BootCheck runs once per boot (after multi-user.target): it validates the
// booted generation and pins it, reboots to retry it, or rolls back to golden
// (DESIGN section 5). The caller holds the boot lock.
//
// Every decision is written to boot.json before it is carried out, and each
// step is idempotent, so a check killed at any point and run again in the same
// boot finishes the same decision instead of counting the boot twice.
func BootCheck(ctx context.Context, opts Options) (Outcome, error) {
	r, err := newRunner(opts)
	if err != nil {
		return Outcome{}, err
	}
	if r.o.Rebooter == nil {
		return Outcome{}, errors.New("boot check: no reboot method configured")
	}
	st, warning, err := r.load()
	if err != nil {
		return Outcome{}, err
	}
	booted, err := r.o.Nix.StorePath(r.o.BootedSystem)
	if err != nil {
		return Outcome{}, fmt.Errorf("boot check: booted system: %w", err)
	}
	bootID, err := readBootID(r.o.BootIDFile)
	if err != nil {
		return Outcome{}, fmt.Errorf("boot check: %w", err)
	}
	out := Outcome{Booted: booted}
	if warning != "" {
		out.Warnings = append(out.Warnings, warning)
	}
	out.Loader = r.loaderView(booted, &out)
	counted := out.Loader != nil && assessed(*out.Loader) && booted != st.Golden
	if out.Loader != nil {
		st.Loader = out.Loader
	}
	// One verdict per boot: a check already recorded for this boot is
	// finished (if interrupted) or reported again, never redone or recounted.
	if b := st.Boot; b != nil && b.ID == bootID && b.System == booted {
		out.Resumed = true
		r.o.Logger.Info("boot already checked; finishing its decision", "action", b.Action, "verdict", b.Verdict, "done", b.Done)
	} else {
		r.o.Logger.Info("checking boot", "booted", booted, "golden", st.Golden, "checks", len(r.o.Checks))
		v := r.o.Health.WaitHealthy(ctx, r.o.Checks, r.o.Timeout, r.o.Sustain, r.o.Interval)
		// Checks cut short by our own cancellation (shutdown, SIGTERM) say
		// nothing about the boot: record nothing, count nothing.
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("boot check interrupted before a verdict: %w", err)
		}
		out.Results = v.Results
		st.Boot = r.decide(&st, booted, bootID, v, counted)
		if err := r.save(st); err != nil {
			return out, err
		}
	}
	err = r.act(ctx, &st)
	if r.settled != nil {
		out.Loader = r.settled
	}
	b := st.Boot
	out.Result, out.Verdict, out.Message = resultOf(st, b), b.Verdict, b.Message
	out.Golden, out.Failing, out.Wanted = st.Golden, b.Failing, b.Wanted
	out.Attempts, out.MaxAttempts = st.Attempts, st.MaxAttempts
	out.Rebooting = err == nil && (b.Action == ActionReboot || b.Action == ActionRollback)
	if err == nil && out.Result == ResultGoldenMissing {
		err = fmt.Errorf("boot check: %s: %w", b.Message, ErrGoldenMissing)
	}
	return out, err
}

// decide turns a verdict into the action for this boot, counting the failed
// boot against its generation.
//
// counted says the boot loader is counting this entry's tries: a boot that
// reached hearth's checks and failed them is then final (no retry by
// hearth), so the entry is marked bad and the host goes back to golden
// after this one reboot instead of spending the loader's remaining tries.
func (r *runner) decide(st *State, booted, bootID string, v health.Verdict, counted bool) *Boot {
	b := &Boot{ID: bootID, System: booted, Time: r.o.Now().UTC(), Verdict: Green, Failing: v.Failing}
	for _, res := range v.Results {
		if !res.Required && !res.OK {
			b.Wanted = append(b.Wanted, res.Name)
		}
	}
	if !v.OK {
		b.Verdict = Red
	}
	failing := strings.Join(v.Failing, ", ")
	st.MaxAttempts = r.o.MaxAttempts
	switch {
	case booted == st.Golden && v.OK:
		b.Action, b.Message = ActionNone, "golden generation is healthy"
	case booted == st.Golden:
		b.Action = ActionStay
		b.Message = fmt.Sprintf("the golden generation itself fails required checks (%s): not rolling back again, staying up; fix it by hand", failing)
	case v.OK:
		b.Action, b.Message = ActionPin, "healthy: pinning this generation as golden"
	default:
		if st.Candidate != booted {
			st.Candidate, st.Attempts = booted, 0
		}
		st.Attempts++
		if counted {
			failing += "; the boot loader counts this entry, so no retry"
		}
		switch {
		case st.Attempts < st.MaxAttempts && !counted:
			b.Action = ActionReboot
			b.Message = fmt.Sprintf("failed boot %d of %d (%s): rebooting to retry", st.Attempts, st.MaxAttempts, failing)
		case st.Golden == "":
			b.Action = ActionStay
			b.Message = fmt.Sprintf("failed boot %d of %d (%s) and no golden generation to return to: staying up", st.Attempts, st.MaxAttempts, failing)
		case !exists(st.Golden):
			b.Action = ActionStay
			b.Message = fmt.Sprintf("failed boot %d of %d (%s), but refusing to roll back: golden store path %s no longer exists; pin a working generation by hand", st.Attempts, st.MaxAttempts, failing, st.Golden)
		default:
			b.Action = ActionRollback
			b.Message = fmt.Sprintf("failed boot %d of %d (%s): rolling back to golden %s", st.Attempts, st.MaxAttempts, failing, st.Golden)
			if counted {
				b.Message = fmt.Sprintf("failed boot (%s): marking its boot entry bad and rolling back to golden %s", failing, st.Golden)
			}
		}
	}
	logf := r.o.Logger.Info
	if b.Verdict == Red {
		logf = r.o.Logger.Error
	}
	logf("boot check: "+b.Message, "booted", booted, "verdict", b.Verdict, "action", b.Action)
	return b
}

// act carries out st.Boot.Action. Each step may already have happened in an
// interrupted run, so each is safe to repeat. A finished decision that asked
// for a reboot asks again: the machine is evidently still up.
func (r *runner) act(ctx context.Context, st *State) error {
	b := st.Boot
	if b.Done && b.Action != ActionReboot && b.Action != ActionRollback {
		return nil
	}
	if err := r.writeMOTD(*st); err != nil {
		// The motd is a report, not a decision: log and go on.
		r.o.Logger.Warn("could not write the message of the day", "file", r.o.MOTDPath, "err", err)
	}
	switch b.Action {
	case ActionPin:
		gen, err := r.pin(ctx, b.System)
		if err != nil {
			return fmt.Errorf("boot check: %w", err)
		}
		st.Golden, st.GoldenGeneration, st.GoldenSince = b.System, gen, r.o.Now().UTC()
		st.Candidate, st.Attempts = "", 0
		// Blessed only once hearth's required checks passed and golden is
		// pinned; systemd-bless-boot, ordered after this check, agrees.
		r.settled = r.settleEntry(b.System, true)
		st.Loader = r.settled
	case ActionRollback:
		// Bad before anything else, so whatever happens next the loader
		// does not spend another try on it.
		r.settled = r.settleEntry(b.System, false)
		st.Loader = r.settled
		if err := r.rollback(ctx, st.Golden, nixsys.ActionBoot); err != nil {
			return fmt.Errorf("boot check: %w", err)
		}
		st.LastRollback = &RollbackRecord{From: b.System, To: st.Golden, Time: r.o.Now().UTC()}
		st.Candidate, st.Attempts = "", 0
	}
	b.Done = true
	if err := r.save(*st); err != nil {
		return err
	}
	if b.Action == ActionReboot || b.Action == ActionRollback {
		err := r.o.Rebooter.Reboot(ctx, b.Message)
		r.effect("reboot")
		if err != nil {
			return fmt.Errorf("boot check: reboot: %w", err)
		}
	}
	return nil
}

// pin makes storePath the golden profile's only generation and returns its number.
func (r *runner) pin(ctx context.Context, storePath string) (int, error) {
	if err := r.o.Nix.SetProfile(ctx, r.o.GoldenProfile, storePath); err != nil {
		return 0, fmt.Errorf("pin golden: %w", err)
	}
	r.effect("golden-profile")
	// Older goldens are superseded; keeping them would root them forever.
	if err := r.o.Nix.DeleteOldGenerations(ctx, r.o.GoldenProfile); err != nil {
		return 0, fmt.Errorf("pin golden: %w", err)
	}
	r.effect("golden-prune")
	g, err := r.o.Nix.Current(r.o.GoldenProfile)
	if err != nil {
		return 0, fmt.Errorf("pin golden: %w", err)
	}
	return g.Number, nil
}

// rollback points the system profile at golden and activates it with action.
func (r *runner) rollback(ctx context.Context, golden string, action nixsys.Action) error {
	if golden == "" {
		return fmt.Errorf("roll back: %w", ErrNoGolden)
	}
	if !exists(golden) {
		return fmt.Errorf("roll back to %s: %w", golden, ErrGoldenMissing)
	}
	if err := r.o.Nix.SetProfile(ctx, r.o.SystemProfile, golden); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	r.effect("system-profile")
	if err := r.o.Nix.SwitchToConfiguration(ctx, golden, action, r.o.ActivationLog); err != nil {
		return fmt.Errorf("roll back: %w", err)
	}
	r.effect("switch-to-configuration")
	return nil
}

func resultOf(st State, b *Boot) string {
	switch b.Action {
	case ActionNone:
		return ResultGoldenHealthy
	case ActionPin:
		return ResultPinned
	case ActionReboot:
		return ResultRetry
	case ActionRollback:
		return ResultRolledBack
	}
	switch {
	case b.System == st.Golden:
		return ResultGoldenFailing
	case st.Golden == "":
		return ResultNoGolden
	default:
		return ResultGoldenMissing
	}
}

// NeedsAttention reports whether the boot is failing and hearth cannot fix
// it by itself (golden failing, no golden, golden gone): the caller should
// exit non-zero so the failure shows in systemctl --failed and the journal.
func (o Outcome) NeedsAttention() bool {
	switch o.Result {
	case ResultGoldenFailing, ResultNoGolden, ResultGoldenMissing:
		return true
	}
	return false
}
