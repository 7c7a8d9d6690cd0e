package deploy_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/cli"
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// BenchmarkNoopRound compares a no-op round (the tip is already deployed)
// with the plain commands doing comparable work, interleaved in one loop so
// that the load of a shared machine hits all of them alike:
//   - git fetch of the same remote into a bare mirror (the floor: one fetch);
//   - nix build of the same unchanged flake, what an autoUpgrade timer pays
//     on every run.
//
// The round is measured twice: the library call (deploy.Run) and the whole
// `hearth upgrade` command in-process (config, job lock, status record).
// Reported metrics are medians; the x-* metrics are ratios of medians.
// bench/upgrade/run.sh runs it and prints the ratios.
func BenchmarkNoopRound(b *testing.B) {
	env := testutil.Nix(b)
	repo := testutil.NewNixSystemRepo(b, env)
	repo.Commit(b, testutil.NixSystem{Version: "bench", Services: []string{"sshd.service"}})
	h := newHost(b, env, "bench", repo.Dir)
	if _, err := deploy.Run(context.Background(), h.opts); err != nil {
		b.Fatal(err)
	}
	mirror := filepath.Join(b.TempDir(), "mirror.git")
	testutil.Git(b, "", "clone", "--quiet", "--bare", repo.Dir, mirror)
	cliRound := cliNoop(b, env, h, repo.Dir)
	cliRound() // the first run creates its own mirror and deploys

	var round, command, fetch, build []time.Duration
	timed := func(into *[]time.Duration, f func()) {
		start := time.Now()
		f()
		*into = append(*into, time.Since(start))
	}
	for b.Loop() {
		timed(&round, func() {
			res, err := deploy.Run(context.Background(), h.opts)
			if err != nil || res.Outcome != deploy.OutcomeNoop {
				b.Fatalf("%+v, %v", res, err)
			}
		})
		timed(&command, cliRound)
		timed(&fetch, func() {
			cmd := exec.Command("git", "--git-dir="+mirror, "fetch", "--quiet", repo.Dir, "+refs/heads/main:refs/heads/main")
			cmd.Env = testutil.GitEnv()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git fetch: %v\n%s", err, out)
			}
		})
		timed(&build, func() {
			env.Run(b, "nix", "build", "--no-link", "git+file://"+repo.Dir+"#"+testutil.NixSystemAttr)
		})
	}
	mr, mc, mf, mb := median(round), median(command), median(fetch), median(build)
	b.ReportMetric(float64(mr.Microseconds())/1000, "ms-round")
	b.ReportMetric(float64(mc.Microseconds())/1000, "ms-hearth-upgrade")
	b.ReportMetric(float64(mf.Microseconds())/1000, "ms-git-fetch")
	b.ReportMetric(float64(mb.Microseconds())/1000, "ms-nix-build")
	b.ReportMetric(float64(mr)/float64(mf), "x-round/git-fetch")
	b.ReportMetric(float64(mc)/float64(mf), "x-hearth-upgrade/git-fetch")
	b.ReportMetric(float64(mc)/float64(mb), "x-hearth-upgrade/nix-build")
}

// cliNoop returns a function running `hearth upgrade` in-process for a host
// with its own state dir but the same profile, failing unless it succeeds.
func cliNoop(b *testing.B, env testutil.NixEnv, h *host, remote string) func() {
	root := b.TempDir()
	cfgFile := filepath.Join(root, "hearth.toml")
	cfg := fmt.Sprintf("host = \"bench\"\nstate_dir = %q\n[system]\nremote = %q\nattr = %q\nprofile = %q\ncurrent_system = %q\nbooted_system = %q\n",
		filepath.Join(root, "state"), remote, testutil.NixSystemAttr, h.profile, h.currentSystem, h.bootedSystem)
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	// nix runs as a child of the in-process CLI, so it needs the process env.
	for _, kv := range append(env.Vars, testutil.ActivationLogEnv+"="+h.activations) {
		k, v, _ := strings.Cut(kv, "=")
		b.Setenv(k, v)
	}
	return func() {
		var out, errb bytes.Buffer
		code := cli.Run(context.Background(), cli.Invocation{
			Args: []string{"--config", cfgFile, "upgrade"}, Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Env: config.Env{Getenv: func(string) string { return "" }, UID: os.Getuid(), Dir: root,
				Hostname: func() (string, error) { return "bench", nil }},
		})
		if code != 0 {
			b.Fatalf("hearth upgrade: exit %d\n%s\n%s", code, out.String(), errb.String())
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
