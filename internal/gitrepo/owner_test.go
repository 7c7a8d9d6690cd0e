package gitrepo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRepositoryProgramsNeverRun: in hearth's own repository, hooks, an
// fsmonitor, a clean/smudge filter, an ssh command and an ext:: rewrite of
// the remote URL are all configured to leave a marker; committing, checking
// out, moving refs and fetching must run none of them.
func TestRepositoryProgramsNeverRun(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	markers := t.TempDir()
	script := func(name string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, fmt.Appendf(nil, "#!/bin/sh\ntouch %s/%s\ncat\n", markers, name), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, hook := range []string{"reference-transaction", "post-checkout", "pre-commit", "post-index-change"} {
		if err := os.WriteFile(filepath.Join(r.GitDir, "hooks", hook), fmt.Appendf(nil, "#!/bin/sh\ntouch %s/%s\n", markers, hook), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) { testutil.Git(t, r.WorkTree, args...) }
	git("config", "core.fsmonitor", script("fsmonitor"))
	git("config", "filter.x.clean", script("clean"))
	git("config", "filter.x.smudge", script("smudge"))
	git("config", "core.sshCommand", script("ssh"))
	git("config", "protocol.ext.allow", "always")
	git("config", "url.ext::"+script("ext")+" %S .insteadOf", "http://rewrite.invalid/")
	if err := os.WriteFile(filepath.Join(r.WorkTree, ".gitattributes"), []byte("* filter=x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.WorkTree, "a"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Drivers are read when a repository is opened, as every round does.
	r, err := Open(ctx, r.WorkTree, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.StageAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CommitTree(ctx, CommitSpec{Tree: tree, Message: "one", Author: testAuthor, Committer: testAuthor})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "test"); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(r.WorkTree, "a")); err != nil {
		t.Fatal(err)
	}
	if err := r.CheckoutPaths(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Changed(ctx); err != nil {
		t.Fatal(err)
	}
	_ = r.Fetch(ctx, "ssh://127.0.0.1:1/x", "refs/heads/main:refs/remotes/x/main")
	_ = r.Fetch(ctx, "http://rewrite.invalid/x", "refs/heads/main:refs/remotes/x/main")
	ran, _ := os.ReadDir(markers)
	for _, m := range ran {
		t.Errorf("git ran the repository's %s", m.Name())
	}
}

// TestOpenRefusesForeignOwner: a clone owned by another uid is refused
// before git runs in it, naming the path and the owner.
func TestOpenRefusesForeignOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a repository to another uid")
	}
	r := newWork(t)
	for _, owned := range []string{r.WorkTree, r.GitDir, filepath.Join(r.GitDir, "config")} {
		t.Run(filepath.Base(owned), func(t *testing.T) {
			if err := os.Lchown(owned, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			defer os.Lchown(owned, 0, 0)
			_, err := Open(context.Background(), r.WorkTree, Options{})
			if !errors.Is(err, ErrForeignOwner) || !strings.Contains(err.Error(), owned+" is owned by uid 65534") {
				t.Fatalf("Open = %v, want ErrForeignOwner naming %s and uid 65534", err, owned)
			}
		})
	}
}

// TestSafetyArgs: every command gets the options that keep a repository's
// programs from running and make git's writes durable.
func TestSafetyArgs(t *testing.T) {
	r := newRepo("/x/.git", "/x", Options{})
	args := strings.Join(r.baseArgs(call{}), " ")
	for _, want := range []string{"core.hooksPath=" + os.DevNull, "core.fsmonitor=false", "credential.helper=", "core.fsync=added", "core.fsyncMethod=batch"} {
		if !strings.Contains(args, "-c "+want) {
			t.Errorf("git args %q lack -c %s", args, want)
		}
	}
	env := strings.Join(r.environ(nil), "\n") + "\n"
	for _, want := range []string{"GIT_SSH_COMMAND=ssh", "GIT_ASKPASS=", "GIT_ALLOW_PROTOCOL=file:git:http:https:ssh"} {
		if !strings.Contains(env, "\n"+want+"\n") {
			t.Errorf("git environment lacks %s", want)
		}
	}
}
