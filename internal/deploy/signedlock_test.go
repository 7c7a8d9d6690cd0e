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

// A can_commit host signs the flake.lock commits it publishes with its
// signing key, so a host enforcing allowed_signers deploys a lock another
// host validated; an unsigned lock commit is refused there.
func TestSignedLockCommitAcceptedByEnforcingHost(t *testing.T) {
	t.Parallel()
	testutil.RequireProgram(t, "ssh-keygen")
	env, remote, dep, _ := lockFixture(t)
	keys := t.TempDir()
	key, pub := sshKey(t, keys, "builder-key")
	signers := filepath.Join(keys, "allowed_signers")
	if err := os.WriteFile(signers, []byte("builder@hearth.invalid namespaces=\"git\" "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	builder := newHost(t, env, "builder", remote.FileURL())
	builder.opts.CanCommit, builder.opts.UpdateInputs = true, true
	strict := newHost(t, env, "strict", remote.FileURL())
	strict.opts.AllowedSigners = signers
	builder.mustRound(t, deploy.OutcomeDeployed, nil)

	// Without a signing key the published lock commit is unsigned: refused.
	commitDep(t, dep, "dep-2")
	res := builder.mustRound(t, deploy.OutcomeDeployed, nil)
	unsigned := remote.Head(t, "main")
	if !res.LockPublished || res.LockCommit != unsigned {
		t.Fatalf("unsigned lock update: %+v", res)
	}
	res, err := strict.round(t, nil)
	if !errors.Is(err, deploy.ErrBadSignature) || res.Outcome != deploy.OutcomeRefused {
		t.Fatalf("an unsigned lock commit: %s, %v; want refused", res.Outcome, err)
	}

	// With one, the enforcing host deploys the lock the builder validated.
	builder.opts.SigningKey = key
	commitDep(t, dep, "dep-3")
	res = builder.mustRound(t, deploy.OutcomeDeployed, nil)
	signed := remote.Head(t, "main")
	if !res.LockPublished || res.LockCommit != signed || signed == unsigned {
		t.Fatalf("signed lock update: %+v", res)
	}
	res = strict.mustRound(t, deploy.OutcomeDeployed, nil)
	if res.Commit != signed || !strings.HasPrefix(res.Signer, "builder@hearth.invalid ") {
		t.Fatalf("enforcing host deployed %s signed by %q, want %s by builder@hearth.invalid", res.Commit, res.Signer, signed)
	}
	if strict.current(t) != builder.current(t) {
		t.Fatalf("enforcing host runs %s, the builder %s", strict.current(t), builder.current(t))
	}
}
