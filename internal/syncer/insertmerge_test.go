package syncer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestBothAppendKeepsBothLines: two clones of one remote each append a
// different line to the same file and sync; both lines end up live on
// both hosts and on the remote, with no conflict and no sidecar.
func TestBothAppendKeepsBothLines(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	const seed = "export EDITOR=vi\nalias ll='ls -l'\n"
	r.SeedMain(t, map[string]string{"dot_bashrc": seed})
	hs := newHosts(t, r.FileURL(), "laptop", "desktop")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	a.write(t, "dot_bashrc", seed+"alias gs='git status'\n")
	b.write(t, "dot_bashrc", seed+"alias k=kubectl\n")
	a.round(t) // the laptop's edit is older on the fake clock
	rep := b.round(t)
	if !rep.Merged || len(rep.Conflicts) != 0 {
		t.Fatalf("want a merge with no conflict, got %+v", rep)
	}
	a.round(t)
	want := seed + "alias gs='git status'\nalias k=kubectl\n"
	for _, h := range hs {
		if got := h.read(t, "dot_bashrc"); got != want {
			t.Fatalf("host %s: dot_bashrc is\n%s\nwant\n%s", h.name, got, want)
		}
		if _, err := os.Stat(filepath.Join(h.dir, ConflictDir)); !os.IsNotExist(err) {
			t.Fatalf("host %s: a conflict dir exists (%v): %v", h.name, err, keys(tree(t, h.dir)))
		}
	}
	if d := diffTrees(tree(t, a.dir), remoteTree(t, r)); d != "" {
		t.Fatalf("remote differs from the hosts: %s", d)
	}
}

// TestBothAppendToJSONKeepsToday: a structured file appended on both
// sides is not unioned; one side's text is set aside as before.
func TestBothAppendToJSONKeepsToday(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_config/app.json": "{\n  \"a\": 1\n}\n"})
	hs := newHosts(t, r.FileURL(), "laptop", "desktop")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	a.write(t, "dot_config/app.json", "{\n  \"a\": 1\n}\n{}\n")
	b.write(t, "dot_config/app.json", "{\n  \"a\": 1\n}\n[]\n")
	a.round(t)
	if rep := b.round(t); len(rep.Conflicts) != 1 {
		t.Fatalf("want the JSON file settled as a conflict as before, got %+v", rep)
	}
}

// TestNewestIsTheLaterEditNotTheLaterSync is the case: host A
// edits at T+2s and syncs first; host B edits the same line at T and
// syncs later. Under newest, A's edit wins, by the edit times each
// capture recorded, not by who committed last.
func TestNewestIsTheLaterEditNotTheLaterSync(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_bashrc": "export EDITOR=vi\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	start := time.Unix(a.clock.Load(), 0)
	roundWithEdit := func(h *host, edited time.Time) *Report {
		o := h.opts()
		o.Hooks.EditTimes = func() map[string]time.Time { return map[string]time.Time{"dot_bashrc": edited} }
		rep, err := Round(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a.write(t, "dot_bashrc", "export EDITOR=nvim\n")
	b.write(t, "dot_bashrc", "export EDITOR=emacs\n")
	roundWithEdit(a, start.Add(2*time.Second))
	rep := roundWithEdit(b, start)
	if len(rep.Conflicts) != 1 {
		t.Fatalf("want one conflict, got %+v", rep)
	}
	if c := rep.Conflicts[0]; c.WinnerHost != "a" || !c.WinnerTime.Equal(start.Add(2*time.Second)) || !c.LoserTime.Equal(start) {
		t.Fatalf("winner %s at %s, loser at %s; want a, edited at %s, over b's edit at %s",
			c.WinnerHost, c.WinnerTime, c.LoserTime, start.Add(2*time.Second), start)
	}
	if got := b.read(t, "dot_bashrc"); got != "export EDITOR=nvim\n" {
		t.Fatalf("live on b: %q, want a's later edit", got)
	}
}

// TestFarFutureEditTimeCountsAsCommitTime: a commit pushed with an edit
// time in the year 2100 does not win "newest" against a later commit: its
// edit time is taken as its commit time.
func TestFarFutureEditTimeCountsAsCommitTime(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_bashrc": "export EDITOR=vi\n"})
	hs := newHosts(t, r.FileURL(), "b")
	b := hs[0]
	b.round(t)

	// Another host's commit, made with hearth's own commit API so its
	// committer time is on the test's clock.
	evil := filepath.Join(t.TempDir(), "evil")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), evil)
	ctx := context.Background()
	repo, err := gitrepo.Open(ctx, evil, gitrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	blob, err := repo.HashObject(ctx, []byte("export EDITOR=evil\n"))
	if err != nil {
		t.Fatal(err)
	}
	head := testutil.Git(t, evil, "rev-parse", "HEAD")
	tree, err := repo.BuildTree(ctx, strings.TrimSpace(head)+"^{tree}", []gitrepo.TreeEdit{{Path: "dot_bashrc", Mode: gitrepo.ModeFile, ID: blob}})
	if err != nil {
		t.Fatal(err)
	}
	committed := time.Unix(b.clock.Add(1), 0)
	id, err := repo.CommitTree(ctx, gitrepo.CommitSpec{
		Tree: tree, Parents: []string{strings.TrimSpace(head)}, Message: "edits",
		Author:   gitrepo.Signature{Name: "hearth (evil)", Email: "hearth@evil", When: committed},
		Trailers: []gitrepo.Trailer{{Key: TrailerHost, Value: "evil"}, {Key: TrailerMtime, Value: "2100-01-01T00:00:00Z dot_bashrc"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, evil, "push", "--quiet", "origin", id+":refs/heads/main")

	b.write(t, "dot_bashrc", "export EDITOR=nvim\n")
	rep := b.round(t) // b commits after evil's commit time
	if len(rep.Conflicts) != 1 {
		t.Fatalf("want one conflict, got %+v", rep)
	}
	if c := rep.Conflicts[0]; c.WinnerHost != "b" || !c.LoserTime.Equal(committed) {
		t.Fatalf("winner %s, loser time %s; want b winning over evil's commit time %s", c.WinnerHost, c.LoserTime, committed)
	}
}

func TestEditTimeTrailersAreBounded(t *testing.T) {
	times := map[string]time.Time{}
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxEditTimes + 500 {
		times[filepath.Join("d", strings.Repeat("x", i%7), time.Duration(i).String())] = when
	}
	times["bad\npath"] = when
	got := editTimeTrailers(times)
	if len(got) != maxEditTimes {
		t.Fatalf("%d trailers, want at most %d", len(got), maxEditTimes)
	}
	for _, tr := range got {
		if strings.Contains(tr.Value, "\n") {
			t.Fatalf("trailer with a newline: %q", tr.Value)
		}
	}
	msg := "hearth: edits\n\nHearth-Host: a\n" + TrailerMtime + ": 2026-01-01T00:00:02.5Z dot_my file\n"
	if got := editTimeIn(msg, "dot_my file"); !got.Equal(when.Add(2500 * time.Millisecond)) {
		t.Fatalf("edit time of a path with a space: %s", got)
	}
	if got := editTimeIn(msg, "dot_my"); !got.IsZero() {
		t.Fatalf("a prefix of the path matched: %s", got)
	}
}

// TestBothAppendOrderFollowsEditTimes: a appends at T+2s and syncs first,
// b appends at T and syncs later; b's line goes first, as it was written
// first, and the merge commit records the newer edit time for the file.
func TestBothAppendOrderFollowsEditTimes(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_bashrc": "export EDITOR=vi\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	start := time.Unix(a.clock.Load(), 0)
	roundWithEdit := func(h *host, edited time.Time) *Report {
		o := h.opts()
		o.Hooks.EditTimes = func() map[string]time.Time { return map[string]time.Time{"dot_bashrc": edited} }
		rep, err := Round(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	a.write(t, "dot_bashrc", "export EDITOR=vi\nalias a=1\n")
	b.write(t, "dot_bashrc", "export EDITOR=vi\nalias b=2\n")
	roundWithEdit(a, start.Add(2*time.Second))
	rep := roundWithEdit(b, start)
	if !rep.Merged || len(rep.Conflicts) != 0 {
		t.Fatalf("want a clean merge, got %+v", rep)
	}
	if got, want := b.read(t, "dot_bashrc"), "export EDITOR=vi\nalias b=2\nalias a=1\n"; got != want {
		t.Fatalf("merged %q, want the older edit's line first: %q", got, want)
	}
	msg := testutil.Git(t, b.dir, "log", "-1", "--format=%B", rep.Local)
	if want := TrailerMtime + ": " + start.Add(2*time.Second).UTC().Format(time.RFC3339Nano) + " dot_bashrc"; !strings.Contains(msg, want) {
		t.Fatalf("merge commit message lacks %q:\n%s", want, msg)
	}
}

// TestAddAddKeepsToday: a file created on both sides with different lines
// has no base to insert into; it is settled as a conflict as before.
func TestAddAddKeepsToday(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_profile": "x\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	a.write(t, "dot_zshrc", "alias a=1\n")
	b.write(t, "dot_zshrc", "alias b=2\n")
	a.round(t)
	if rep := b.round(t); len(rep.Conflicts) != 1 || rep.Conflicts[0].Path != "dot_zshrc" {
		t.Fatalf("want dot_zshrc settled as a conflict, got %+v", rep)
	}
}
