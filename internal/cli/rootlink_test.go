package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestChezmoirootSymlinkOutOfTheTree: the remote turns the .chezmoiroot
// directory r into a symlink to a directory outside the work tree holding
// a root-only file. The file never reaches home, a home edit of the target
// the real r used to manage never writes through the link, status holds
// the source naming the link, and exit status stays 0.
func TestChezmoirootSymlinkOutOfTheTree(t *testing.T) {
	testutil.RequireProgram(t, "git")
	outside := t.TempDir()
	const secret = "root-only-secret\n"
	if err := os.WriteFile(filepath.Join(outside, "dot_secret"), []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "dot_shadow"), []byte("shadow\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{".chezmoiroot": "r\n", "r/dot_secret": "mine\n", "r/dot_bashrc": "plain\n"})
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	if got := readFile(t, filepath.Join(h.Home, ".secret")); got != "mine\n" {
		t.Fatalf(".secret = %q before the attack", got)
	}
	pushTree(t, r, nil, map[string]string{"r": outside}, "r")
	h.MustRun(t, "sync")
	if err := os.WriteFile(filepath.Join(h.Home, ".secret"), []byte("home edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.MustRun(t, "sync")
	h.MustRun(t, "apply")
	if got := readFile(t, filepath.Join(outside, "dot_secret")); got != secret {
		t.Errorf("the file outside the work tree was written through the link: %q", got)
	}
	if _, err := os.Lstat(filepath.Join(h.Home, ".shadow")); err == nil {
		t.Error("a file from outside the work tree was copied into home")
	}
	if got := readFile(t, filepath.Join(h.Home, ".secret")); got != "home edit\n" {
		t.Errorf("home edit lost: %q", got)
	}
	if reason := heldTargets(t, h)["."]; !strings.Contains(reason, "symlink") {
		t.Errorf("status does not hold the source naming the symlink: %q", reason)
	}
}
