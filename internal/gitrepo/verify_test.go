package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestVerifyCommit(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	aliceKey, alicePub := testutil.SSHKey(t, "alice")
	malloryKey, _ := testutil.SSHKey(t, "mallory")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("alice@example.com "+alicePub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := commitFiles(t, r, "", map[string]*string{"a": s("a\n")}, testAuthor.When)
	signed := func(key string) string {
		testutil.Git(t, r.WorkTree, "-c", "gpg.format=ssh", "-c", "user.signingkey="+key,
			"commit", "--quiet", "--allow-empty", "-S", "-m", "signed by "+filepath.Base(key))
		return testutil.Git(t, r.WorkTree, "rev-parse", "HEAD")
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", base, "", "t"); err != nil {
		t.Fatal(err)
	}
	byAlice := signed(aliceKey)
	byMallory := signed(malloryKey)
	tests := []struct {
		name    string
		commit  string
		allowed string
		want    string // principal
		wantErr string
	}{
		{name: "signed by an allowed key", commit: byAlice, allowed: allowed, want: "alice@example.com"},
		{name: "unsigned", commit: base, allowed: allowed, wantErr: "no SSH signature"},
		{name: "signed by an unknown key", commit: byMallory, allowed: allowed, wantErr: "principal"},
		{name: "missing allowed signers file", commit: byAlice, allowed: filepath.Join(t.TempDir(), "none"), wantErr: "allowed signers file"},
		{name: "option-like revision", commit: "--help", allowed: allowed, wantErr: "invalid revision"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := r.VerifyCommit(ctx, tt.commit, tt.allowed)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("VerifyCommit = %+v, %v; want error containing %q", signer, err, tt.wantErr)
				}
				if strings.HasPrefix(tt.commit, "-") {
					return
				}
				if !strings.Contains(err.Error(), tt.commit) {
					t.Errorf("error %q does not name the commit", err)
				}
				if tt.name != "missing allowed signers file" && !errors.Is(err, ErrBadSignature) {
					t.Errorf("error %q is not ErrBadSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if signer.Principal != tt.want || !strings.HasPrefix(signer.Fingerprint, "SHA256:") || signer.KeyType != "ED25519" {
				t.Errorf("signer = %+v, want principal %s with an ED25519 fingerprint", signer, tt.want)
			}
		})
	}
}

// Without ssh-keygen nothing can be verified, and that is not the commit's fault.
func TestVerifyCommitWithoutSSHKeygen(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	key, pub := testutil.SSHKey(t, "alice")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("alice@example.com "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := commitFiles(t, r, "", map[string]*string{"a": s("a\n")}, testAuthor.When)
	if err := r.UpdateRef(ctx, "refs/heads/main", base, "", "t"); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, r.WorkTree, "-c", "gpg.format=ssh", "-c", "user.signingkey="+key, "commit", "--quiet", "--allow-empty", "-S", "-m", "signed")
	signed := testutil.Git(t, r.WorkTree, "rev-parse", "HEAD")

	bin := t.TempDir()
	git := testutil.RequireProgram(t, "git")
	if err := os.Symlink(git, filepath.Join(bin, "git")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	_, err := r.VerifyCommit(ctx, signed, allowed)
	if err == nil || errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "ssh-keygen") {
		t.Errorf("VerifyCommit without ssh-keygen: %v; want a plain error naming ssh-keygen", err)
	}
}
