package gitrepo

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// The wrapper's cost over running git directly: compare each Benchmark…/hearth
// with its …/git sibling from the same run.

func BenchmarkRevParse(b *testing.B) {
	r := benchRepo(b)
	b.Run("hearth", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.RevParse(context.Background(), "HEAD"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("git", func(b *testing.B) {
		for b.Loop() {
			rawGit(b, r.WorkTree, "rev-parse", "--verify", "HEAD")
		}
	})
}

func BenchmarkFetchNoop(b *testing.B) {
	remote := testutil.NewRemote(b)
	remote.SeedMain(b, map[string]string{"a": "1\n"})
	for name, url := range transports(remote) {
		c, err := Clone(context.Background(), url, b.TempDir()+"/c", CloneOptions{}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		const refspec = "+refs/heads/main:refs/remotes/origin/main"
		b.Run(name+"/hearth", func(b *testing.B) {
			for b.Loop() {
				if err := c.Fetch(context.Background(), "origin", refspec); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/git", func(b *testing.B) {
			for b.Loop() {
				rawGit(b, c.WorkTree, "fetch", "--quiet", "origin", refspec)
			}
		})
	}
}

func BenchmarkMergeTreeConflict(b *testing.B) {
	r := benchRepo(b)
	t0 := time.Unix(1_700_000_000, 0)
	base := benchCommit(b, r, "", "line1\nline2\nline3\n", t0)
	ours := benchCommit(b, r, base, "line1\nOURS\nline3\n", t0)
	theirs := benchCommit(b, r, base, "line1\nTHEIRS\nline3\n", t0)
	b.Run("hearth", func(b *testing.B) {
		for b.Loop() {
			res, err := r.MergeTree(context.Background(), ours, theirs)
			if err != nil || res.Clean {
				b.Fatal(err, res)
			}
		}
	})
	b.Run("git", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command("git", "merge-tree", "--write-tree", "-z", "--messages", ours, theirs)
			cmd.Dir, cmd.Env = r.WorkTree, testutil.GitEnv()
			if err := cmd.Run(); err == nil {
				b.Fatal("expected a conflict")
			}
		}
	})
}

func benchRepo(b *testing.B) *Repo {
	b.Helper()
	testutil.RequireProgram(b, "git")
	r, err := Init(context.Background(), b.TempDir()+"/w", false, "main", Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := benchCommit(b, r, "", "x\n", time.Unix(1_700_000_000, 0))
	if err := r.UpdateRef(context.Background(), "refs/heads/main", c, "", "bench"); err != nil {
		b.Fatal(err)
	}
	return r
}

func benchCommit(b *testing.B, r *Repo, parent, content string, when time.Time) string {
	b.Helper()
	ctx := context.Background()
	id, err := r.HashObject(ctx, []byte(content))
	if err != nil {
		b.Fatal(err)
	}
	tree, err := r.BuildTree(ctx, parent, []TreeEdit{{Path: "f", Mode: ModeFile, ID: id}})
	if err != nil {
		b.Fatal(err)
	}
	spec := CommitSpec{Tree: tree, Message: "bench", Author: Signature{Name: "b", Email: "b@example.invalid", When: when}}
	if parent != "" {
		spec.Parents = []string{parent}
	}
	c, err := r.CommitTree(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func rawGit(b *testing.B, dir string, args ...string) {
	b.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, testutil.GitEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("git %v: %v: %s", args, err, out)
	}
}
