package cli_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestASourceThatKillsHearthDoesNotStopSyncForGood: the remote commits
// data that makes hearth die while it reads the source (a TOML value
// nested deep enough to overflow the decoder's stack: a runtime fatal
// error, not an error hearth can catch). Capture reads the source before
// the round fetches, so every later round died there too and the remote's
// fix never arrived. A round after a capture that did not finish skips
// its capture, fetches the fix and applies it.
func TestASourceThatKillsHearthDoesNotStopSyncForGood(t *testing.T) {
	testutil.RequireProgram(t, "git")
	bin := buildCampaignBinaries(t)
	seed := maps.Clone(dotfilesSeed)
	r := testutil.NewRemote(t)
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	if res := runProc(t, bin, h, -1, "sync"); res.Code != 0 {
		t.Fatalf("first sync: exit %d\n%s", res.Code, res.Out)
	}

	pushFromElsewhere(t, r, map[string]string{".chezmoidata.toml": "a = " + strings.Repeat("[", 3<<20) + "\n"}, nil)
	// The round that brings it in, and the next, whose capture reads it.
	for i := range 2 {
		if res := runProc(t, bin, h, -1, "sync"); res.Code == 0 {
			t.Fatalf("sync %d over the deep value exited 0; this test needs an input hearth dies on:\n%.2000s", i, res.Out)
		}
	}
	pushFromElsewhere(t, r, map[string]string{".chezmoidata.toml": "a = 1\n", "dot_fixed": "fixed\n"}, nil)
	res := runProc(t, bin, h, -1, "sync")
	if res.Code != 0 {
		t.Fatalf("sync after the remote's fix: exit %d\n%.3000s", res.Code, res.Out)
	}
	if got := readFile(t, h.Home+"/.fixed"); got != "fixed\n" {
		t.Errorf("the fix did not arrive: .fixed = %q", got)
	}
	h.MustRun(t, "sync")
}
