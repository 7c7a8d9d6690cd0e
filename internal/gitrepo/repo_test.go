package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	work := newWork(t)
	bare, err := Init(ctx, filepath.Join(t.TempDir(), "bare.git"), true, "main", Options{})
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(work.WorkTree, "sub")
	plain := t.TempDir()
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		dir      string
		wantBare bool
		wantErr  string
	}{
		{name: "work tree", dir: work.WorkTree},
		{name: "bare", dir: bare.GitDir, wantBare: true},
		{name: "subdirectory of a work tree", dir: sub, wantErr: "not a git repository"},
		{name: "git dir of a work tree", dir: work.GitDir, wantErr: "open git repo"},
		{name: "plain directory", dir: plain, wantErr: "not a git repository"},
		{name: "missing directory", dir: filepath.Join(plain, "missing"), wantErr: "not a git repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(ctx, tt.dir, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.dir) {
					t.Fatalf("Open(%s) = %+v, %v; want an error naming the dir with %q", tt.dir, r, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Bare() != tt.wantBare || r.Dir() != tt.dir {
				t.Errorf("Open(%s) = %+v, want bare=%v", tt.dir, r, tt.wantBare)
			}
		})
	}
	if _, err := Init(ctx, filepath.Join(t.TempDir(), "x"), false, "-b", Options{}); err == nil {
		t.Error("Init accepted the branch name -b")
	}
}

// hearth's git must not be steered by the caller's environment or by the
// user's configuration: GIT_DIR and GIT_INDEX_FILE in the environment, and a
// ~/.gitconfig that rewrites URLs and sets hooks, change nothing.
func TestEnvironmentIsolation(t *testing.T) {
	ctx := context.Background()
	remote := testutil.NewRemote(t)
	seed := remote.SeedMain(t, map[string]string{"a": "1\n"})
	elsewhere := newWork(t)

	home := t.TempDir()
	hooks := filepath.Join(home, "hooks")
	write(t, filepath.Join(hooks, "pre-push"), "#!/bin/sh\nexit 1\n")
	if err := os.Chmod(filepath.Join(hooks, "pre-push"), 0o755); err != nil {
		t.Fatal(err)
	}
	leaky := "[url \"file:///nonexistent/\"]\n\tinsteadOf = " + remote.FileURL() + "\n" +
		"[url \"http://127.0.0.1:1/\"]\n\tinsteadOf = " + remote.HTTPURL() + "\n" +
		"[core]\n\thooksPath = " + hooks + "\n"
	write(t, filepath.Join(home, ".gitconfig"), leaky)
	write(t, filepath.Join(home, ".config", "git", "config"), leaky)
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_DIR", elsewhere.GitDir)
	t.Setenv("GIT_INDEX_FILE", filepath.Join(home, "index"))
	t.Setenv("GIT_CONFIG_PARAMETERS", "'url.file:///nonexistent/.insteadof'='"+remote.FileURL()+"'")
	t.Setenv("LANG", "de_DE.UTF-8")

	for name, url := range transports(remote) {
		t.Run(name, func(t *testing.T) {
			c := cloneOf(t, url, Options{})
			got, err := c.RevParse(ctx, "HEAD")
			if err != nil || got != seed {
				t.Fatalf("HEAD of the clone = %s, %v; want %s", got, err, seed)
			}
			if err := c.Fetch(ctx, "origin", "+refs/heads/main:refs/remotes/origin/main"); err != nil {
				t.Fatalf("fetch went through the user's config: %v", err)
			}
			next := commitFiles(t, c, seed, map[string]*string{name: s("x\n")}, testAuthor.When)
			head := remote.Head(t, "main")
			if err := c.Push(ctx, "origin", next, "refs/heads/"+name, ""); err != nil {
				t.Fatalf("push ran the user's hook or URL rewrite: %v (main at %s)", err, head)
			}
		})
	}
	if _, err := elsewhere.RevParse(ctx, "refs/remotes/origin/main"); err == nil {
		t.Error("GIT_DIR from the environment redirected a command to another repository")
	}
}

func TestCloneErrors(t *testing.T) {
	ctx := context.Background()
	empty := testutil.NewRemote(t)
	stopped := testutil.NewRemote(t)
	stopped.SeedMain(t, map[string]string{"a": "1\n"})
	stopped.Stop(t)
	tests := []struct {
		name    string
		url     string
		wantErr error
	}{
		{"empty remote over http", empty.HTTPURL(), ErrNotFound},
		{"empty remote over file", empty.FileURL(), ErrNotFound},
		{"stopped remote over http", stopped.HTTPURL(), ErrOffline},
		{"stopped remote over file", stopped.FileURL(), ErrOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "clone")
			_, err := Clone(ctx, tt.url, dir, CloneOptions{Branch: "main"}, Options{})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Clone = %v, want %v", err, tt.wantErr)
			}
			// A failed clone leaves nothing a retry would trip over.
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("failed clone left %d entries in %s", len(entries), dir)
			}
		})
	}
}
