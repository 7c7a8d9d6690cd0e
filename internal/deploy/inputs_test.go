package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// withInput rewrites the test system's flake so that its version comes from
// an input flake in git repository dep.
func withInput(t *testing.T, repo *testutil.NixSystemRepo, dep string) {
	t.Helper()
	p := filepath.Join(repo.Dir, "flake.nix")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, repl := range map[string]string{
		"outputs = { self }:":               "inputs.dep.url = \"git+file://" + dep + "\";\n  outputs = { self, dep }:",
		"version = \"" + "base" + "\";":     "version = dep.version;",
		"\"nixos-system-test-\" + \"base\"": "\"nixos-system-test-\" + dep.version",
	} {
		if !strings.Contains(s, old) {
			t.Fatalf("test flake has no %q:\n%s", old, s)
		}
		s = strings.Replace(s, old, repl, 1)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func commitDep(t *testing.T, dep, version string) string {
	t.Helper()
	flake := "{ outputs = { self }: { version = \"" + version + "\"; }; }\n"
	if err := os.WriteFile(filepath.Join(dep, "flake.nix"), []byte(flake), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, dep, "add", "flake.nix")
	testutil.Git(t, dep, "commit", "--quiet", "-m", version)
	return testutil.Git(t, dep, "rev-parse", "HEAD")
}

// lockFixture makes a remote holding a test system whose version comes from
// the input flake dep (at dep-1, locked), and returns the remote's tip.
func lockFixture(t *testing.T) (testutil.NixEnv, *testutil.Remote, string, string) {
	t.Helper()
	env := testutil.Nix(t)
	remote := testutil.NewRemote(t)
	dep := t.TempDir()
	testutil.Git(t, dep, "init", "--quiet", "--initial-branch=main")
	commitDep(t, dep, "dep-1")

	repo := testutil.NewNixSystemRepo(t, env)
	repo.Commit(t, testutil.NixSystem{Version: "base"})
	withInput(t, repo, dep)
	cmd := env.Command("nix", "flake", "lock", repo.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nix flake lock: %v\n%s", err, out)
	}
	testutil.Git(t, repo.Dir, "add", "flake.nix", "flake.lock")
	testutil.Git(t, repo.Dir, "commit", "--quiet", "-m", "system with an input")
	v1 := testutil.Git(t, repo.Dir, "rev-parse", "HEAD")
	testutil.Git(t, repo.Dir, "push", "--quiet", remote.FileURL(), "main")
	return env, remote, dep, v1
}

// A can_commit host with update_inputs updates the lock, builds and deploys
// it, and only then publishes it; another host deploys that same commit.
func TestLockUpdatePublishedAndDeployedElsewhere(t *testing.T) {
	t.Parallel()
	env, remote, dep, v1 := lockFixture(t)

	builder := newHost(t, env, "builder", remote.FileURL())
	builder.opts.CanCommit, builder.opts.UpdateInputs = true, true
	other := newHost(t, env, "laptop", remote.HTTPURL())

	// Inputs unchanged: the builder deploys the tip as it is, publishes nothing.
	res := builder.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != v1 || res.LockCommit != "" || remote.Head(t, "main") != v1 {
		t.Fatalf("round with current inputs: %+v", res)
	}
	oldLock := testutil.Git(t, remote.Dir, "show", "main:flake.lock")

	dep2 := commitDep(t, dep, "dep-2")
	res = builder.mustRound(t, deploy.OutcomeDeployed, nil)
	tip := remote.Head(t, "main")
	if !res.LockPublished || res.LockCommit != tip || res.Commit != tip || tip == v1 {
		t.Fatalf("lock update: %+v; remote main %s", res, tip)
	}
	if parent := testutil.Git(t, remote.Dir, "rev-parse", tip+"^"); parent != v1 {
		t.Fatalf("lock commit's parent = %s, want %s", parent, v1)
	}
	newLock := testutil.Git(t, remote.Dir, "show", "main:flake.lock")
	if newLock == oldLock || !strings.Contains(newLock, dep2) {
		t.Fatalf("published lock does not lock dep at %s:\n%s", dep2, newLock)
	}
	if changed := testutil.Git(t, remote.Dir, "diff", "--name-only", v1, tip); changed != "flake.lock" {
		t.Fatalf("lock commit changed %q, want only flake.lock", changed)
	}
	if b, err := os.ReadFile(filepath.Join(builder.current(t), "version")); err != nil || strings.TrimSpace(string(b)) != "dep-2" {
		t.Fatalf("builder runs version %q (%v), want dep-2", b, err)
	}

	// The other host receives a lock that already built and deploys the same system.
	res = other.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != tip || other.current(t) != builder.current(t) {
		t.Fatalf("other host deployed %s → %s; builder runs %s", res.Commit, other.current(t), builder.current(t))
	}
	// And the builder's next round, with nothing new, is a no-op.
	builder.mustRound(t, deploy.OutcomeNoop, nil)
}

// hookExec runs programs for real and calls before() once, ahead of the
// first switch-to-configuration: a moment after the round fetched and
// before it publishes.
type hookExec struct {
	once   *sync.Once
	before func()
}

func (h hookExec) Run(ctx context.Context, c nixsys.Cmd) error {
	if strings.HasSuffix(c.Path, "/bin/switch-to-configuration") {
		h.once.Do(h.before)
	}
	return nixsys.OSExecutor{}.Run(ctx, c)
}

// Another host pushes while the builder deploys its lock update: the
// builder's lease fails, and it publishes the same lock on top of the new
// tip; its next round deploys that commit.
func TestLockPublishRetriesAfterLostRace(t *testing.T) {
	t.Parallel()
	env, remote, dep, v1 := lockFixture(t)
	builder := newHost(t, env, "builder", remote.FileURL())
	builder.opts.CanCommit, builder.opts.UpdateInputs = true, true
	builder.mustRound(t, deploy.OutcomeDeployed, nil)

	var other string
	builder.opts.Nix = nixsys.New(nixsys.Options{
		Env: append(append([]string(nil), env.Vars...), testutil.ActivationLogEnv+"="+builder.activations),
		Exec: hookExec{once: &sync.Once{}, before: func() {
			other = remote.SeedMain(t, map[string]string{"README": "another host's edit\n"})
		}},
	})
	dep2 := commitDep(t, dep, "dep-2")
	res := builder.mustRound(t, deploy.OutcomeDeployed, nil)
	tip := remote.Head(t, "main")
	if other == "" || !res.LockPublished || res.LockCommit != tip {
		t.Fatalf("publish after a lost race: %+v; remote %s, other %s", res, tip, other)
	}
	if parent := testutil.Git(t, remote.Dir, "rev-parse", tip+"^"); parent != other {
		t.Fatalf("lock commit's parent = %s, want the other host's %s", parent, other)
	}
	if lock := testutil.Git(t, remote.Dir, "show", "main:flake.lock"); !strings.Contains(lock, dep2) {
		t.Fatalf("published lock does not lock %s", dep2)
	}
	if readme := testutil.Git(t, remote.Dir, "show", "main:README"); readme != "another host's edit" {
		t.Fatalf("the other host's edit was lost: %q", readme)
	}
	if res.Commit == tip || res.Commit == v1 {
		t.Fatalf("builder should run its own (unpublished) lock commit, runs %s", res.Commit)
	}
	// Next round: the published commit descends from what the builder
	// accepted, so it is no rewrite; it deploys.
	res = builder.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != tip || res.LockCommit != "" {
		t.Fatalf("round after the race: %+v, want %s", res, tip)
	}
	builder.mustRound(t, deploy.OutcomeNoop, nil)
}
