package nixsys_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// The benchmarks pair each nixsys call with the plain nix command doing the
// same work, so the wrapper's overhead reads as a ratio of the two.

func benchSetup(b *testing.B) (testutil.NixEnv, *nixsys.Nix, *testutil.NixSystemRepo, string) {
	env := testutil.Nix(b)
	n := nixsys.New(nixsys.Options{Env: env.Vars})
	repo := testutil.NewNixSystemRepo(b, env)
	rev := repo.Commit(b, testutil.NixSystem{Version: "bench"})
	if _, err := n.Build(context.Background(), nixsys.BuildSpec{Repo: repo.Dir, Rev: rev, Attr: testutil.NixSystemAttr}); err != nil {
		b.Fatal(err)
	}
	return env, n, repo, rev
}

// BenchmarkBuildCached: a rev that is already built (the deploy no-op path).
func BenchmarkBuildCached(b *testing.B) {
	_, n, repo, rev := benchSetup(b)
	spec := nixsys.BuildSpec{Repo: repo.Dir, Rev: rev, Attr: testutil.NixSystemAttr}
	for b.Loop() {
		if _, err := n.Build(context.Background(), spec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainNixBuildCached(b *testing.B) {
	env, _, repo, rev := benchSetup(b)
	ref := repo.FlakeRef(rev, testutil.NixSystemAttr)
	for b.Loop() {
		env.Run(b, "nix", "build", "--no-link", "--json", ref)
	}
}

// BenchmarkSetProfile alternates two generations so every call adds one.
func BenchmarkSetProfile(b *testing.B) {
	env, n, repo, _ := benchSetup(b)
	paths := []string{repo.Build(b, testutil.NixSystem{Version: "a"}), repo.Build(b, testutil.NixSystem{Version: "b"})}
	profile := filepath.Join(env.ProfilesDir, "bench")
	i := 0
	for b.Loop() {
		if err := n.SetProfile(context.Background(), profile, paths[i%2]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkPlainNixEnvSet(b *testing.B) {
	env, _, repo, _ := benchSetup(b)
	paths := []string{repo.Build(b, testutil.NixSystem{Version: "a"}), repo.Build(b, testutil.NixSystem{Version: "b"})}
	profile := filepath.Join(env.ProfilesDir, "bench")
	i := 0
	for b.Loop() {
		env.Run(b, "nix-env", "-p", profile, "--set", paths[i%2])
		i++
	}
}
