package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// nobody is the unprivileged uid that plays the local user.
const nobody = 65534

// TestUpgradeRefusesCheckoutOwnedByUser: root's `hearth upgrade` with
// system.checkout pointing at a clone a user owns, whose hooks, fsmonitor
// and smudge filter each write a marker. No marker may appear (nothing of
// the user's ran as root) and the upgrade refuses, naming the owner.
func TestUpgradeRefusesCheckoutOwnedByUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the checkout to another uid")
	}
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := clitest.NewHost(t, "desk")
	for _, kv := range append(env.Vars, testutil.ActivationLogEnv+"="+filepath.Join(h.Root, "activations")) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	checkout := filepath.Join(t.TempDir(), "nixos")
	testutil.Git(t, "", "clone", "-q", repo.Dir, checkout)
	repo.Commit(t, testutil.NixSystem{Version: "v2"})

	markers := t.TempDir()
	script := func(name string) string {
		p := filepath.Join(checkout, ".git", "hearth-test-"+name)
		body := fmt.Sprintf("#!/bin/sh\nid -u > %s/%s\ncat\n", markers, name)
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, hook := range []string{"reference-transaction", "post-checkout", "post-merge", "pre-commit"} {
		if err := os.WriteFile(filepath.Join(checkout, ".git", "hooks", hook), []byte(fmt.Sprintf("#!/bin/sh\nid -u > %s/%s\n", markers, hook)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testutil.Git(t, checkout, "config", "core.fsmonitor", script("fsmonitor"))
	testutil.Git(t, checkout, "config", "filter.x.smudge", script("smudge"))
	testutil.Git(t, checkout, "config", "filter.x.clean", script("clean"))
	for _, f := range []string{filepath.Join(checkout, ".gitattributes"), filepath.Join(checkout, ".git", "info", "attributes")} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("* filter=x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	chownTree(t, checkout, nobody)

	profile := filepath.Join(env.ProfilesDir, "system")
	h.WriteConfig(t, fmt.Sprintf(`
[system]
remote = %q
checkout = %q
attr = "toplevel"
profile = %q
booted_system = %q
current_system = %q
confirm_timeout = "1s"
`, repo.Dir, checkout, profile, filepath.Join(h.Root, "run/booted-system"), filepath.Join(h.Root, "run/current-system")))

	r := h.Run(t.Context(), "upgrade")
	ran, _ := os.ReadDir(markers)
	for _, m := range ran {
		t.Errorf("the user's %s ran as root", m.Name())
	}
	if r.Code != 1 || !strings.Contains(r.Stderr, checkout) || !strings.Contains(r.Stderr, "uid 65534") {
		t.Fatalf("upgrade with a user's checkout: exit %d, want 1 naming %s and its owner\n%s\n%s", r.Code, checkout, r.Stdout, r.Stderr)
	}
	if _, err := os.Lstat(profile); err == nil {
		t.Error("the upgrade deployed although it refused the checkout")
	}
}

func chownTree(t *testing.T, root string, uid int) {
	t.Helper()
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}
