package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestTargetBackFromALinkKeepsBothSidesEdits: the remote turns dot_bashrc
// into a link out of the tree (a target hearth then leaves alone: its
// record goes), a host edits the home file meanwhile, and the remote puts
// the file back with an edit of its own. The home file has no record to
// merge against, so it is held, and each side's edit stays where it is:
// the home's in the home, the remote's in the source file, which hearth
// diff shows. TestCrashCampaign ends in this state (held targets after
// convergence) and counted the source's edits as lost because it looked
// only in homes and sidecars.
func TestTargetBackFromALinkKeepsBothSidesEdits(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	work := filepath.Join(t.TempDir(), "elsewhere")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
	push := func(msg string) {
		testutil.Git(t, work, "add", "--all")
		testutil.Git(t, work, "commit", "--quiet", "-m", msg)
		testutil.Git(t, work, "push", "--quiet", "origin", "main")
	}
	victim := filepath.Join(t.TempDir(), "victim")
	writeFile(t, victim, "victim\n")
	if err := os.Remove(filepath.Join(work, "dot_bashrc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(work, "dot_bashrc")); err != nil {
		t.Fatal(err)
	}
	push("plant a link")
	h.MustRun(t, "sync")

	appendFile(t, filepath.Join(h.Home, ".bashrc"), "# home-tok\n")
	h.MustRun(t, "sync")
	if err := os.Remove(filepath.Join(work, "dot_bashrc")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(work, "dot_bashrc"), dotfilesSeed["dot_bashrc"]+"# remote-tok\n")
	push("take the link back, with an edit")
	for range 2 {
		h.MustRun(t, "sync")
	}

	if home := readFile(t, filepath.Join(h.Home, ".bashrc")); !strings.Contains(home, "# home-tok\n") {
		t.Errorf("the home edit is gone from the home file:\n%s", home)
	}
	if src := readFile(t, filepath.Join(h.Root, "source", "dot_bashrc")); !strings.Contains(src, "# remote-tok\n") {
		t.Errorf("the remote's edit is gone from the source file:\n%s", src)
	}
	if lost := lostEdits(t, []*clitest.Host{h}, []string{"home-tok", "remote-tok"}); len(lost) > 0 {
		t.Errorf("lost: %v", lost)
	}
	if diff := h.Run(t.Context(), "diff"); !strings.Contains(diff.Stdout, "+# remote-tok") {
		t.Errorf("hearth diff does not show the source's edit of the held target (exit %d):\n%s%s", diff.Code, diff.Stdout, diff.Stderr)
	}
	if readFile(t, victim) != "victim\n" {
		t.Error("the victim changed")
	}
}
