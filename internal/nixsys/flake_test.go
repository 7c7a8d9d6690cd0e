package nixsys_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	c := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@hearth.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	c.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commitFlake writes flake.nix in dir (a git repo) and commits it.
func commitFlake(t *testing.T, dir, body string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "flake.nix"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "flake.nix")
	git(t, dir, "commit", "-q", "-m", "flake")
	return git(t, dir, "rev-parse", "HEAD")
}

func TestFlakeUpdateLocksNewestInput(t *testing.T) {
	t.Parallel()
	_, n, _ := setup(t)
	dep, top := t.TempDir(), t.TempDir()
	git(t, dep, "init", "-q", "-b", "main")
	git(t, top, "init", "-q", "-b", "main")
	rev1 := commitFlake(t, dep, `{ outputs = { self }: { value = "one"; }; }`)
	commitFlake(t, top, `{ inputs.dep.url = "git+file://`+dep+`"; outputs = { self, dep }: { v = dep.value; }; }`)
	ctx := context.Background()
	lockOf := func() string {
		b, err := os.ReadFile(filepath.Join(top, "flake.lock"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if err := n.FlakeUpdate(ctx, top, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lockOf(), rev1) {
		t.Fatalf("flake.lock does not lock dep at %s:\n%s", rev1, lockOf())
	}
	rev2 := commitFlake(t, dep, `{ outputs = { self }: { value = "two"; }; }`)
	if err := n.FlakeUpdate(ctx, top, nil); err != nil {
		t.Fatal(err)
	}
	if lock := lockOf(); !strings.Contains(lock, rev2) || strings.Contains(lock, rev1) {
		t.Fatalf("after update, flake.lock should lock %s only:\n%s", rev2, lock)
	}
	// A directory without flake.nix is refused, not searched upwards from.
	sub := filepath.Join(top, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	before := lockOf()
	commitFlake(t, dep, `{ outputs = { self }: { value = "three"; }; }`)
	if err := n.FlakeUpdate(ctx, sub, nil); err == nil {
		t.Fatal("flake update of a directory without flake.nix succeeded")
	}
	if lockOf() != before {
		t.Fatal("a refused update changed the parent flake's lock")
	}
}
