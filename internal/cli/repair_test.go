package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSyncRepairsEmptyLooseObject: a power cut leaves the clone's newest
// loose object empty (the ext4 leftover). The next `hearth sync` repairs it
// from the remote, says so, and carries on: exit 0, the other host's edit
// arrives, git fsck is clean.
func TestSyncRepairsEmptyLooseObject(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	appendFile(t, filepath.Join(a.Home, ".bashrc"), "# from a, 1\n")
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")

	source := filepath.Join(b.Root, "source")
	head := testutil.Git(t, source, "rev-parse", "HEAD")
	obj := filepath.Join(source, ".git", "objects", head[:2], head[2:])
	if _, err := os.Stat(obj); err != nil {
		t.Fatalf("HEAD %s is not a loose object, the test cannot break it: %v", head, err)
	}
	if err := os.Chmod(obj, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(obj, 0); err != nil {
		t.Fatal(err)
	}

	appendFile(t, filepath.Join(a.Home, ".bashrc"), "# from a, 2\n")
	a.MustRun(t, "sync")
	res := b.Run(t.Context(), "sync", "-v")
	if res.Code != 0 || !strings.Contains(res.Stderr, "repaired") {
		t.Fatalf("sync over an empty object: exit %d, want 0 and a repair logged\n%s", res.Code, res.Stderr)
	}
	if got := readFile(t, filepath.Join(b.Home, ".bashrc")); !strings.Contains(got, "# from a, 2") {
		t.Errorf("b's .bashrc after the repairing round lacks a's edit:\n%s", got)
	}
	fsck(t, source)
	b.MustRun(t, "sync")
}
