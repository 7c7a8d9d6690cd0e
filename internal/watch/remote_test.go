package watch

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), testutil.GitEnv()...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// TestRemotePoller: moved exactly when the remote's branch is not where
// the clone's tracking ref is, over a local path (read directly) and a
// file:// URL that is not certain to be plain (asked through git); a
// remote that is gone is an error (the loop backs off), and the poll
// took no lock.
func TestRemotePoller(t *testing.T) {
	testutil.RequireProgram(t, "git")
	root := t.TempDir()
	bare, src, other := filepath.Join(root, "remote.git"), filepath.Join(root, "src"), filepath.Join(root, "other")
	git(t, root, "init", "--quiet", "--bare", "--initial-branch=main", bare)
	git(t, root, "init", "--quiet", "--initial-branch=main", other)
	os.WriteFile(filepath.Join(other, "a"), []byte("1\n"), 0o644)
	git(t, other, "add", "a")
	git(t, other, "commit", "--quiet", "-m", "one")
	git(t, other, "push", "--quiet", bare, "main")
	git(t, root, "clone", "--quiet", bare, src)
	for _, remote := range []string{bare, "file://" + bare} {
		p := &RemotePoller{Remote: remote, Branch: "main", SourceDir: src, TrackingRef: "refs/remotes/origin/main"}
		ctx := context.Background()
		if moved, err := p.Poll(ctx); err != nil || moved {
			t.Fatalf("%s: unmoved remote: moved=%v err=%v", remote, moved, err)
		}
		os.WriteFile(filepath.Join(other, "a"), []byte(remote), 0o644)

		git(t, other, "commit", "--quiet", "-am", "two")
		git(t, other, "push", "--quiet", bare, "main")
		if moved, err := p.Poll(ctx); err != nil || !moved {
			t.Fatalf("%s: moved remote: moved=%v err=%v", remote, moved, err)
		}
		git(t, src, "fetch", "--quiet", "origin")
		if moved, err := p.Poll(ctx); err != nil || moved {
			t.Fatalf("%s: after the fetch: moved=%v err=%v", remote, moved, err)
		}
		// Our own push (by URL, as rounds push) leaves the tracking ref
		// behind: still no news.
		git(t, src, "merge", "--quiet", "--ff-only", "origin/main")
		os.WriteFile(filepath.Join(src, "a"), []byte(remote+" from src"), 0o644)
		git(t, src, "commit", "--quiet", "-am", "ours")
		git(t, src, "push", "--quiet", bare, "main")
		if moved, err := p.Poll(ctx); err != nil || moved {
			t.Fatalf("%s: after our own push: moved=%v err=%v", remote, moved, err)
		}
		git(t, other, "pull", "--quiet", "--ff-only", bare, "main")
	}
	// Over HTTP: one ref advertisement.
	r := testutil.NewRemote(t)
	r.SeedMain(t, map[string]string{"a": "1\n"})
	src2 := filepath.Join(root, "src2")
	git(t, root, "clone", "--quiet", r.FileURL(), src2)
	p := &RemotePoller{Remote: r.HTTPURL(), Branch: "main", SourceDir: src2, TrackingRef: "refs/remotes/origin/main"}
	if moved, err := p.Poll(context.Background()); err != nil || moved {
		t.Fatalf("http, unmoved: moved=%v err=%v", moved, err)
	}
	gone := filepath.Join(root, "gone.git")
	if err := os.Rename(bare, gone); err != nil {
		t.Fatal(err)
	}
	p = &RemotePoller{Remote: "file://" + bare, Branch: "main", SourceDir: src, TrackingRef: "refs/remotes/origin/main"}
	if _, err := p.Poll(context.Background()); err == nil {
		t.Fatal("a remote renamed away answered")
	}
	if _, err := os.Stat(filepath.Join(src, ".git", "index.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the poll left a lock")
	}

}
