package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// breakBeyondRepair deletes an object only this clone has (a tag keeps it
// wanted) and tears the index, as the rescue tests do.
func breakBeyondRepair(t *testing.T, source string) {
	t.Helper()
	lost := filepath.Join(t.TempDir(), "lost")
	writeFile(t, lost, "only this clone ever had it\n")
	blob := testutil.Git(t, source, "hash-object", "-w", lost)
	testutil.Git(t, source, "tag", "only-here", blob)
	if err := os.Remove(filepath.Join(source, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(source, ".git", "index"), 10); err != nil {
		t.Fatal(err)
	}
}

// TestCloneBeyondRepairKeepsTheHomeEditOfThatRound: a home edit made just
// before the round that finds the clone beyond repair was captured into
// the old work tree, not committed (the round stopped at the corruption),
// and the re-clone dropped it: apply then wrote the remote's version over
// home. The edit must reach the remote and stay in home.
func TestCloneBeyondRepairKeepsTheHomeEditOfThatRound(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	b := dotfileHosts(t, r.HTTPURL(), "b")[0]
	b.MustRun(t, "sync")
	appendFile(t, filepath.Join(b.Home, ".bashrc"), "# edit of the corrupt round\n")
	source := filepath.Join(b.Root, "source")
	breakBeyondRepair(t, source)
	if res := b.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("sync over a clone beyond repair: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	b.MustRun(t, "sync")
	home := readFileOr(filepath.Join(b.Home, ".bashrc"))
	remote := testutil.Git(t, r.Dir, "show", "main:dot_bashrc")
	if !strings.Contains(home, "# edit of the corrupt round") {
		t.Errorf("home lost the edit: %q", home)
	}
	if !strings.Contains(remote, "# edit of the corrupt round") {
		t.Errorf("remote lacks the edit: %q", remote)
	}
}
