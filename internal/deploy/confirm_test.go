package deploy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/health"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// A live switch whose required check fails within confirm_timeout is rolled
// back: the profile names the previous system again and switch-to-configuration
// ran twice in the round (new, then previous). The commit is not retried.
func TestFailedHealthRollsBack(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	// A real command check on the system the profile names: it fails for a
	// generation whose version says "broken".
	h.opts.Checks = []health.Check{{
		Name: "not-broken", Required: true, Timeout: 2 * time.Second,
		Command: []string{"/bin/sh", "-c", "! grep -q broken " + h.profile + "/version"},
	}}
	h.opts.ConfirmTimeout = time.Second

	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)
	gensBefore, _ := h.nix.Generations(h.profile)

	bad := repo.Commit(t, testutil.NixSystem{Version: "broken"})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrRolledBack) || !strings.Contains(err.Error(), "not-broken") {
		t.Fatalf("err = %v; want a rollback naming the failing check", err)
	}
	badOut := buildOf(t, env, repo, bad)
	if res.Outcome != deploy.OutcomeRolledBack || res.StorePath != good || h.current(t) != good {
		t.Fatalf("after rollback: outcome %s, result store %s, profile %s; want %s", res.Outcome, res.StorePath, h.current(t), good)
	}
	wantActivations(t, h.activationLog(t), sw(good), sw(badOut), sw(good))
	gens, _ := h.nix.Generations(h.profile)
	if len(gens) != len(gensBefore)+2 || !gens[len(gens)-1].Current || gens[len(gens)-2].StorePath != badOut {
		t.Fatalf("generations after rollback = %+v", gens)
	}
	st := h.state(t)
	if st.Pending != nil || st.StorePath != good || len(st.Failed) != 1 || st.Failed[0].Stage != "confirm" {
		t.Fatalf("state after rollback = %+v", st)
	}
	if _, err := h.round(t, nil); !errors.Is(err, deploy.ErrKnownBad) {
		t.Fatalf("rolled-back commit retried: %v", err)
	}
	if len(h.activationLog(t)) != 3 {
		t.Fatal("known-bad round activated something")
	}
}

// A failing switch-to-configuration is rolled back like a failed check.
func TestFailedActivationRollsBack(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)
	bad := repo.Commit(t, testutil.NixSystem{Version: "v2", FailActivation: true})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrActivation) || res.Outcome != deploy.OutcomeFailed || h.current(t) != good {
		t.Fatalf("failed activation: %s, %v, profile %s", res.Outcome, err, h.current(t))
	}
	wantActivations(t, h.activationLog(t), sw(good), sw(buildOf(t, env, repo, bad)), sw(good))
}

// fakeUnits answers is-active from the units present in the system the
// profile names (systemd is not PID 1 here, so systemctl is recorded).
type fakeUnits struct{ profile string }

func (f fakeUnits) IsActive(_ context.Context, unit string) (bool, error) {
	_, err := os.Stat(filepath.Join(f.profile, "etc/systemd/system", unit))
	return err == nil, nil
}

// A generation that lacks a unit named by a required check is refused before
// activation; with boot as the operation nothing is confirmed live.
func TestRequiredUnitPrecheck(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	h.opts.Health = &health.Runner{Units: fakeUnits{h.profile}}
	h.opts.Checks = []health.Check{{Name: "ssh", Unit: "sshd.service", Required: true}, {Name: "web", Unit: "web.service"}}

	repo.Commit(t, testutil.NixSystem{Version: "v1", Services: []string{"sshd.service"}})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)
	bad := repo.Commit(t, testutil.NixSystem{Version: "v2", Services: []string{"web.service"}})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrPrecheck) || !strings.Contains(err.Error(), "sshd.service") || !strings.Contains(err.Error(), bad) {
		t.Fatalf("precheck: err = %v", err)
	}
	if h.current(t) != good || len(h.activationLog(t)) != 1 || res.Failed[0].Stage != "precheck" {
		t.Fatalf("a refused generation was activated: profile %s, %v", h.current(t), h.activationLog(t))
	}
	h.boot(t)
	repo.Commit(t, testutil.NixSystem{Version: "v3", Services: []string{"sshd.service"}})
	res = h.mustRound(t, deploy.OutcomeDeployed, func(o *deploy.Options) { o.Operation = "boot" })
	if got := h.activationLog(t); got[len(got)-1].Action != "boot" || got[len(got)-1].StorePath != res.StorePath {
		t.Fatalf("boot operation: activations %v", got)
	}
	if !slices.Equal(res.RebootNeeded, []string{"system"}) {
		t.Fatalf("boot operation: reboot needed = %v, want [system]", res.RebootNeeded)
	}
}

// A dry run builds and says what would change, and changes nothing.
func TestDryRun(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1", Services: []string{"a.service", "b.service"}})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	good := h.current(t)
	stateBefore, _ := os.ReadFile(filepath.Join(h.stateDir, deploy.StateFile))

	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2", Services: []string{"b.service", "c.service"}})
	res := h.mustRound(t, deploy.OutcomeDryRun, func(o *deploy.Options) { o.DryRun = true })
	if res.StorePath != buildOf(t, env, repo, v2) || res.PreviousStorePath != good || res.Built != v2 {
		t.Fatalf("dry run result = %+v", res)
	}
	u := res.Units
	if !slices.Equal(u.Added, []string{"c.service"}) || !slices.Equal(u.Removed, []string{"a.service"}) || !slices.Equal(u.Kept, []string{"b.service"}) {
		t.Fatalf("unit diff = %+v", u)
	}
	// The dry run's build is a GC root until the next build replaces it.
	env.Run(t, "nix-store", "--gc")
	if _, err := os.Stat(res.StorePath); err != nil {
		t.Fatalf("the dry run's build was garbage collected: %v", err)
	}
	stateAfter, _ := os.ReadFile(filepath.Join(h.stateDir, deploy.StateFile))
	if h.current(t) != good || len(h.activationLog(t)) != 1 || string(stateAfter) != string(stateBefore) {
		t.Fatal("dry run changed the profile, activated, or wrote state")
	}
}

// A failed live switch goes back to the system that was running, even when
// the profile had moved on to a generation staged for the next boot.
func TestRollbackGoesToRunningSystem(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	h.opts.Checks = []health.Check{{
		Name: "not-broken", Required: true,
		Command: []string{"/bin/sh", "-c", "! grep -q broken " + h.profile + "/version"},
	}}
	h.opts.ConfirmTimeout = 500 * time.Millisecond
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	h.boot(t)
	running := h.current(t)
	repo.Commit(t, testutil.NixSystem{Version: "v2-staged"})
	staged := h.mustRound(t, deploy.OutcomeDeployed, func(o *deploy.Options) { o.Operation = "boot" }).StorePath

	repo.Commit(t, testutil.NixSystem{Version: "broken"})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrRolledBack) || res.PreviousStorePath != running || h.current(t) != running {
		t.Fatalf("rollback went to %s (result previous %s, err %v); want the running %s, not the staged %s",
			h.current(t), res.PreviousStorePath, err, running, staged)
	}
	if acts := h.activationLog(t); acts[len(acts)-1] != sw(running) {
		t.Fatalf("last activation %v, want switch of %s", acts[len(acts)-1], running)
	}
}
