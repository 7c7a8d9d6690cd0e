package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestEditOfAFileTheRemoteMadeADir: the remote turns dot_notes into a
// directory while a host edited ~/.notes. The host's version must be kept
// as hearth keeps a displaced version (a sidecar listed in the manifest),
// not left where git's merge puts the loser of a file/directory conflict,
// dot_notes~<commit>: that name is a new dotfile (~/.notes~<commit>) on
// every host, listed nowhere (TestCrashCampaign met it; with a link in
// place of the dir, the link lives on under the new name).
func TestEditOfAFileTheRemoteMadeADir(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_notes": "notes\n", "dot_bashrc": "export A=1\n"})
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	appendFile(t, filepath.Join(h.Home, ".notes"), "# from a\n")

	work := filepath.Join(t.TempDir(), "elsewhere")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
	testutil.Git(t, work, "rm", "--quiet", "dot_notes")
	writeFile(t, filepath.Join(work, "dot_notes", "inner"), "now a dir\n")
	testutil.Git(t, work, "add", "--all")
	testutil.Git(t, work, "commit", "--quiet", "-m", "notes become a dir")
	testutil.Git(t, work, "push", "--quiet", "origin", "main")

	h.MustRun(t, "sync")
	src := filepath.Join(h.Root, "source")
	for _, f := range strings.Split(testutil.Git(t, src, "ls-files"), "\n") {
		if strings.Contains(f, "~") && !strings.HasPrefix(f, syncer.ConflictDir+"/") {
			t.Errorf("merge left %s in the source: a new dotfile on every host, in no manifest", f)
		}
	}
	m, err := syncer.ReadManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, cf := range m.Conflicts {
		if err := syncer.Check(src, cf); err != nil {
			t.Errorf("conflict %s on %s cannot be shown or kept: %v", cf.ID, cf.Path, err)
		}
		if cf.Path == "dot_notes" && strings.Contains(readFileOr(filepath.Join(src, cf.Sidecar)), "# from a\n") {
			kept = true
		}
	}
	if !kept {
		t.Errorf("a's edit of ~/.notes is not in a listed sidecar of dot_notes: %+v", m.Conflicts)
	}
	// The home's file is held (not a directory in home) until the user
	// settles it; the next round changes nothing and exits 0.
	h.MustRun(t, "sync")
}
