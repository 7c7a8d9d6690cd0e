package cli_test

import (
	"maps"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// gitIn runs git in the bare repository dir with stdin, for plumbing that
// builds trees no work tree could hold.
func gitIn(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir", dir}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

// TestOverlongNameDoesNotStopCheckout: a remote commits a file whose name
// is longer than NAME_MAX (git stores it; no Linux work tree can hold it)
// beside an ordinary change. Run for real: every round's checkout failed
// ("work tree changed during the round; left for the next round"), the
// round said "sync ok", exit 0, and neither that change nor any later one
// ever reached home. The bad name should be one held entry; the rest
// should be checked out and applied.
func TestOverlongNameDoesNotStopCheckout(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	long := gitIn(t, r.Dir, "long\n", "hash-object", "-w", "--stdin")
	other := gitIn(t, r.Dir, "other\n", "hash-object", "-w", "--stdin")
	tree := gitIn(t, r.Dir, gitIn(t, r.Dir, "", "ls-tree", "main")+
		"\n100644 blob "+long+"\tdot_"+strings.Repeat("x", 300)+
		"\n100644 blob "+other+"\tdot_other\n", "mktree")
	commit := gitIn(t, r.Dir, "", "commit-tree", tree, "-p", "main", "-m", "overlong name")
	gitIn(t, r.Dir, "", "update-ref", "refs/heads/main", commit)

	for i := range 2 {
		res := h.Run(t.Context(), "sync")
		if res.Code != 0 {
			t.Fatalf("sync %d: exit %d\n%.2000s", i, res.Code, res.Stdout+res.Stderr)
		}
		if !strings.Contains(res.Stdout, "held dot_xxx") || !strings.Contains(res.Stdout, "NAME_MAX") && !strings.Contains(res.Stdout, "255") {
			t.Errorf("sync %d does not hold the overlong name, naming it and why:\n%.2000s", i, res.Stdout)
		}
	}
	if res := h.Run(t.Context(), "sync", "--json"); !strings.Contains(res.Stdout, `"held"`) || !strings.Contains(res.Stdout, "dot_xxx") {
		t.Errorf("sync --json does not report the overlong name as held:\n%.2000s", res.Stdout)
	}
	if got := readFileOr(filepath.Join(h.Home, ".other")); got != "other\n" {
		t.Errorf("the ordinary change beside the overlong name never reached home: .other = %q", got)
	}
}

// TestOverlongNameAfterAnInterruptedMove: a round killed in the checkout
// of such a tree leaves its move record; the next round finishes the move
// path by path and must leave the overlong name out there too, or every
// later round fails on it.
func TestOverlongNameAfterAnInterruptedMove(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	long := gitIn(t, r.Dir, "long\n", "hash-object", "-w", "--stdin")
	other := gitIn(t, r.Dir, "other\n", "hash-object", "-w", "--stdin")
	tree := gitIn(t, r.Dir, gitIn(t, r.Dir, "", "ls-tree", "main")+
		"\n100644 blob "+long+"\tdot_"+strings.Repeat("x", 300)+
		"\n100644 blob "+other+"\tdot_other\n", "mktree")
	commit := gitIn(t, r.Dir, "", "commit-tree", tree, "-p", "main", "-m", "overlong name")

	// The state a kill between recording the move and the checkout leaves.
	src := filepath.Join(h.Root, "source")
	for _, args := range [][]string{{"fetch", "-q", r.Dir, commit}, {"update-ref", "refs/hearth/moving", commit}} {
		if out, err := exec.Command("git", append([]string{"-C", src}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn(t, r.Dir, "", "update-ref", "refs/heads/main", commit)
	for i := range 2 {
		if res := h.Run(t.Context(), "sync"); res.Code != 0 {
			t.Fatalf("sync %d after an interrupted move to the overlong name: exit %d\n%.2000s", i, res.Code, res.Stdout+res.Stderr)
		}
	}
	if got := readFileOr(filepath.Join(h.Home, ".other")); got != "other\n" {
		t.Errorf(".other = %q after the interrupted move was finished", got)
	}
	if out := gitIn(t, r.Dir, "", "ls-tree", "--name-only", "main"); !strings.Contains(out, "dot_xxx") {
		t.Errorf("the remote lost the overlong name (a host committed its deletion):\n%s", out)
	}
}
