package cli_test

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestOverlongPathDoesNotStopCheckout: a remote commits a directory chain
// whose path is past PATH_MAX (each name legal) beside an ordinary change.
// Run for real (2,100 levels): every round's checkout failed while rounds
// said ok. The chain should be one held entry; the rest checked out.
func TestOverlongPathDoesNotStopCheckout(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	blob := gitIn(t, r.Dir, "deep\n", "hash-object", "-w", "--stdin")
	other := gitIn(t, r.Dir, "other\n", "hash-object", "-w", "--stdin")
	name := strings.Repeat("d", 250)
	tree := gitIn(t, r.Dir, "100644 blob "+blob+"\tf\n", "mktree")
	for range 20 { // 20 × 251 bytes: past PATH_MAX (4096)
		tree = gitIn(t, r.Dir, "040000 tree "+tree+"\t"+name+"\n", "mktree")
	}
	top := gitIn(t, r.Dir, gitIn(t, r.Dir, "", "ls-tree", "main")+
		"\n040000 tree "+tree+"\tdeep"+
		"\n100644 blob "+other+"\tdot_other\n", "mktree")
	commit := gitIn(t, r.Dir, "", "commit-tree", top, "-p", "main", "-m", "overlong path")
	gitIn(t, r.Dir, "", "update-ref", "refs/heads/main", commit)

	res := h.Run(t.Context(), "sync")
	if res.Code != 0 || !strings.Contains(res.Stdout, "held deep/") || !strings.Contains(res.Stdout, "4096") {
		t.Fatalf("sync over a path past PATH_MAX: exit %d, want 0 and the path held with the limit:\n%.2000s", res.Code, res.Stdout+res.Stderr)
	}
	if got := readFileOr(filepath.Join(h.Home, ".other")); got != "other\n" {
		t.Errorf("the ordinary change beside the overlong path never reached home: .other = %q", got)
	}
}
