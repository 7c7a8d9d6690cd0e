package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestTemplateEditInHomeIsHeldAndListed: a home edit of a template's output
// cannot be captured; sync keeps it (never overwritten) and status and diff
// list it with the reason, while plain-file edits still propagate.
func TestTemplateEditInHomeIsHeldAndListed(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	profile := filepath.Join(a.Home, ".profile")
	if err := os.WriteFile(profile, []byte("# hand edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	appendFile(t, filepath.Join(a.Home, ".bashrc"), "# plain edit\n")
	out := a.MustRun(t, "sync").Stdout
	if !strings.Contains(out, "held .profile") {
		t.Errorf("sync does not report the held template target:\n%s", out)
	}
	if got := readFile(t, profile); got != "# hand edit\n" {
		t.Fatalf("held target overwritten: %q", got)
	}
	st := a.MustRun(t, "status").Stdout
	if !strings.Contains(st, "held .profile: template") {
		t.Errorf("status does not list the held target with its reason:\n%s", st)
	}
	if d := a.MustRun(t, "diff").Stdout; !strings.Contains(d, "held .profile") {
		t.Errorf("diff does not list the held target:\n%s", d)
	}
	b.MustRun(t, "sync")
	if !strings.Contains(readFile(t, filepath.Join(b.Home, ".bashrc")), "# plain edit") {
		t.Error("plain edit did not propagate")
	}
	if got := readFile(t, filepath.Join(b.Home, ".profile")); got != "# b\n" {
		t.Errorf("held edit leaked to another host: %q", got)
	}
}
