package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestResolveAfterAKillLeftAGitLock: a hearth killed while its git held
// the index lock (a sync, or a resolve, cut short: TestCrashCampaign met
// it) leaves .git/index.lock behind; the next `conflicts resolve` must
// remove the stale lock as a sync round does, not fail on it until a sync
// has run.
func TestResolveAfterAKillLeftAGitLock(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	side := syncer.ConflictDir + "/dot_bashrc~b~dddddddddd"
	pushFromElsewhere(t, r, map[string]string{
		syncer.ManifestPath: manifestJSON(t, syncer.Conflict{ID: "dddddddddd", Path: "dot_bashrc", Sidecar: side}),
		side:                "b's bashrc\n",
	}, nil)
	h.MustRun(t, "sync")
	lock := filepath.Join(h.Root, "source", ".git", "index.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res := h.Run(t.Context(), "conflicts", "resolve", "dddddddddd", "--keep", "sidecar")
	if res.Code != 0 {
		t.Fatalf("resolve after a killed git left index.lock: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if ids := listedIDs(t, h); len(ids) != 0 {
		t.Errorf("entries left: %v", ids)
	}
	h.MustRun(t, "sync")
	if got := readFile(t, filepath.Join(h.Home, ".bashrc")); got != "b's bashrc\n" {
		t.Errorf("home after the resolve: %q", got)
	}
}
