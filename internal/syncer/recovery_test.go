package syncer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// A first clone killed halfway leaves only its scratch directory; the next
// round clones again and commits nothing as deleted.
func TestInterruptedFirstCloneIsRedone(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_a": "a\n", "dot_b": "b\n", "dot_c": "c\n"})
	a := newHosts(t, r.FileURL(), "a")[0]
	scratch := filepath.Join(filepath.Dir(a.dir), "."+filepath.Base(a.dir)+".hearth-clone")
	testutil.Git(t, "", "clone", "--quiet", "--no-checkout", "--branch", "main", r.FileURL(), scratch)
	if err := os.WriteFile(filepath.Join(scratch, "dot_a"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := r.Head(t, "main")
	rep := a.round(t)
	if !rep.Cloned || rep.Committed || rep.Pushed || r.Head(t, "main") != before {
		t.Fatalf("round after an interrupted clone: %+v", rep)
	}
	if got := remoteTree(t, r); len(got) != 3 {
		t.Errorf("remote after the round: %v", keys(got))
	}
	if _, err := os.Stat(scratch); !os.IsNotExist(err) {
		t.Errorf("scratch clone left behind (%v)", err)
	}
}

// A remote whose branch is gone (deleted, or the remote re-created empty)
// gets this host's history again on the next round, instead of every
// round losing its push to a stale lease.
func TestRemoteBranchGoneIsRecreated(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_x": "x0\n"})
	a := newHosts(t, r.FileURL(), "a")[0]
	a.round(t)
	if err := os.RemoveAll(r.Dir); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, filepath.Dir(r.Dir), "init", "--quiet", "--bare", "--initial-branch=main", r.Dir)
	a.write(t, "dot_y", "y\n")
	rep := a.round(t)
	if rep.Result != ResultOK || !rep.Pushed || rep.Attempts != 1 || r.Head(t, "main") != rep.Local {
		t.Fatalf("round against the re-created remote: %+v", rep)
	}
	if got := remoteTree(t, r); got["dot_x"] == "" || got["dot_y"] == "" {
		t.Errorf("remote after the round: %v", keys(got))
	}
}

// After a push whose checkout was deferred (the work tree was edited during
// the round), the tracking ref names what the remote has.
func TestTrackingRefAfterDeferredPush(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_x": "x0\n", "dot_y": "y0\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	b.write(t, "dot_x", "x from b\n")
	b.round(t)
	a.write(t, "dot_y", "y from a\n")
	o := a.opts()
	o.beforePush = func() { a.write(t, "dot_x", "x edited on a during the round\n") }
	rep, err := Round(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pushed || rep.Deferred == "" {
		t.Fatalf("want a push and a deferred checkout: %+v", rep)
	}
	if track := testutil.Git(t, a.dir, "rev-parse", "refs/remotes/origin/main"); track != r.Head(t, "main") {
		t.Errorf("tracking ref %s, remote has %s", track, r.Head(t, "main"))
	}
}

// A person's own `git fetch` in the clone during a round does not fail it.
func TestUserFetchDuringRound(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_x": "x0\n"})
	a := newHosts(t, r.FileURL(), "a")[0]
	a.round(t)
	a.write(t, "dot_y", "y\n")
	o := a.opts()
	o.Hooks.Apply = func(ctx context.Context, moved bool) error {
		testutil.Git(t, a.dir, "fetch", "--quiet", "origin")
		return nil
	}
	rep, err := Round(context.Background(), o)
	if err != nil || !rep.Pushed {
		t.Fatalf("round with a concurrent user fetch: %+v, %v", rep, err)
	}
	if applied := testutil.Git(t, a.dir, "rev-parse", AppliedRef); applied != rep.Local {
		t.Errorf("%s = %s, want %s", AppliedRef, applied, rep.Local)
	}
}

// Pointing the config at another branch than the clone has checked out is
// an error naming both, before anything is committed or pushed.
func TestBranchChangedInConfigIsRefused(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_f": "v0\n"})
	a := newHosts(t, r.FileURL(), "a")[0]
	a.round(t)
	o := a.opts()
	o.Branch = "other"
	_, err := Round(context.Background(), o)
	if err == nil {
		t.Fatal("a round on another branch than the one checked out succeeded")
	}
	if got := testutil.Git(t, "", "ls-remote", "--heads", r.FileURL()); !strings.Contains(got, "refs/heads/main") || strings.Contains(got, "refs/heads/other") {
		t.Errorf("remote heads after the refused round: %q", got)
	}
	t.Logf("error: %v", err)
}

// A round killed after its checkout wrote the work tree but before the
// branch moved: the next round finishes the move instead of committing the
// checked-out files as local edits, so another host's later change to
// those paths (here a revert) is not undone; a path holding neither
// version is kept as a sidecar.
func TestInterruptedCheckoutIsFinished(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_f": "v0\n", "dot_g": "g0\n", "dot_h": "h0\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	b.write(t, "dot_f", "v1\n")
	b.write(t, "dot_g", "g1\n")
	b.round(t)
	// a's round fetched b's commit, recorded the move and checked it out,
	// then died before moving its branch; dot_g's write was cut short.
	testutil.Git(t, a.dir, "fetch", "--quiet", r.FileURL(), "+refs/heads/main:refs/remotes/origin/main")
	testutil.Git(t, a.dir, "update-ref", MovingRef, "refs/remotes/origin/main")
	testutil.Git(t, a.dir, "read-tree", "-m", "-u", "HEAD", "refs/remotes/origin/main")
	a.write(t, "dot_g", "g")
	b.write(t, "dot_f", "v0\n") // b reverts its change meanwhile
	b.round(t)

	rep := a.round(t)
	if len(rep.Conflicts) != 0 {
		t.Errorf("merge conflicts after finishing the move: %+v", rep.Conflicts)
	}
	b.round(t)
	got := remoteTree(t, r)
	if got["dot_f"] != "exec=false\nv0\n" {
		t.Errorf("remote dot_f = %q: b's revert was undone", got["dot_f"])
	}
	if got["dot_g"] != "exec=false\ng1\n" {
		t.Errorf("remote dot_g = %q, want b's g1", got["dot_g"])
	}
	var sidecars []string
	for p, content := range got {
		if strings.HasPrefix(p, ConflictDir+"/dot_g~") {
			sidecars = append(sidecars, p)
			if content != "exec=false\ng" {
				t.Errorf("sidecar %s = %q, want the cut-short content", p, content)
			}
		}
	}
	if len(sidecars) != 1 {
		t.Errorf("sidecars of dot_g: %v, want one", sidecars)
	}
	if a.read(t, "dot_f") != "v0\n" || b.read(t, "dot_f") != "v0\n" {
		t.Errorf("hosts did not converge on the revert")
	}
}

// A finished move leaves no record behind, so later local commits are never
// mistaken for the work tree of an interrupted one.
func TestFinishedMoveLeavesNoRecord(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"dot_f": "v0\n"})
	hs := newHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	a.round(t)
	b.round(t)
	b.write(t, "dot_f", "v1\n")
	b.round(t)
	if rep := a.round(t); rep.Local != r.Head(t, "main") {
		t.Fatalf("a did not move to b's commit: %+v", rep)
	}
	if out, err := testutil.GitErr(a.dir, "rev-parse", "--verify", "--quiet", MovingRef); err == nil {
		t.Fatalf("%s left after a finished move: %s", MovingRef, out)
	}
	a.write(t, "dot_g", "new on a\n")
	if rep := a.round(t); !rep.Pushed || a.read(t, "dot_g") != "new on a\n" {
		t.Fatalf("a's next edit: %+v", rep)
	}
}

// A remote commit turns the directory a/ into a link to a directory
// outside everything; a round dies between its checkout and the branch
// update. Finishing that move must neither read what lies beyond the link
// (and push it as a sidecar) nor delete it.
func TestInterruptedMoveDoesNotFollowPlantedLink(t *testing.T) {
	testutil.RequireProgram(t, "git")
	victim := t.TempDir()
	secret := filepath.Join(victim, "x")
	if err := os.WriteFile(secret, []byte("victim's own file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"a/x": "x0\n", "dot_f": "f0\n"})
	hs := newHosts(t, r.FileURL(), "h", "evil")
	h, evil := hs[0], hs[1]
	h.round(t)
	evil.round(t)
	if err := os.RemoveAll(filepath.Join(evil.dir, "a")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(evil.dir, "a")); err != nil {
		t.Fatal(err)
	}
	evil.round(t)

	// h fetched the planted commit, recorded the move and checked it out,
	// then died before moving its branch.
	testutil.Git(t, h.dir, "fetch", "--quiet", r.FileURL(), "+refs/heads/main:refs/remotes/origin/main")
	testutil.Git(t, h.dir, "update-ref", MovingRef, "refs/remotes/origin/main")
	testutil.Git(t, h.dir, "read-tree", "-m", "-u", "HEAD", "refs/remotes/origin/main")
	if fi, err := os.Lstat(filepath.Join(h.dir, "a")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the interrupted checkout did not leave the link: %v", err)
	}

	h.round(t)
	if got, err := os.ReadFile(secret); err != nil || string(got) != "victim's own file\n" {
		t.Errorf("file beyond the planted link after the round: %q, %v", got, err)
	}
	if out, _ := testutil.GitErr(r.Dir, "grep", "-l", "victim's own file", "main"); out != "" {
		t.Errorf("the file beyond the link reached the remote: %s", out)
	}
	if l, err := os.Readlink(filepath.Join(h.dir, "a")); err != nil || l != victim {
		t.Errorf("h's work tree a = %q, %v; want the remote's link", l, err)
	}
	if out, err := testutil.GitErr(h.dir, "rev-parse", "--verify", "--quiet", MovingRef); err == nil {
		t.Errorf("%s left after the round: %s", MovingRef, out)
	}
}
