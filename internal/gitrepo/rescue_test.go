package gitrepo

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRescueUnpushedBundlesOnlyWhatTheRemoteLacks: the bundle holds the
// local commits past the tracking ref and brings them back into a fresh
// clone; with nothing unpushed there is no bundle.
func TestRescueUnpushedBundlesOnlyWhatTheRemoteLacks(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	pushed := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	local := commitFiles(t, r, pushed, map[string]*string{"a": s("2\n")}, testAuthor.When)
	if err := r.UpdateRef(ctx, "refs/remotes/origin/main", pushed, "", "test"); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", pushed, "", "test"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rescue")
	if got, err := r.RescueUnpushed(ctx, "refs/heads/main", "refs/remotes/origin/main", dir); got != "" || err != nil {
		t.Fatalf("nothing unpushed: bundle %q, %v", got, err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", local, pushed, "test"); err != nil {
		t.Fatal(err)
	}
	bundle, err := r.RescueUnpushed(ctx, "refs/heads/main", "refs/remotes/origin/main", dir)
	if err != nil || bundle == "" {
		t.Fatalf("RescueUnpushed: %q, %v", bundle, err)
	}
	// A clone that has the pushed commit only gets the local one back.
	other := filepath.Join(t.TempDir(), "other")
	testutil.Git(t, "", "init", "--quiet", "--bare", other)
	testutil.Git(t, other, "fetch", "--quiet", r.GitDir, pushed+":refs/heads/base")
	testutil.Git(t, other, "fetch", "--quiet", bundle, "refs/heads/main:refs/heads/rescued")
	if got := strings.TrimSpace(testutil.Git(t, other, "rev-parse", "refs/heads/rescued")); got != local {
		t.Errorf("rescued tip %s, want %s", got, local)
	}
	if n := strings.TrimSpace(testutil.Git(t, other, "rev-list", "--count", "base..rescued")); n != "1" {
		t.Errorf("bundle brought %s commits past the pushed one, want 1", n)
	}
}

// TestRescueUnpushedMakesOneSelfContainedBundlePerTip: a round that fails
// again reuses the bundle of the same tip instead of adding one per
// round, and the bundle needs no commit the remote may have dropped since
// (a rewritten remote).
func TestRescueUnpushedMakesOneSelfContainedBundlePerTip(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	pushed := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	local := commitFiles(t, r, pushed, map[string]*string{"a": s("2\n")}, testAuthor.When)
	if err := r.UpdateRef(ctx, "refs/remotes/origin/main", pushed, "", "test"); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", local, "", "test"); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "rescue")
	first, err := r.RescueUnpushed(ctx, "refs/heads/main", "refs/remotes/origin/main", dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.RescueUnpushed(ctx, "refs/heads/main", "refs/remotes/origin/main", dir)
	if err != nil {
		t.Fatal(err)
	}
	if all, _ := filepath.Glob(filepath.Join(dir, "*.bundle")); first != second || len(all) != 1 {
		t.Errorf("two rescues of one tip: %s and %s, bundles %v", first, second, all)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	testutil.Git(t, "", "init", "--quiet", "--bare", empty)
	testutil.Git(t, empty, "fetch", "--quiet", first, "refs/heads/main:refs/heads/rescued")
	if got := strings.TrimSpace(testutil.Git(t, empty, "rev-parse", "refs/heads/rescued")); got != local {
		t.Errorf("rescued tip %s, want %s", got, local)
	}
}
