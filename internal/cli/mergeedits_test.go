package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestNewestFollowsHomeEditTimes is issue 14's case through the real CLI:
// host a edits a line at T+2s and syncs first, host b edits the same line
// at T and syncs later. Under newest, a's edit is live everywhere and b's
// is the sidecar; it used to be the other way round, as b committed later.
func TestNewestFollowsHomeEditTimes(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	edit := time.Now().Add(-time.Hour).Truncate(time.Second)
	write := func(home, content string, when time.Time) {
		p := filepath.Join(home, ".bashrc")
		writeFile(t, p, content)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	write(a.Home, "export EDITOR=nvim\nalias ll='ls -l'\n", edit.Add(2*time.Second))
	write(b.Home, "export EDITOR=emacs\nalias ll='ls -l'\n", edit)
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	a.MustRun(t, "sync")
	for _, h := range hs {
		if got := readFile(t, filepath.Join(h.Home, ".bashrc")); !strings.Contains(got, "EDITOR=nvim") {
			t.Errorf("host %s: ~/.bashrc is\n%s\nwant a's later edit (nvim) live", h.Name, got)
		}
	}
	var man syncer.Manifest
	if err := json.Unmarshal([]byte(testutil.Git(t, r.Dir, "show", "main:"+syncer.ManifestPath)), &man); err != nil {
		t.Fatal(err)
	}
	if len(man.Conflicts) != 1 {
		t.Fatalf("want one conflict on the remote, got %+v", man.Conflicts)
	}
	// The times compared are the home edit times, not when each synced.
	c := man.Conflicts[0]
	if c.WinnerHost != "a" || !c.WinnerTime.Equal(edit.Add(2*time.Second)) || !c.LoserTime.Equal(edit) {
		t.Errorf("winner %s edited at %s, loser at %s; want a at %s over b at %s",
			c.WinnerHost, c.WinnerTime, c.LoserTime, edit.Add(2*time.Second), edit)
	}
	if side := testutil.Git(t, r.Dir, "show", "main:"+c.Sidecar); !strings.Contains(side, "EDITOR=emacs") {
		t.Errorf("sidecar %s lacks b's earlier edit:\n%s", c.Sidecar, side)
	}
}

// TestBothHomesAppendBothLinesLive: two hosts append a different line to
// the same dotfile in home and sync; both lines are live in both homes
// and no sidecar is made.
func TestBothHomesAppendBothLinesLive(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	appendFile(t, filepath.Join(a.Home, ".bashrc"), "alias gs='git status'\n")
	appendFile(t, filepath.Join(b.Home, ".bashrc"), "alias k=kubectl\n")
	a.MustRun(t, "sync")
	b.MustRun(t, "sync")
	a.MustRun(t, "sync")
	for _, h := range hs {
		got := readFile(t, filepath.Join(h.Home, ".bashrc"))
		if !strings.Contains(got, "alias gs='git status'\n") || !strings.Contains(got, "alias k=kubectl\n") {
			t.Errorf("host %s: ~/.bashrc lacks an append:\n%s", h.Name, got)
		}
	}
	if ls := testutil.Git(t, r.Dir, "ls-tree", "-r", "--name-only", "main", "--", syncer.ConflictDir); strings.TrimSpace(ls) != "" {
		t.Errorf("sidecars made for two appends: %s", ls)
	}
}
