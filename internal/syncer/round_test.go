package syncer

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestFirstRoundClonesAndPushesToEmptyRemote(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	a, b := newHosts(t, r.FileURL(), "a", "b")[0], newHosts(t, r.FileURL(), "b")[0]
	if err := os.MkdirAll(a.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rep := a.round(t)
	if !rep.Cloned || rep.Result != ResultOK {
		t.Fatalf("first round: %+v", rep)
	}
	a.write(t, "dot_bashrc", "alias ll='ls -l'\n")
	rep = a.round(t)
	if !rep.Committed || !rep.Pushed || r.Head(t, "main") != rep.Local {
		t.Fatalf("commit+push: %+v remote %s", rep, r.Head(t, "main"))
	}
	b.round(t)
	if got := b.read(t, "dot_bashrc"); got != "alias ll='ls -l'\n" {
		t.Fatalf("host b got %q", got)
	}
}

func TestSameLineEditedOnTwoHostsKeepsLoserAsSidecar(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, policy := range []Policy{PolicyNewest, PolicyRemote, PolicyLocal} {
		t.Run(string(policy), func(t *testing.T) {
			r := testutil.NewRemote(t)
			r.SeedMain(t, map[string]string{"dot_gitconfig": "[user]\n\tname = me\n\temail = old@example.org\n[core]\n\teditor = vi\n"})
			hs := newHosts(t, r.FileURL(), "laptop", "desktop")
			a, b := hs[0], hs[1]
			a.round(t)
			b.round(t)
			a.write(t, "dot_gitconfig", "[user]\n\tname = me\n\temail = laptop@example.org\n[core]\n\teditor = vi\n")
			b.write(t, "dot_gitconfig", "[user]\n\tname = me\n\temail = desktop@example.org\n[core]\n\teditor = nvim\n")
			a.round(t) // laptop pushes first; its edit is older on the fake clock
			o := b.opts()
			o.Policy = policy
			rep, err := Round(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Merged || len(rep.Conflicts) != 1 || !rep.Pushed {
				t.Fatalf("want one recorded conflict, got %+v", rep)
			}
			c := rep.Conflicts[0]
			live := b.read(t, "dot_gitconfig")
			side := b.read(t, c.Sidecar)
			if strings.Contains(live, "<<<<<<<") || strings.Contains(live, ">>>>>>>") {
				t.Fatalf("conflict markers in live file:\n%s", live)
			}
			// desktop's edit is newer, and desktop is "local" while merging.
			wantWinner := map[Policy]string{PolicyNewest: "desktop", PolicyLocal: "desktop", PolicyRemote: "laptop"}[policy]
			if c.WinnerHost != wantWinner {
				t.Fatalf("winner %s, want %s (%+v)", c.WinnerHost, wantWinner, c)
			}
			winnerMail, loserMail := wantWinner+"@", map[string]string{"laptop": "desktop@", "desktop": "laptop@"}[wantWinner]
			if !strings.Contains(live, winnerMail) || strings.Contains(live, loserMail) {
				t.Fatalf("live file should hold the winner's line:\n%s", live)
			}
			if !strings.Contains(side, loserMail) {
				t.Fatalf("sidecar %s lacks the loser's edit:\n%s", c.Sidecar, side)
			}
			// desktop's non-overlapping hunk (editor) merges whatever the winner.
			if !strings.Contains(live, "editor = nvim") {
				t.Fatalf("non-overlapping hunk lost:\n%s", live)
			}
			var man Manifest
			if err := json.Unmarshal([]byte(b.read(t, ManifestPath)), &man); err != nil || len(man.Conflicts) != 1 || man.Conflicts[0].Sidecar != c.Sidecar {
				t.Fatalf("manifest: %v %+v", err, man)
			}
			a.round(t)
			if diff := diffTrees(tree(t, a.dir), tree(t, b.dir)); diff != "" {
				t.Fatalf("hosts differ after convergence: %s", diff)
			}
		})
	}
}

func TestModifyVersusDeleteKeepsModification(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_vimrc": "set nu\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	if err := os.Remove(filepath.Join(a.dir, "dot_vimrc")); err != nil {
		t.Fatal(err)
	}
	b.write(t, "dot_vimrc", "set nu\nset rnu\n")
	a.round(t)
	b.round(t)
	a.round(t)
	for _, h := range hs {
		if got := h.read(t, "dot_vimrc"); got != "set nu\nset rnu\n" {
			t.Fatalf("host %s: %q", h.name, got)
		}
	}
}

func TestOfflineRoundCommitsLocallyAndCatchesUp(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"a": "1\n"})
	hs := newHosts(t, r.HTTPURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	r.Stop(t)
	a.write(t, "a", "1\n2\n")
	rep := a.round(t)
	if rep.Result != ResultOffline || !rep.Committed {
		t.Fatalf("offline round: %+v", rep)
	}
	r.Start(t)
	rep = a.round(t)
	if rep.Result != ResultOK || !rep.Pushed || rep.Pending != 0 {
		t.Fatalf("back online: %+v", rep)
	}
	b.round(t)
	if b.read(t, "a") != "1\n2\n" {
		t.Fatal("edit made offline did not reach the other host")
	}
}

func TestPendingAfterLosingRaceTooOften(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"f": "x\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	a.write(t, "f", "x\nfrom a\n")
	// Every time a is about to push, another host pushes first: a loses every race.
	o := a.opts()
	o.Retries = 2
	o.Sleep = func(context.Context, time.Duration) {}
	races := 0
	o.beforePush = func() {
		races++
		r.SeedMain(t, map[string]string{fmt.Sprintf("other-%d", races): "y\n"})
	}
	rep, err := Round(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Result != ResultPending || rep.Attempts != 3 || races != 3 || rep.Pending == 0 {
		t.Fatalf("want pending after 3 attempts, got %+v (races %d)", rep, races)
	}
	// The next round, without interference, pushes everything.
	rep = a.round(t)
	if rep.Result != ResultOK || rep.Pending != 0 || r.Head(t, "main") != rep.Local {
		t.Fatalf("after pending: %+v", rep)
	}
	b.round(t)
	if b.read(t, "f") != "x\nfrom a\n" || b.read(t, "other-3") != "y\n" {
		t.Fatal("edits lost after a pending round")
	}
}

// A temporary file that a killed write left in the work tree is never
// committed, so it cannot spread to other hosts.
func TestLeftoverTempFilesAreNotCommitted(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_bashrc": "b\n"})
	a := newHosts(t, r.FileURL(), "a")[0]
	a.round(t)
	a.write(t, ".dot_bashrc.tmp-381566600", "half a write\n")
	a.write(t, ".hearth-conflicts/.manifest.toml.tmp-12", "half a manifest\n")
	a.write(t, "dot_profile", "p\n")
	rep := a.round(t)
	if !rep.Pushed {
		t.Fatalf("round: %+v", rep)
	}
	got := remoteTree(t, r)
	for p := range got {
		if strings.Contains(p, ".tmp-") {
			t.Errorf("a temporary file reached the remote: %s", p)
		}
	}
	if got["dot_profile"] != "exec=false\np\n" {
		t.Errorf("the real edit did not reach the remote: %v", keys(got))
	}
}

// Over a local-path remote, a round reads the remote's branch instead of
// fetching when it is where the last fetch left it, and fetches as soon as
// another host moved it.
func TestLocalRemoteIsFetchedOnlyWhenItMoved(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_bashrc": "b\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	if rep := a.round(t); !rep.FetchSkipped || rep.Local != r.Head(t, "main") {
		t.Fatalf("no-op round: %+v; want the fetch skipped and a at the remote", rep)
	}
	b.write(t, "dot_profile", "from b\n")
	if rep := b.round(t); !rep.Pushed {
		t.Fatalf("b: %+v", rep)
	}
	// b's push recorded what the remote now has: b's next round need not fetch.
	if rep := b.round(t); !rep.FetchSkipped {
		t.Fatalf("b's round after its own push fetched: %+v", rep)
	}
	rep := a.round(t)
	if rep.FetchSkipped || rep.Local != r.Head(t, "main") || a.read(t, "dot_profile") != "from b\n" {
		t.Fatalf("round after b pushed: %+v; want a fetch and b's edit", rep)
	}
	// Over HTTP there is nothing to peek at.
	c := newHosts(t, r.HTTPURL(), "c")[0]
	c.round(t)
	if rep := c.round(t); rep.FetchSkipped {
		t.Fatalf("round over HTTP skipped the fetch: %+v", rep)
	}
}
