package cli_test

import (
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSweepKeepsAUsersFileNamedLikeATemp: after an interrupted apply, the
// sweep removes every regular file named ".<target>.tmp-<digits>" beside a
// target, also one the user made (hearth's own temps would be
// the same: the name alone cannot tell them apart). It should be kept.
func TestSweepKeepsAUsersFileNamedLikeATemp(t *testing.T) {
	t.Skip("FINDING 7 (low): after an interrupted apply the dotfiles sweep unlinks a user's own ~/..bashrc.tmp-2024 (any regular file named .<target>.tmp-<digits> beside a target); not fixed")
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	b := dotfileHosts(t, r.HTTPURL(), "b")[0]
	b.MustRun(t, "sync")
	user := filepath.Join(b.Home, "..bashrc.tmp-2024")
	writeFile(t, user, "the user's own notes\n")
	// What a run killed between its first write and its records leaves.
	writeFile(t, filepath.Join(b.StateDir, "dotfiles-targets.json.writing"), "")
	b.MustRun(t, "apply")
	if got := readFileOr(user); got != "the user's own notes\n" {
		t.Errorf("the user's file named like a temp was removed: %q", got)
	}
}
