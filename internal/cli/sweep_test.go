package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestKilledRunsTempFilesAreSwept: temporary files a killed run left in
// the state dir are removed by the next run holding the same lock; those
// of files written under another lock are left to their own job.
func TestKilledRunsTempFilesAreSwept(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	left := map[string]bool{
		".sync.json.tmp-1234567":                 true,
		".dotfiles-targets.json.tmp-7654321":     true,
		".dotfiles-targets.json.unsynced.tmp-99": true,
		".upgrade.json.tmp-42":                   false, // the upgrade lock's
	}
	for name := range left {
		writeFile(t, filepath.Join(h.StateDir, name), "half written")
	}
	h.MustRun(t, "sync")
	for name, swept := range left {
		_, err := os.Lstat(filepath.Join(h.StateDir, name))
		if gone := os.IsNotExist(err); gone != swept {
			t.Errorf("%s: removed %v, want %v (%v)", name, gone, swept, err)
		}
	}
}
