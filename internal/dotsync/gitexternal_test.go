package dotsync

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestGitExternalClonesAndFastForwards: a git-repo external is cloned with
// hearth's git, pulled to the remote's new commit, and a pull never throws
// away a local commit.
func TestGitExternalClonesAndFastForwards(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"plugin.vim": "v1\n"})
	dir := filepath.Join(t.TempDir(), "home", ".vim", "pack", "plugin")
	git := gitExternal(gitrepo.Options{})
	ctx := context.Background()
	if err := git(ctx, dir, r.FileURL(), false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "plugin.vim")); err != nil || string(b) != "v1\n" {
		t.Fatalf("clone: %q %v", b, err)
	}
	r.SeedMain(t, map[string]string{"plugin.vim": "v2\n"})
	if err := git(ctx, dir, r.FileURL(), true); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "plugin.vim")); err != nil || string(b) != "v2\n" {
		t.Fatalf("pull: %q %v", b, err)
	}
	if head := testutil.Git(t, dir, "rev-parse", "HEAD"); head != r.Head(t, "main") {
		t.Errorf("HEAD %s, want the remote's %s", head, r.Head(t, "main"))
	}
	// A local commit is never thrown away by a pull.
	os.WriteFile(filepath.Join(dir, "local"), []byte("x\n"), 0o644)
	testutil.Git(t, dir, "add", "local")
	testutil.Git(t, dir, "commit", "-qm", "local")
	r.SeedMain(t, map[string]string{"plugin.vim": "v3\n"})
	if err := git(ctx, dir, r.FileURL(), true); err == nil || !strings.Contains(err.Error(), "not pulled") {
		t.Errorf("pull over a local commit: %v, want refused", err)
	}
}
