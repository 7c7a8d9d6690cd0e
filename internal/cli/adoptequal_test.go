package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestLostRecordsOfEqualHomeFilesAreAdopted: a killed apply (or a target
// that left the source and came back) leaves home files with no record of
// hearth writing them. Where home holds what the source renders, the next
// round records them as hearth's instead of holding them as "exists in
// home and was not written by hearth", so later edits sync again. A file
// whose content equals but whose mode differs is adopted too (its mode
// set as the source says: no content is at stake).
func TestLostRecordsOfEqualHomeFilesAreAdopted(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	if err := os.Chmod(filepath.Join(h.Home, ".config", "git", "config"), 0o600); err != nil {
		t.Fatal(err)
	}
	records, _ := filepath.Glob(filepath.Join(h.StateDir, "dotfiles-targets.json*"))
	for _, p := range records {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
	h.MustRun(t, "sync")
	if st := h.MustRun(t, "status").Stdout; strings.Contains(st, "held ") {
		t.Errorf("home files equal to the source are held after their records were lost:\n%s", st)
	}
	if fi, err := os.Stat(filepath.Join(h.Home, ".config", "git", "config")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("adopted file's mode: %v %v, want the source's 0644", fi.Mode(), err)
	}
	appendFile(t, filepath.Join(h.Home, ".bashrc"), "# edit after adoption\n")
	h.MustRun(t, "sync")
	if got := readFileOr(filepath.Join(h.Root, "source", "dot_bashrc")); !strings.Contains(got, "# edit after adoption") {
		t.Errorf("an edit of an adopted file was not captured: %q", got)
	}
}
