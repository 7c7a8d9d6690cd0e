package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestUncapturedAppendMeetsSyncedAppend: host b appended a line in home
// that no capture took yet when a's append to the same file reached b's
// source (b's round raced the save, or a capture died and the next round
// skipped it; or the source was pulled by hand). b's next capture merges
// the two: both appends stay live in both homes, with no sidecar and no
// conflict, home's line after the synced one.
func TestUncapturedAppendMeetsSyncedAppend(t *testing.T) {
	testutil.RequireProgram(t, "git")
	const x, y = "alias gs='git status'\n", "alias k=kubectl\n"
	for _, tc := range []struct {
		name string
		// bringSource puts a's pushed change into b's source without
		// capturing b's home edit.
		bringSource func(t *testing.T, b *clitest.Host)
	}{
		{"capture skipped after a crash", func(t *testing.T, b *clitest.Host) {
			if err := os.WriteFile(filepath.Join(b.StateDir, "dotfiles-capture.running"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			b.MustRun(t, "sync")
		}},
		{"source pulled by hand", func(t *testing.T, b *clitest.Host) {
			testutil.Git(t, filepath.Join(b.Root, "source"), "pull", "--ff-only", "-q")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testutil.NewRemote(t)
			r.SeedMain(t, dotfilesSeed)
			hs := dotfileHosts(t, r.FileURL(), "a", "b")
			a, b := hs[0], hs[1]
			a.MustRun(t, "sync")
			b.MustRun(t, "sync")
			appendFile(t, filepath.Join(b.Home, ".bashrc"), y)
			appendFile(t, filepath.Join(a.Home, ".bashrc"), x)
			a.MustRun(t, "sync")
			tc.bringSource(t, b)
			if got := readFile(t, filepath.Join(b.Root, "source", "dot_bashrc")); !strings.Contains(got, x) || strings.Contains(got, y) {
				t.Fatalf("setup: b's source should hold a's append and not b's:\n%s", got)
			}
			b.MustRun(t, "sync")
			a.MustRun(t, "sync")
			b.MustRun(t, "sync")
			for _, h := range hs {
				got := readFile(t, filepath.Join(h.Home, ".bashrc"))
				if !strings.HasSuffix(got, x+y) {
					t.Errorf("host %s: ~/.bashrc does not end with a's append then b's:\n%s", h.Name, got)
				}
			}
			if ls := testutil.Git(t, r.Dir, "ls-tree", "-r", "--name-only", "main", "--", syncer.ConflictDir); strings.TrimSpace(ls) != "" {
				t.Errorf("sidecars or conflicts recorded for two appends: %s", ls)
			}
		})
	}
}
