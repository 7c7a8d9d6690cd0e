package deploy_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// commitBrokenFlake commits a flake.nix nix cannot evaluate.
func commitBrokenFlake(t *testing.T, repo *testutil.NixSystemRepo) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(repo.Dir, "flake.nix"), []byte("{ outputs = { self }: { toplevel = undefined_variable; }; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, repo.Dir, "commit", "--quiet", "-am", "broken flake")
	return testutil.Git(t, repo.Dir, "rev-parse", "HEAD")
}

// Commits that fail to evaluate or to build deploy nothing, leave the
// profile and the checkout alone, and are not rebuilt next round.
func TestBrokenCommitsAreNotDeployed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		commit func(t *testing.T, repo *testutil.NixSystemRepo) string
		want   string // in the error
	}{
		{"fails to evaluate", commitBrokenFlake, "undefined variable"},
		{"fails to build", func(t *testing.T, repo *testutil.NixSystemRepo) string {
			return repo.Commit(t, testutil.NixSystem{Version: "bad", FailBuild: true})
		}, "build failure requested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := testutil.Nix(t)
			repo := testutil.NewNixSystemRepo(t, env)
			h := newHost(t, env, "desk", repo.Dir)
			checkout := filepath.Join(t.TempDir(), "nix-config")
			v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
			testutil.Git(t, "", "clone", "--quiet", repo.Dir, checkout)
			h.opts.Checkout = checkout
			h.mustRound(t, deploy.OutcomeDeployed, nil)
			good := h.current(t)

			bad := tt.commit(t, repo)
			res, err := h.round(t, nil)
			if !errors.Is(err, deploy.ErrBuild) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("round on %s: err = %v; want a build error naming the commit and %q", bad, err, tt.want)
			}
			if res.Outcome != deploy.OutcomeFailed || res.Commit != v1 {
				t.Fatalf("result = %+v", res)
			}
			if h.current(t) != good || len(h.activationLog(t)) != 1 {
				t.Fatalf("profile %s (want %s), activations %v", h.current(t), good, h.activationLog(t))
			}
			if got := testutil.Git(t, checkout, "rev-parse", "HEAD"); got != v1 {
				t.Fatalf("checkout moved to %s", got)
			}

			// Next round: remembered, not rebuilt, no nix at all.
			before := h.exec.nix.Load()
			res, err = h.round(t, nil)
			if !errors.Is(err, deploy.ErrKnownBad) || res.Outcome != deploy.OutcomeKnownBad {
				t.Fatalf("second round: %s, %v; want known-bad", res.Outcome, err)
			}
			if n := h.exec.nix.Load() - before; n != 0 {
				t.Fatalf("a known-bad commit was rebuilt (%d nix runs)", n)
			}
			if len(res.Failed) != 1 || res.Failed[0].Commit != bad || res.Failed[0].Stage != "build" {
				t.Fatalf("failed commits = %+v", res.Failed)
			}

			// A fix on top deploys.
			fix := repo.Commit(t, testutil.NixSystem{Version: "v2"})
			res = h.mustRound(t, deploy.OutcomeDeployed, nil)
			if res.Commit != fix || h.current(t) == good {
				t.Fatalf("fix not deployed: %+v", res)
			}
		})
	}
}

// A force-pushed branch is refused, naming both commits; --accept-rewrite
// deploys it, and later commits on the new history deploy normally.
func TestHistoryRewrite(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	h.mustRound(t, deploy.OutcomeDeployed, nil)
	deployed := h.current(t)

	testutil.Git(t, repo.Dir, "reset", "--quiet", "--hard", v1)
	rewritten := repo.Commit(t, testutil.NixSystem{Version: "v2-rewritten"})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrRewrite) || !strings.Contains(err.Error(), rewritten) || !strings.Contains(err.Error(), v2) {
		t.Fatalf("rewrite: err = %v; want ErrRewrite naming %s and %s", err, rewritten, v2)
	}
	if res.Outcome != deploy.OutcomeRefused || h.current(t) != deployed || len(h.activationLog(t)) != 1 {
		t.Fatalf("refused rewrite changed the system: %+v", res)
	}
	res = h.mustRound(t, deploy.OutcomeDeployed, func(o *deploy.Options) { o.AcceptRewrite = true })
	if res.Commit != rewritten {
		t.Fatalf("accept-rewrite deployed %s, want %s", res.Commit, rewritten)
	}
	v3 := repo.Commit(t, testutil.NixSystem{Version: "v3"})
	if res := h.mustRound(t, deploy.OutcomeDeployed, nil); res.Commit != v3 {
		t.Fatalf("after accepting the rewrite, %s deployed instead of %s", res.Commit, v3)
	}
}

// sshKey makes an ed25519 key pair with ssh-keygen and returns the private
// key path and the public key line.
func sshKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	key := filepath.Join(dir, name)
	out, err := runProgram(dir, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key)
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return key, strings.TrimSpace(string(pub))
}

// signTip re-signs the tip commit of repo with key (same tree, same parent).
func signTip(t *testing.T, repo *testutil.NixSystemRepo, key string) string {
	t.Helper()
	testutil.Git(t, repo.Dir, "-c", "gpg.format=ssh", "-c", "user.signingkey="+key, "commit", "--quiet", "--amend", "--no-edit", "-S")
	return testutil.Git(t, repo.Dir, "rev-parse", "HEAD")
}

// With allowed_signers, unsigned commits and commits signed by an unknown
// key are refused; a commit signed by a listed key deploys.
func TestSignedCommits(t *testing.T) {
	t.Parallel()
	testutil.RequireProgram(t, "ssh-keygen")
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	keys := t.TempDir()
	trusted, trustedPub := sshKey(t, keys, "trusted")
	stranger, _ := sshKey(t, keys, "stranger")
	signers := filepath.Join(keys, "allowed_signers")
	if err := os.WriteFile(signers, []byte("admin@example.invalid namespaces=\"git\" "+trustedPub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.opts.AllowedSigners = signers

	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	v1 := signTip(t, repo, trusted)
	res := h.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != v1 || !strings.HasPrefix(res.Signer, "admin@example.invalid ") {
		t.Fatalf("signed commit: %+v", res)
	}
	good := h.current(t)

	unsigned := repo.Commit(t, testutil.NixSystem{Version: "unsigned"})
	res, err := h.round(t, nil)
	if !errors.Is(err, deploy.ErrBadSignature) || !strings.Contains(err.Error(), unsigned) || res.Outcome != deploy.OutcomeRefused {
		t.Fatalf("unsigned commit: %s, %v", res.Outcome, err)
	}
	repo.Commit(t, testutil.NixSystem{Version: "stranger"})
	strange := signTip(t, repo, stranger)
	res, err = h.round(t, nil)
	if !errors.Is(err, deploy.ErrBadSignature) || !strings.Contains(err.Error(), strange) || res.Outcome != deploy.OutcomeRefused {
		t.Fatalf("commit signed by an unknown key: %s, %v", res.Outcome, err)
	}
	if h.current(t) != good || len(h.activationLog(t)) != 1 {
		t.Fatal("a refused commit changed the system")
	}
	repo.Commit(t, testutil.NixSystem{Version: "v2"})
	v2 := signTip(t, repo, trusted)
	if res := h.mustRound(t, deploy.OutcomeDeployed, nil); res.Commit != v2 {
		t.Fatalf("signed v2: deployed %s", res.Commit)
	}
}
