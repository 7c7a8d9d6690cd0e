package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestPeekLocalRef(t *testing.T) {
	ctx := context.Background()
	testutil.RequireProgram(t, "git")
	bare, err := Init(ctx, filepath.Join(t.TempDir(), "remote.git"), true, "main", Options{})
	if err != nil {
		t.Fatal(err)
	}
	work := newWork(t)
	c1 := commitFiles(t, work, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	runEnv(t, work.GitDir, testutil.GitEnv(), "push", "--quiet", bare.GitDir, c1+":refs/heads/main")

	check := func(stage, remote string, wantID string, wantOK bool) {
		t.Helper()
		id, ok := PeekLocalRef(remote, "refs/heads/main")
		if id != wantID || ok != wantOK {
			t.Errorf("%s: PeekLocalRef(%s) = %.7s, %v; want %.7s, %v", stage, remote, id, ok, wantID, wantOK)
		}
	}
	check("loose, file URL", "file://"+bare.GitDir, c1, true)
	check("loose, path", bare.GitDir, c1, true)
	runEnv(t, bare.GitDir, testutil.GitEnv(), "pack-refs", "--all")
	check("packed", "file://"+bare.GitDir, c1, true)
	if id, ok := PeekLocalRef("file://"+bare.GitDir, "refs/heads/none"); id != "" || !ok {
		t.Errorf("missing branch = %q, %v; want \"\", true", id, ok)
	}
	// Everything else is left to git.
	check("missing remote (offline)", "file://"+filepath.Join(t.TempDir(), "gone.git"), "", false)
	check("a work tree, not a bare repository", "file://"+work.WorkTree, "", false)
	check("http", "http://127.0.0.1:1/remote.git", "", false)
	check("ssh", "git@example.org:dotfiles.git", "", false)
	check("file URL with a host", "file://elsewhere"+bare.GitDir, "", false)
	if _, ok := PeekLocalRef(bare.GitDir, "refs/../x"); ok {
		t.Error("an escaping ref name was read")
	}
}

// The remote is untrusted: a FIFO, or a link to /dev/zero, where a ref,
// packed-refs or the config should be makes the peek give up (and the round
// fetch), never block or read without bound.
func TestPeekLocalRefGivesUpOnHostileFiles(t *testing.T) {
	testutil.RequireProgram(t, "git")
	for _, file := range []string{"refs/heads/main", "packed-refs", "config"} {
		for _, kind := range []string{"fifo", "zero"} {
			t.Run(kind+" at "+file, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "r.git")
				testutil.Git(t, "", "init", "--quiet", "--bare", "--initial-branch=main", dir)
				p := filepath.Join(dir, file)
				_ = os.Remove(p)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				var err error
				if kind == "fifo" {
					err = syscall.Mkfifo(p, 0o644)
				} else {
					err = os.Symlink("/dev/zero", p)
				}
				if err != nil {
					t.Fatal(err)
				}
				type answer struct {
					id string
					ok bool
				}
				done := make(chan answer, 1)
				go func() { id, ok := PeekLocalRef("file://"+dir, "refs/heads/main"); done <- answer{id, ok} }()
				select {
				case a := <-done:
					if a.ok && a.id != "" {
						t.Errorf("peek through a %s at %s = %q", kind, file, a.id)
					}
				case <-time.After(10 * time.Second):
					f, _ := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0)
					if f != nil {
						f.Close()
					}
					t.Fatalf("PeekLocalRef blocked on a %s at %s", kind, file)
				}
			})
		}
	}
}
