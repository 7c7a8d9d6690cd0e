package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRepair: each kind of damage a power cut leaves is repaired, from the
// remote or from the work tree, and git fsck is clean afterwards; damage
// nothing can repair is reported as ErrCorrupt naming the object.
func TestRepair(t *testing.T) {
	ctx := context.Background()
	emptyFile := func(t *testing.T, p string) {
		t.Helper()
		if err := os.Truncate(p, 0); err != nil {
			t.Fatal(err)
		}
	}
	object := func(c *Repo, id string) string { return filepath.Join(c.GitDir, "objects", id[:2], id[2:]) }
	tests := []struct {
		name   string
		damage func(t *testing.T, c *Repo, pushed, local string)
		check  func(t *testing.T, c *Repo, rep *RepairReport)
		broken bool // nothing can repair it
	}{
		{name: "pushed commit emptied", damage: func(t *testing.T, c *Repo, pushed, _ string) {
			emptyFile(t, object(c, pushed))
		}, check: func(t *testing.T, c *Repo, rep *RepairReport) {
			if !rep.Fetched || len(rep.Quarantined) != 1 {
				t.Errorf("report %+v, want the object moved aside and fetched again", rep)
			}
		}},
		{name: "unpushed blob emptied", damage: func(t *testing.T, c *Repo, _, _ string) {
			emptyFile(t, object(c, testutil.Git(t, c.WorkTree, "rev-parse", "HEAD:local")))
		}, check: func(t *testing.T, c *Repo, rep *RepairReport) {
			if rep.Rehashed != 1 {
				t.Errorf("report %+v, want one object rebuilt from the work tree", rep)
			}
		}},
		{name: "branch ref emptied", damage: func(t *testing.T, c *Repo, _, _ string) {
			emptyFile(t, filepath.Join(c.GitDir, "refs", "heads", "main"))
		}, check: func(t *testing.T, c *Repo, rep *RepairReport) {
			if !slices.Contains(rep.RefsRestored, filepath.Join("refs", "heads", "main")) {
				t.Errorf("report %+v, want refs/heads/main restored", rep)
			}
		}},
		{name: "index emptied", damage: func(t *testing.T, c *Repo, _, _ string) {
			emptyFile(t, filepath.Join(c.GitDir, "index"))
			if err := os.WriteFile(filepath.Join(c.WorkTree, "edited"), []byte("kept\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, check: func(t *testing.T, c *Repo, rep *RepairReport) {
			st, err := c.Status(ctx)
			if !rep.IndexRebuilt || err != nil || len(st) != 1 || st[0].Path != "edited" {
				t.Errorf("report %+v, status %+v, %v: want the index rebuilt and the work tree edit still seen", rep, st, err)
			}
		}},
		{name: "unpushed blob emptied and its file changed", broken: true, damage: func(t *testing.T, c *Repo, _, _ string) {
			emptyFile(t, object(c, testutil.Git(t, c.WorkTree, "rev-parse", "HEAD:local")))
			if err := os.WriteFile(filepath.Join(c.WorkTree, "local"), []byte("other\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			remote := testutil.NewRemote(t)
			remote.SeedMain(t, map[string]string{"a": "1\n"})
			c := cloneOf(t, remote.FileURL(), Options{})
			git := func(args ...string) string { return testutil.Git(t, c.WorkTree, args...) }
			write := func(name, body string) {
				if err := os.WriteFile(filepath.Join(c.WorkTree, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("b", "pushed\n")
			git("add", "b")
			git("commit", "-q", "-m", "pushed")
			git("push", "-q", "origin", "main")
			pushed := git("rev-parse", "HEAD")
			write("local", "not pushed\n")
			git("add", "local")
			git("commit", "-q", "-m", "local")
			local := git("rev-parse", "HEAD")
			tt.damage(t, c, pushed, local)

			rep, err := c.Repair(ctx, remote.FileURL())
			if tt.broken {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
					t.Fatalf("Repair = %v, want ErrCorrupt naming what is missing", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Repair: %v (report %+v)", err, rep)
			}
			tt.check(t, c, rep)
			if out, err := testutil.GitErr(c.WorkTree, "fsck", "--no-dangling", "--no-progress"); err != nil || out != "" {
				t.Errorf("git fsck after repair: %v\n%s", err, out)
			}
			if head := git("rev-parse", "HEAD"); head != local {
				t.Errorf("HEAD is %s after repair, want the unpushed commit %s", head, local)
			}
		})
	}
}
