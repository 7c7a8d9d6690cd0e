// Command fleet benchmarks host records (issue 15), in one run: a no-op
// `hearth sync` round that publishes its host record against the same
// round with fleet.publish = false, and `hearth fleet` over a remote of 50
// hosts' records against one plain `git fetch` of those refs. See
// bench/README.md.
//
//	go run ./bench/fleet [-runs 21] [-hosts 50]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

func main() {
	runs := flag.Int("runs", 21, "measured rounds per comparison (after 2 warm-up rounds)")
	hosts := flag.Int("hosts", 50, "host records on the remote for the hearth fleet comparison")
	keep := flag.Bool("keep", false, "keep the work dir")
	flag.Parse()
	if err := run(*runs, *hosts, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fleet:", err)
		os.Exit(1)
	}
}

type env struct {
	work, hearth string
}

func run(runs, hosts int, keep bool) error {
	work, err := os.MkdirTemp("", "hearth-bench-fleet-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("work dir:", work)
	} else {
		defer os.RemoveAll(work)
	}
	e := &env{work: work, hearth: filepath.Join(work, "hearth")}
	if out, err := exec.Command("go", "build", "-o", e.hearth, "./cmd/hearth").CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	remote := filepath.Join(work, "remote.git")
	if err := seedRemote(remote); err != nil {
		return err
	}
	if err := e.publishRound(remote, runs); err != nil {
		return err
	}
	// A remote of its own, without the first part's host.
	remote = filepath.Join(work, "fleet.git")
	if err := seedRemote(remote); err != nil {
		return err
	}
	return e.fleetRead(remote, runs, hosts)
}

// seedRemote makes a bare dotfiles remote with one file.
func seedRemote(remote string) error {
	src := remote + ".seed"
	for _, args := range [][]string{
		{"init", "--quiet", "--bare", "--initial-branch=main", remote},
		{"init", "--quiet", "--initial-branch=main", src},
	} {
		if err := git("", args...); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(src, "dot_bashrc"), []byte("export EDITOR=vi\n"), 0o644); err != nil {
		return err
	}
	for _, args := range [][]string{{"add", "."}, {"commit", "--quiet", "-m", "seed"}, {"push", "--quiet", remote, "main"}} {
		if err := git(src, args...); err != nil {
			return err
		}
	}
	return nil
}

// host writes a hearth host (config, home, state) syncing remote.
func (e *env) host(name, remote, extra string) (config string, err error) {
	root := filepath.Join(e.work, name)
	for _, d := range []string{"home", "state"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return "", err
		}
	}
	config = filepath.Join(root, "hearth.toml")
	body := fmt.Sprintf("host = %q\nstate_dir = %q\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n%s",
		name, filepath.Join(root, "state"), remote, filepath.Join(root, "source"), filepath.Join(root, "home"), extra)
	return config, os.WriteFile(config, []byte(body), 0o644)
}

func (e *env) hearthCmd(config string, args ...string) *exec.Cmd {
	cmd := exec.Command(e.hearth, args...)
	cmd.Env = append(os.Environ(), "HEARTH_CONFIG="+config, "HOME="+filepath.Join(filepath.Dir(config), "home"))
	return cmd
}

var triesRe = regexp.MustCompile(`host record published.*tries=(\d+)`)

// publishRound compares no-op sync rounds of three hosts: one that
// publishes its record every round (its last-publish state removed before
// each, so the interval rule never skips it), one with the default rule
// (the outcome does not change, so after its first round it publishes only
// every fleet.publish_interval), and one with fleet.publish = false; and,
// as the cost of one push, a plain `git push` of a one-file commit to a
// ref of the same remote.
func (e *env) publishRound(remote string, runs int) error {
	type side struct {
		name, config string
		forced       bool
		plain        bool
		times        []time.Duration
	}
	sides := []*side{{name: "publishing every round", forced: true}, {name: "default interval rule"}, {name: "publish = false"}, {name: "plain git push", plain: true}}
	var err error
	if sides[0].config, err = e.host("publisher", remote, ""); err != nil {
		return err
	}
	if sides[1].config, err = e.host("interval", remote, ""); err != nil {
		return err
	}
	if sides[2].config, err = e.host("silent", remote, "[fleet]\npublish = false\n"); err != nil {
		return err
	}
	clone := filepath.Join(e.work, "plain-push")
	if err := git("", "init", "--quiet", clone); err != nil {
		return err
	}
	maxTries := 0
	for i := range runs + 2 {
		for k := range sides {
			s := sides[(i+k)%len(sides)] // who goes first rotates
			var cmd *exec.Cmd
			switch {
			case s.plain:
				if err := os.WriteFile(filepath.Join(clone, "host.json"), []byte(fmt.Sprintf("{\"round\": %d}\n", i)), 0o644); err != nil {
					return err
				}
				if err := git(clone, "add", "host.json"); err != nil {
					return err
				}
				if err := git(clone, "commit", "--quiet", "-m", "record"); err != nil {
					return err
				}
				cmd = exec.Command("git", "-C", clone, "push", "--quiet", "--force", remote, "HEAD:refs/hearth/hosts/plain")
			default:
				if s.forced {
					_ = os.Remove(filepath.Join(filepath.Dir(s.config), "state", "fleet-publish.json"))
				}
				cmd = e.hearthCmd(s.config, "-v", "sync")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
			}
			d := time.Since(start)
			m := triesRe.FindStringSubmatch(stderr.String())
			switch {
			case s.forced && m == nil:
				return fmt.Errorf("round %d did not publish:\n%s", i, stderr.String())
			case s.forced:
				maxTries = max(maxTries, atoi(m[1]))
			case !s.plain && i >= 2 && m != nil:
				return fmt.Errorf("%s: round %d published:\n%s", s.name, i, stderr.String())
			}
			if i >= 2 { // warm-up dropped
				s.times = append(s.times, d)
			}
		}
	}
	off := median(sides[2].times)
	fmt.Printf("no-op sync round, %d rounds each (medians):\n", runs)
	for _, s := range sides {
		m := median(s.times)
		if s.plain {
			fmt.Printf("  %-24s %9v\n", s.name, m.Round(time.Microsecond))
			continue
		}
		fmt.Printf("  %-24s %9v  (+%v over publish = false, ratio %.2f)\n", s.name, m.Round(time.Microsecond), (m - off).Round(time.Microsecond), float64(m)/float64(off))
	}
	fmt.Printf("  most pushes in one publish: %d (budget 1); budget for a no-op round: +50ms\n", maxTries)
	return nil
}

// fleetRead: `hearth fleet --json` over hosts records against a plain
// `git fetch` of refs/hearth/hosts/* into a bare repository, both warm,
// with a few records changed before each pair so both fetch something.
func (e *env) fleetRead(remote string, runs, hosts int) error {
	ctx := context.Background()
	pubs := make([]*fleet.Publisher, hosts)
	for i := range pubs {
		cache, err := fleet.OpenCache(ctx, filepath.Join(e.work, "pub", fmt.Sprint(i)), gitrepo.Options{})
		if err != nil {
			return err
		}
		pubs[i] = &fleet.Publisher{Repo: cache, Remote: remote, Host: fmt.Sprintf("host%02d", i), HearthVersion: "bench"}
	}
	publish := func(p *fleet.Publisher) error {
		_, err := p.Publish(ctx, func(prev *fleet.Record) (*fleet.Record, error) {
			now := time.Now().UTC()
			return &fleet.Record{DeployedCommit: strings.Repeat("a", 40), Generation: 10,
				Jobs: map[string]fleet.JobRun{fleet.JobSync: {Result: "ok", Time: now}, fleet.JobUpgrade: {Result: "noop", Time: now}}}, nil
		})
		return err
	}
	for _, p := range pubs {
		if err := publish(p); err != nil {
			return err
		}
	}
	reader, err := e.host("reader", remote, "")
	if err != nil {
		return err
	}
	plain := filepath.Join(e.work, "plain.git")
	if err := git("", "init", "--quiet", "--bare", plain); err != nil {
		return err
	}
	fetch := exec.Command("git", "-C", plain, "fetch", "--quiet", "--prune", remote, "+refs/hearth/hosts/*:refs/hearth/hosts/*")
	var withHearth, withGit []time.Duration
	for i := range runs + 2 {
		for k := range 5 {
			if err := publish(pubs[(i*5+k)%hosts]); err != nil {
				return err
			}
		}
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, useHearth := range order {
			var cmd *exec.Cmd
			if useHearth {
				cmd = e.hearthCmd(reader, "fleet", "--json")
			} else {
				cmd = exec.Command(fetch.Path, fetch.Args[1:]...)
			}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out.String())
			}
			d := time.Since(start)
			if useHearth && strings.Count(out.String(), `"host":`) != hosts {
				return fmt.Errorf("hearth fleet did not show %d hosts:\n%s", hosts, out.String())
			}
			if i < 2 {
				continue
			}
			if useHearth {
				withHearth = append(withHearth, d)
			} else {
				withGit = append(withGit, d)
			}
		}
	}
	a, b := median(withHearth), median(withGit)
	fmt.Printf("hearth fleet over %d hosts, %d runs each (5 records changed before each pair):\n", hosts, runs)
	fmt.Printf("  hearth fleet --json  median %v\n  git fetch (plain)    median %v\n  ratio %.2f (budget 2)\n",
		a.Round(time.Microsecond), b.Round(time.Microsecond), float64(a)/float64(b))
	return nil
}

func git(dir string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=b", "GIT_AUTHOR_EMAIL=b@b", "GIT_COMMITTER_NAME=b", "GIT_COMMITTER_EMAIL=b@b")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
