package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestEditOfAFileTheRemoteDeletedStaysLive: a conflict on dot_notes left a
// sidecar (the loser's whole file), then the file was deleted on the
// remote; a host that edited ~/.notes meanwhile syncs. Modify against
// delete keeps the modification live, and every conflict entry can be
// shown and kept. git's rename detection must not take the deletion plus
// the similar sidecar for a rename and carry the edit into the sidecar
// (TestCrashCampaign met it: an entry inside .hearth-conflicts that its
// own check refuses, so the only way out, --keep live, drops the edit).
func TestEditOfAFileTheRemoteDeletedStaysLive(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	var notes strings.Builder
	for i := range 10 {
		notes.WriteString("note line " + string(rune('0'+i)) + "\n")
	}
	r.SeedMain(t, map[string]string{"dot_notes": notes.String(), "dot_bashrc": "export A=1\n"})
	hs := dotfileHosts(t, r.FileURL(), "a", "b", "c")
	for _, h := range hs {
		h.MustRun(t, "sync")
	}
	// a and b change the same line (appends alone would both be kept);
	// c appends.
	lastLine := "note line 9\n"
	writeFile(t, filepath.Join(hs[0].Home, ".notes"), strings.Replace(notes.String(), lastLine, "note line 9 # from a\n", 1))
	writeFile(t, filepath.Join(hs[1].Home, ".notes"), strings.Replace(notes.String(), lastLine, "note line 9 # from b\n", 1))
	appendFile(t, filepath.Join(hs[2].Home, ".notes"), "# from c\n")
	hs[0].MustRun(t, "sync")
	hs[1].MustRun(t, "sync") // settles a against b: one sidecar of dot_notes
	if ids := listedIDs(t, hs[1]); len(ids) != 1 {
		t.Fatalf("want one conflict after a and b, got %v", ids)
	}
	// Somebody removes the file from the dotfiles.
	work := filepath.Join(t.TempDir(), "elsewhere")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
	testutil.Git(t, work, "rm", "--quiet", "dot_notes")
	testutil.Git(t, work, "commit", "--quiet", "-m", "drop notes")
	testutil.Git(t, work, "push", "--quiet", "origin", "main")

	c := hs[2]
	c.MustRun(t, "sync")
	src := filepath.Join(c.Root, "source")
	m, err := syncer.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, cf := range m.Conflicts {
		if err := syncer.Check(src, cf); err != nil {
			t.Errorf("conflict %s on %s (sidecar %s) cannot be shown or kept: %v", cf.ID, cf.Path, cf.Sidecar, err)
		}
	}
	if home := readFileOr(filepath.Join(c.Home, ".notes")); !strings.Contains(home, "# from c\n") {
		t.Errorf("c's edit is gone from c's home: %q", home)
	}
	live := readFileOr(filepath.Join(src, "dot_notes"))
	if !strings.Contains(live, "# from c\n") {
		t.Errorf("c's edit is not live in dot_notes (modify against delete keeps the modification): %q", live)
		for _, cf := range m.Conflicts {
			t.Logf("entry %s: path %s sidecar %s", cf.ID, cf.Path, cf.Sidecar)
		}
		t.Logf("tree:\n%s", testutil.Git(t, src, "ls-files"))
	}
}
