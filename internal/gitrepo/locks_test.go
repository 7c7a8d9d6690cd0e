package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
