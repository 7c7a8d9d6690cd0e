package nixsys_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// setup returns an isolated nix, a Nix bound to it, and a repo of the test system.
func setup(t *testing.T) (testutil.NixEnv, *nixsys.Nix, *testutil.NixSystemRepo) {
	t.Helper()
	env := testutil.Nix(t)
	n := nixsys.New(nixsys.Options{Env: env.Vars})
	if n.StoreDir() != env.StoreDir {
		t.Fatalf("StoreDir() = %s, want %s from NIX_STORE_DIR", n.StoreDir(), env.StoreDir)
	}
	return env, n, testutil.NewNixSystemRepo(t, env)
}

func build(t *testing.T, n *nixsys.Nix, repo *testutil.NixSystemRepo, rev string) string {
	t.Helper()
	out, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev, Attr: testutil.NixSystemAttr})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readVersion(t *testing.T, storePath string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(storePath, "version"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestBuildExactRevNotCheckout(t *testing.T) {
	t.Parallel()
	_, n, repo := setup(t)
	rev1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	rev2 := repo.Commit(t, testutil.NixSystem{Version: "v2"})
	// A dirty work tree must not leak into a build of a commit.
	if err := os.WriteFile(filepath.Join(repo.Dir, "flake.nix"), []byte("broken {"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	out1, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev1, Attr: testutil.NixSystemAttr, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	out2 := build(t, n, repo, rev2)
	if got := readVersion(t, out1); got != "v1" {
		t.Errorf("build of %s has version %q, want v1", rev1, got)
	}
	if got := readVersion(t, out2); got != "v2" {
		t.Errorf("build of %s has version %q, want v2", rev2, got)
	}
	if out1 == out2 {
		t.Errorf("two versions built to the same path %s", out1)
	}
	if !strings.Contains(log.String(), "building") {
		t.Errorf("build log was not streamed; got %q", log.String())
	}
	// The NixOS-style attribute names the same derivation.
	outOS, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev2, Attr: testutil.NixOSAttr("test")})
	if err != nil {
		t.Fatal(err)
	}
	if outOS != out2 {
		t.Errorf("%s built %s, want %s", testutil.NixOSAttr("test"), outOS, out2)
	}
}

func TestBuildOutLinkIsGCRoot(t *testing.T) {
	t.Parallel()
	env, n, repo := setup(t)
	rooted := repo.Commit(t, testutil.NixSystem{Version: "rooted"})
	loose := repo.Commit(t, testutil.NixSystem{Version: "loose"})
	link := filepath.Join(t.TempDir(), "result")
	outRooted, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rooted, Attr: testutil.NixSystemAttr, OutLink: link})
	if err != nil {
		t.Fatal(err)
	}
	outLoose := build(t, n, repo, loose)
	env.Run(t, "nix-store", "--gc")
	if _, err := os.Stat(outRooted); err != nil {
		t.Errorf("build with OutLink was garbage collected: %v", err)
	}
	if _, err := os.Stat(outLoose); !os.IsNotExist(err) {
		t.Errorf("unrooted build %s survived the GC (err %v): the GC check proves nothing", outLoose, err)
	}
}

func TestBuildFailureNamesRefAndCause(t *testing.T) {
	t.Parallel()
	_, n, repo := setup(t)
	rev := repo.Commit(t, testutil.NixSystem{Version: "broken", FailBuild: true})
	var log bytes.Buffer
	_, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev, Attr: testutil.NixSystemAttr, Log: &log})
	if err == nil {
		t.Fatal("build of a failing derivation succeeded")
	}
	for _, want := range []string{rev, "build failure requested"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if !strings.Contains(log.String(), "build failure requested") {
		t.Errorf("builder output not streamed to the log: %q", log.String())
	}
}

func TestBuildTimeout(t *testing.T) {
	t.Parallel()
	_, n, repo := setup(t)
	rev := repo.Commit(t, testutil.NixSystem{Version: "slow", BuildSeconds: 60})
	start := time.Now()
	_, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev, Attr: testutil.NixSystemAttr, Timeout: 2 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("build took %s to stop after a 2s timeout", d)
	}
}

func TestFlakeRefValidation(t *testing.T) {
	t.Parallel()
	rev := strings.Repeat("a", 40)
	tests := []struct {
		name    string
		spec    nixsys.BuildSpec
		want    string
		wantErr string
	}{
		{"ok", nixsys.BuildSpec{Repo: "/srv/mirror.git", Rev: rev, Attr: "toplevel"}, "git+file:///srv/mirror.git?rev=" + rev + "#toplevel", ""},
		{"relative repo", nixsys.BuildSpec{Repo: "mirror.git", Rev: rev, Attr: "x"}, "", "not an absolute path"},
		{"query in repo", nixsys.BuildSpec{Repo: "/srv/m?ref=x", Rev: rev, Attr: "x"}, "", "not allowed"},
		{"short rev", nixsys.BuildSpec{Repo: "/srv/m", Rev: "abc123", Attr: "x"}, "", "40-hex"},
		{"branch name", nixsys.BuildSpec{Repo: "/srv/m", Rev: "main", Attr: "x"}, "", "40-hex"},
		{"empty attr", nixsys.BuildSpec{Repo: "/srv/m", Rev: rev}, "", "invalid flake attribute"},
		{"attr with fragment", nixsys.BuildSpec{Repo: "/srv/m", Rev: rev, Attr: "a#b"}, "", "invalid flake attribute"},
		{"attr like option", nixsys.BuildSpec{Repo: "/srv/m", Rev: rev, Attr: "--impure"}, "", "invalid flake attribute"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.spec.FlakeRef()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FlakeRef() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
