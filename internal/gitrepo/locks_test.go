package gitrepo

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestRemoveStaleLocks(t *testing.T) {
	tests := []struct {
		name        string
		minAge      time.Duration
		hold        func(t *testing.T, r *Repo, lock string) // makes the lock look in use
		wantRemoved bool
	}{
		{name: "left by a killed process", wantRemoved: true},
		{name: "younger than minAge", minAge: time.Hour},
		{
			name: "open in some process",
			hold: func(t *testing.T, _ *Repo, lock string) {
				f, err := os.Open(lock)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
			},
		},
		{
			name: "a git process works in the repository",
			hold: func(t *testing.T, r *Repo, _ string) {
				// cat-file --batch waits on stdin: a live git with its cwd in the work tree.
				cmd := exec.Command("git", "cat-file", "--batch")
				cmd.Dir = r.WorkTree
				cmd.Env = testutil.GitEnv()
				stdin, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					stdin.Close()
					if err := cmd.Wait(); err != nil {
						t.Errorf("git cat-file --batch: %v", err)
					}
				})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newWork(t)
			c := commitFiles(t, r, "", map[string]*string{"f": s("1\n")}, testAuthor.When)
			locks := []string{filepath.Join(r.GitDir, "index.lock"), filepath.Join(r.GitDir, "refs", "heads", "main.lock")}
			for _, l := range locks {
				write(t, l, "")
			}
			if tt.hold != nil {
				tt.hold(t, r, locks[0])
			}
			// With the lock present, git refuses to touch the index.
			if err := r.Checkout(ctx, "", c); err == nil {
				t.Fatal("checkout succeeded despite index.lock")
			}
			removed, err := r.RemoveStaleLocks(ctx, tt.minAge)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantRemoved {
				if !slices.Equal(removed, locks) {
					t.Fatalf("removed %q, want %q", removed, locks)
				}
				if err := r.Checkout(ctx, "", c); err != nil {
					t.Errorf("checkout after removing stale locks: %v", err)
				}
				if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
					t.Errorf("update-ref after removing stale locks: %v", err)
				}
				return
			}
			if len(removed) != 0 && (tt.hold == nil || removed[0] == locks[0]) {
				t.Errorf("removed %q, want index.lock kept", removed)
			}
			if _, err := os.Stat(locks[0]); err != nil {
				t.Errorf("index.lock is gone: %v", err)
			}
		})
	}
}

// The real case: a user's `git commit -a` holds index.lock (without keeping
// it open) while the editor runs. While it lives the lock stays; once it is
// SIGKILLed the lock is stale and goes, and git works again.
func TestRemoveStaleLocksAfterKilledCommit(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c := commitFiles(t, r, "", map[string]*string{"f": s("1\n")}, testAuthor.When)
	if err := r.Checkout(ctx, "", c); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(r.WorkTree, "f"), "2\n")
	fifo := filepath.Join(t.TempDir(), "editor-ready")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "commit", "-a")
	cmd.Dir = r.WorkTree
	cmd.Env = append(testutil.GitEnv(), "GIT_EDITOR=echo ready > '"+fifo+"' && sleep 60 && true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the group may already be gone
			_ = cmd.Wait()                                      // "signal: killed" is the expected outcome
		}
	}
	t.Cleanup(kill)

	// Opening the fifo blocks until the editor writes to it: the commit is
	// then waiting in the editor with index.lock taken.
	ready := make(chan error, 1)
	go func() {
		f, err := os.Open(fifo)
		if err == nil {
			_, err = io.ReadAll(f)
			f.Close()
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("git commit never reached the editor")
	}
	lock := filepath.Join(r.GitDir, "index.lock")
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("git commit -a in the editor holds no index.lock: %v", err)
	}
	if removed, err := r.RemoveStaleLocks(ctx, 0); err != nil || len(removed) != 0 {
		t.Fatalf("with git commit alive: removed %q, %v; want nothing removed", removed, err)
	}
	kill()
	if _, err := os.Stat(lock); err != nil {
		t.Fatalf("SIGKILL left no index.lock to clean up: %v", err)
	}
	if _, err := r.Status(ctx); err != nil {
		t.Fatalf("status (takes no lock) failed: %v", err)
	}
	removed, err := r.RemoveStaleLocks(ctx, 0)
	if err != nil || !slices.Equal(removed, []string{lock}) {
		t.Fatalf("after the kill: removed %q, %v; want %s", removed, err, lock)
	}
	next := commitFiles(t, r, c, map[string]*string{"g": s("new\n")}, testAuthor.When)
	if err := r.Checkout(ctx, c, next); err != nil {
		t.Errorf("checkout after cleaning up: %v", err)
	}
}
