package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestEditBehindASkippedCaptureConvergesInThreeRounds: the state a SIGKILL
// inside a capture leaves (its mark) on the last host of a round makes that
// host's next round skip its capture; its edit waits in its home, reaches
// the remote in its second round, after the hosts before it had theirs,
// and every host in the third. At no point is it in no home, no live file
// and no listed sidecar. This is why TestSyncSurvivesSIGKILL converges in
// three rounds: with two it checked a host one commit behind and reported
// edits lost that were on the remote's tip.
func TestEditBehindASkippedCaptureConvergesInThreeRounds(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b", "c")
	for _, h := range hs {
		h.MustRun(t, "sync")
	}
	c := hs[2]
	appendFile(t, filepath.Join(c.Home, ".ssh/config"), "# skipped-tok\n")
	if err := os.WriteFile(filepath.Join(c.StateDir, "dotfiles-capture.running"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	inHome := func(h int) bool {
		return strings.Contains(readFile(t, filepath.Join(hs[h].Home, ".ssh/config")), "# skipped-tok\n")
	}
	for round := 1; round <= 3; round++ {
		for _, h := range hs {
			h.MustRun(t, "sync")
			if lost := lostEdits(t, hs, []string{"skipped-tok"}); len(lost) > 0 {
				t.Fatalf("round %d, after %s: the edit is in no home, live file or listed sidecar", round, h.Name)
			}
		}
		onRemote := strings.Contains(testutil.Git(t, r.Dir, "show", "main:private_dot_ssh/config"), "# skipped-tok")
		switch round {
		case 1:
			if onRemote {
				t.Fatal("round 1: the edit reached the remote although c's capture was to be skipped")
			}
		case 2:
			if !onRemote || inHome(0) {
				t.Fatalf("round 2: on the remote %v, in a's home %v; want the remote only (c pushes after a and b synced)", onRemote, inHome(0))
			}
		case 3:
			head := r.Head(t, "main")
			for i, h := range hs {
				if got := testutil.Git(t, filepath.Join(h.Root, "source"), "rev-parse", "HEAD"); got != head || !inHome(i) {
					t.Errorf("round 3: %s at %s (remote %s), edit in its home %v", h.Name, got, head, inHome(i))
				}
			}
		}
	}
}
