package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// The working checkout is only ever fast-forwarded: local commits and local
// edits in the way leave it exactly as it was, and the deploy still happens.
func TestCheckoutOnlyFastForwards(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	repo.Commit(t, testutil.NixSystem{Version: "v1"})
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string // in Result.Checkout
		moved   bool
	}{
		{"clean", func(*testing.T, string) {}, "fast-forwarded", true},
		{"untracked file of its own", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "notes"), "mine\n")
		}, "fast-forwarded", true},
		{"edited file the commit changes", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "flake.nix"), "# my edit\n")
		}, "left alone: local changes", false},
		{"local commit", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "local"), "x\n")
			testutil.Git(t, dir, "add", "local")
			testutil.Git(t, dir, "commit", "--quiet", "-m", "local work")
		}, "left alone: HEAD", false},
	}
	var hosts []*host
	for _, tt := range tests {
		h := newHost(t, env, "desk", repo.Dir)
		h.opts.Checkout = filepath.Join(t.TempDir(), "nix-config")
		testutil.Git(t, "", "clone", "--quiet", repo.Dir, h.opts.Checkout)
		h.mustRound(t, deploy.OutcomeDeployed, nil)
		tt.prepare(t, h.opts.Checkout)
		hosts = append(hosts, h)
	}
	v2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hosts[i]
			before := testutil.Git(t, h.opts.Checkout, "rev-parse", "HEAD")
			status := testutil.Git(t, h.opts.Checkout, "status", "--porcelain")
			res := h.mustRound(t, deploy.OutcomeDeployed, nil)
			if !strings.Contains(res.Checkout, tt.want) {
				t.Fatalf("checkout: %q, want %q", res.Checkout, tt.want)
			}
			head := testutil.Git(t, h.opts.Checkout, "rev-parse", "HEAD")
			if tt.moved {
				if head != v2 || testutil.Git(t, h.opts.Checkout, "rev-parse", "main") != v2 {
					t.Fatalf("HEAD %s, want %s", head, v2)
				}
				if b, _ := os.ReadFile(filepath.Join(h.opts.Checkout, "flake.nix")); !strings.Contains(string(b), `"v2"`) {
					t.Fatal("work tree not updated")
				}
				return
			}
			if head != before {
				t.Fatalf("HEAD moved from %s to %s", before, head)
			}
			if got := testutil.Git(t, h.opts.Checkout, "status", "--porcelain"); got != status {
				t.Fatalf("work tree changed: %q → %q", status, got)
			}
		})
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
