package deploy_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// A good commit deploys; the same tip again costs one fetch and no nix; the
// next commit becomes a new generation and the working checkout follows.
func TestGoodCommitsDeploy(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	checkout := filepath.Join(t.TempDir(), "nix-config")
	testutil.Git(t, "", "clone", "--quiet", repo.Dir, checkout)
	h.opts.Checkout = checkout

	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1", Services: []string{"sshd.service"}})
	res := h.mustRound(t, deploy.OutcomeDeployed, nil)
	out1 := buildOf(t, env, repo, v1)
	if res.Commit != v1 || res.StorePath != out1 || h.current(t) != out1 {
		t.Fatalf("after round 1: commit %s store %s profile %s; want %s %s", res.Commit, res.StorePath, h.current(t), v1, out1)
	}
	wantActivations(t, h.activationLog(t), sw(out1))
	if st := h.state(t); st.Deployed != v1 || st.StorePath != out1 || st.Generation != res.Generation || res.Generation == 0 {
		t.Fatalf("state after round 1 = %+v (result generation %d)", st, res.Generation)
	}
	h.boot(t)

	// No-op: tip unchanged → no nix program runs at all. A flake-update
	// work tree left by a killed round is cleaned up.
	leftover := filepath.Join(h.stateDir, "flake-update-123")
	if err := os.MkdirAll(filepath.Join(leftover, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := h.exec.nix.Load()
	res = h.mustRound(t, deploy.OutcomeNoop, nil)
	if n := h.exec.nix.Load() - before; n != 0 {
		t.Fatalf("no-op round ran nix %d times", n)
	}
	if res.Commit != v1 {
		t.Fatalf("no-op round reports commit %s, want %s", res.Commit, v1)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover %s not removed (%v)", leftover, err)
	}

	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2", Services: []string{"sshd.service", "web.service"}})
	res = h.mustRound(t, deploy.OutcomeDeployed, nil)
	out2 := buildOf(t, env, repo, v2)
	if h.current(t) != out2 || res.PreviousStorePath != out1 {
		t.Fatalf("profile %s previous %s; want %s after %s", h.current(t), res.PreviousStorePath, out2, out1)
	}
	if res.Units == nil || !slices.Equal(res.Units.Added, []string{"web.service"}) || !slices.Equal(res.Units.Kept, []string{"sshd.service"}) {
		t.Fatalf("unit diff = %+v", res.Units)
	}
	gens, err := h.nix.Generations(h.profile)
	if err != nil || len(gens) != 2 {
		t.Fatalf("generations = %+v, %v; want 2", gens, err)
	}
	wantActivations(t, h.activationLog(t), sw(out1), sw(out2))
	if got := testutil.Git(t, checkout, "rev-parse", "HEAD"); got != v2 {
		t.Fatalf("checkout HEAD = %s, want %s (%s)", got, v2, res.Checkout)
	}
	if res.RebootNeeded != nil {
		t.Fatalf("same kernel, initrd and modules: reboot needed %v", res.RebootNeeded)
	}

	// A commit that builds the running system activates nothing.
	h.boot(t)
	testutil.Git(t, repo.Dir, "commit", "--quiet", "--allow-empty", "-m", "docs only")
	v3 := testutil.Git(t, repo.Dir, "rev-parse", "HEAD")
	res = h.mustRound(t, deploy.OutcomeUnchanged, nil)
	if res.Commit != v3 || h.current(t) != out2 {
		t.Fatalf("unchanged round: commit %s profile %s", res.Commit, h.current(t))
	}
	if n := len(h.activationLog(t)); n != 2 {
		t.Fatalf("unchanged round activated: %v", h.activationLog(t))
	}
}

// Kernel, initrd or modules that differ from the booted system are reported.
func TestRebootNeeded(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	h.boot(t)
	repo.Commit(t, testutil.NixSystem{Version: "v2", Kernel: "2"})
	res := h.mustRound(t, deploy.OutcomeDeployed, nil)
	if !slices.Equal(res.RebootNeeded, []string{"kernel"}) {
		t.Fatalf("reboot needed = %v, want [kernel]", res.RebootNeeded)
	}
}

// A corrupt state file is reported and rebuilt from the mirror's deployed
// ref and the profile, not a crash and not a redeploy; a broken mirror is
// made again.
func TestCorruptStateAndMirrorRebuilt(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	if err := os.WriteFile(filepath.Join(h.stateDir, deploy.StateFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.mustRound(t, deploy.OutcomeNoop, nil)
	if !res.StateRebuilt || res.Commit != v1 {
		t.Fatalf("rebuilt = %v, commit %s; want rebuilt at %s", res.StateRebuilt, res.Commit, v1)
	}
	if st := h.state(t); st.Deployed != v1 || st.StorePath != h.current(t) {
		t.Fatalf("rebuilt state = %+v", st)
	}

	// A mirror git cannot open is only a cache: moved aside and fetched again.
	mirror := filepath.Join(h.stateDir, deploy.MirrorDir)
	if err := os.Remove(filepath.Join(mirror, "HEAD")); err != nil {
		t.Fatal(err)
	}
	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	if res := h.mustRound(t, deploy.OutcomeDeployed, nil); res.Commit != v2 {
		t.Fatalf("after recreating the mirror: %+v", res)
	}
	if aside, _ := filepath.Glob(mirror + ".broken-*"); len(aside) != 1 {
		t.Fatalf("broken mirror not kept aside: %v", aside)
	}
}

// An unreachable remote ends the round quietly.
func TestOfflineRemote(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	h := newHost(t, env, "desk", filepath.Join(t.TempDir(), "gone"))
	res, err := h.round(t, nil)
	if err != nil || res.Outcome != deploy.OutcomeOffline {
		t.Fatalf("offline round: %+v, %v", res, err)
	}
	if errors.Is(err, deploy.ErrBuild) || h.current(t) != "" {
		t.Fatal("offline round changed the system")
	}
}

// An object of the mirror left empty by a power cut is repaired from the
// remote, and the round goes on to deploy.
func TestEmptyObjectInMirrorRepaired(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	obj := filepath.Join(h.stateDir, deploy.MirrorDir, "objects", v1[:2], v1[2:])
	if err := os.Truncate(obj, 0); err != nil {
		t.Fatalf("the deployed commit is not a loose object of the mirror: %v", err)
	}
	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	if res := h.mustRound(t, deploy.OutcomeDeployed, nil); res.Commit != v2 {
		t.Fatalf("round over a damaged mirror: %+v, want %s deployed", res, v2)
	}
	if out, err := testutil.GitErr(filepath.Join(h.stateDir, deploy.MirrorDir), "fsck", "--no-dangling", "--no-progress"); err != nil || out != "" {
		t.Errorf("git fsck of the mirror: %v\n%s", err, out)
	}
}
