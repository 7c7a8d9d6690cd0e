package golden

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/nixsys"
)

// PinResult is what Pin did.
type PinResult struct {
	StorePath  string          `json:"store_path"`
	Generation int             `json:"generation"`
	Forced     bool            `json:"forced"`
	Results    []health.Result `json:"results,omitempty"`
}

// Pin makes the running system (Options.CurrentSystem) golden, after its
// required checks pass once; force skips the checks. Refused pins change nothing.
func Pin(ctx context.Context, opts Options, force bool) (PinResult, error) {
	r, err := newRunner(opts)
	if err != nil {
		return PinResult{}, err
	}
	running, err := r.o.Nix.StorePath(r.o.CurrentSystem)
	if err != nil {
		return PinResult{}, fmt.Errorf("pin: running system: %w", err)
	}
	res := PinResult{StorePath: running, Forced: force}
	if !force {
		v := r.o.Health.RunOnce(ctx, r.o.Checks)
		res.Results = v.Results
		if !v.OK {
			return res, fmt.Errorf("pin %s: required checks fail: %s (pin with force to override)", running, strings.Join(v.Failing, ", "))
		}
	}
	st, warning, err := r.load()
	if err != nil {
		return res, err
	}
	if warning != "" {
		r.o.Logger.Warn(warning)
	}
	gen, err := r.pin(ctx, running)
	if err != nil {
		return res, err
	}
	res.Generation = gen
	st.Golden, st.GoldenGeneration, st.GoldenSince = running, gen, r.o.Now().UTC()
	if st.Candidate == running {
		st.Candidate, st.Attempts = "", 0
	}
	r.o.Logger.Info("pinned golden", "store_path", running, "generation", gen, "forced", force)
	return res, r.save(st)
}

// RollbackOptions say how a manual rollback activates golden.
type RollbackOptions struct {
	Action nixsys.Action // "" or boot: make golden the boot default; switch: also activate it now
	Reboot bool          // reboot afterwards (via Options.Rebooter)
}

// RollbackResult is what Rollback did.
type RollbackResult struct {
	From   string `json:"from"` // the system profile's store path before
	To     string `json:"to"`   // golden
	Action string `json:"action"`
	Reboot bool   `json:"reboot"`
}

// Rollback points the system profile at golden and runs its
// switch-to-configuration. It refuses when no golden is pinned or the golden
// store path no longer exists.
func Rollback(ctx context.Context, opts Options, ro RollbackOptions) (RollbackResult, error) {
	r, err := newRunner(opts)
	if err != nil {
		return RollbackResult{}, err
	}
	if ro.Action == "" {
		ro.Action = nixsys.ActionBoot
	}
	if ro.Action != nixsys.ActionBoot && ro.Action != nixsys.ActionSwitch {
		return RollbackResult{}, fmt.Errorf("rollback: action must be boot or switch, not %q", ro.Action)
	}
	if ro.Reboot && r.o.Rebooter == nil {
		return RollbackResult{}, errors.New("rollback: no reboot method configured")
	}
	st, warning, err := r.load()
	if err != nil {
		return RollbackResult{}, err
	}
	if warning != "" {
		r.o.Logger.Warn(warning)
	}
	res := RollbackResult{To: st.Golden, Action: string(ro.Action), Reboot: ro.Reboot}
	if cur, err := r.o.Nix.StorePath(r.o.SystemProfile); err == nil {
		res.From = cur
	}
	if err := r.rollback(ctx, st.Golden, ro.Action); err != nil {
		return res, err
	}
	st.LastRollback = &RollbackRecord{From: res.From, To: st.Golden, Time: r.o.Now().UTC(), Manual: true}
	if err := r.save(st); err != nil {
		return res, err
	}
	r.o.Logger.Info("rolled back to golden", "from", res.From, "to", st.Golden, "action", string(ro.Action))
	if ro.Reboot {
		if err := r.o.Rebooter.Reboot(ctx, "manual rollback to golden "+st.Golden); err != nil {
			return res, fmt.Errorf("rollback: reboot: %w", err)
		}
	}
	return res, nil
}
