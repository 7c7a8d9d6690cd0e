package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestUpgradeThroughCLI drives `hearth upgrade` on a simulated NixOS host
// against real nix and git: a deploy writes the status record; the same tip
// is a no-op; --dry-run builds and lists units without activating; a commit
// whose health check fails is rolled back with exit 1 and recorded as failed.
func TestUpgradeThroughCLI(t *testing.T) {
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := clitest.NewHost(t, "desk")
	actLog := filepath.Join(h.Root, "activations")
	// nix runs as a child of the in-process CLI, so it sees the process env.
	for _, kv := range append(env.Vars, testutil.ActivationLogEnv+"="+actLog) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	profile := filepath.Join(env.ProfilesDir, "system")
	h.WriteConfig(t, fmt.Sprintf(`
[system]
remote = %q
attr = "toplevel"
profile = %q
booted_system = %q
current_system = %q
confirm_timeout = "1s"

[boot]
sustain = "10ms"
interval = "20ms"

[[boot.check]]
name = "not-broken"
command = ["/bin/sh", "-c", "! grep -q broken %s/version"]
`, repo.Dir, profile, filepath.Join(h.Root, "run/booted-system"), filepath.Join(h.Root, "run/current-system"), profile))

	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1", Services: []string{"a.service"}})
	r := h.MustRun(t, "upgrade")
	if !strings.Contains(r.Stdout, "upgrade deployed: tip "+v1[:12]) || !strings.Contains(r.Stderr, "upgrade: building") {
		t.Fatalf("first upgrade:\n%s\n%s", r.Stdout, r.Stderr)
	}
	rec, err := state.ReadRecord(h.StateDir, "upgrade")
	if err != nil || rec.Result != state.ResultOK || rec.Commit != v1 || rec.Details["store_path"] == "" {
		t.Fatalf("status record = %+v, %v", rec, err)
	}
	good, _ := filepath.EvalSymlinks(profile)

	r = h.MustRun(t, "upgrade", "--json")
	var res struct{ Outcome, Commit string }
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || res.Outcome != "noop" || res.Commit != v1 {
		t.Fatalf("second upgrade --json: %+v, %v\n%s", res, err, r.Stdout)
	}
	if rec, _ := state.ReadRecord(h.StateDir, "upgrade"); rec.Result != state.ResultNoop {
		t.Fatalf("no-op round recorded %q", rec.Result)
	}

	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2", Services: []string{"b.service"}})
	r = h.MustRun(t, "upgrade", "--dry-run")
	for _, want := range []string{"upgrade dry-run: tip " + v2[:12], "would activate", "units added: b.service", "units removed: a.service"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("dry run output lacks %q:\n%s", want, r.Stdout)
		}
	}
	if now, _ := filepath.EvalSymlinks(profile); now != good {
		t.Fatal("dry run changed the profile")
	}

	bad := repo.Commit(t, testutil.NixSystem{Version: "broken"})
	r = h.Run(t.Context(), "upgrade")
	if r.Code != 1 || !strings.Contains(r.Stderr, "rolled back") || !strings.Contains(r.Stdout, "upgrade rolled-back") {
		t.Fatalf("broken commit: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	if now, _ := filepath.EvalSymlinks(profile); now != good {
		t.Fatalf("after rollback the profile is %s, want %s", now, good)
	}
	rec, _ = state.ReadRecord(h.StateDir, "upgrade")
	if rec.Result != state.ResultFailed || !strings.Contains(rec.Error, "not-broken") || !strings.Contains(fmt.Sprint(rec.Details["failed_commits"]), bad) {
		t.Fatalf("status record after rollback = %+v", rec)
	}
	acts := testutil.ReadActivations(t, actLog)
	if len(acts) != 3 || acts[2].StorePath != good {
		t.Fatalf("activations = %v", acts)
	}
	if _, err := os.Stat(filepath.Join(h.StateDir, "upgrade-state.json")); err != nil {
		t.Fatal(err)
	}
}
