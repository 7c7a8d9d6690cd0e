// Command sync benchmarks `hearth sync` against the plain git commands doing
// the same work, in the same run: a no-op round against `git fetch`, a round
// with one edited file against add+commit+pull --rebase+push, the peak
// memory of a round, and a fleet of hosts syncing at the same moment
// through one smart-HTTP remote. See bench/README.md.
//
//	go run ./bench/sync [-runs 21] [-fleet-runs 2] [-hosts 20] [-transports file,http]
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

type flags struct {
	runs, warmup, files, hosts, fleetRuns int
	pushRetries                           int
	transports, fleetTransport, hearth    string
	work                                  string
	keep, trace                           bool
	timeout                               time.Duration
}

func main() {
	var f flags
	flag.IntVar(&f.runs, "runs", 21, "measured rounds per comparison (after the warm-up)")
	flag.IntVar(&f.warmup, "warmup", 2, "unmeasured rounds before measuring")
	flag.IntVar(&f.files, "files", 40, "files in the dotfiles repository")
	flag.IntVar(&f.hosts, "hosts", 20, "hosts in the fleet run")
	flag.IntVar(&f.fleetRuns, "fleet-runs", 2, "fleet runs (0 skips the fleet)")
	flag.IntVar(&f.pushRetries, "push-retries", 0, "dotfiles.push_retries in every hearth host's config (0: hearth's default)")
	flag.StringVar(&f.transports, "transports", "file,http", "transports for the round comparisons (file, http; empty skips them)")
	flag.StringVar(&f.fleetTransport, "fleet-transport", "http", "transport of the fleet run")
	flag.StringVar(&f.hearth, "hearth", "", "hearth binary (default: built from ./cmd/hearth)")
	flag.StringVar(&f.work, "work", "", "work dir (default: a new temp dir, removed afterwards)")
	flag.BoolVar(&f.keep, "keep", false, "keep the work dir")
	flag.BoolVar(&f.trace, "trace", true, "count the processes of one round of each kind with strace (if installed)")
	flag.DurationVar(&f.timeout, "timeout", 20*time.Minute, "give up after this long")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if err := run(ctx, f, log); err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f flags, log *slog.Logger) error {
	if f.runs < 1 || f.hosts < 1 || f.files < 1 || f.warmup < 0 || f.fleetRuns < 0 {
		return fmt.Errorf("-runs, -hosts and -files must be at least 1, -warmup and -fleet-runs at least 0")
	}
	b := &bench{log: log, work: f.work, pushRetries: f.pushRetries}
	if b.work == "" {
		dir, err := os.MkdirTemp("", "hearth-bench-sync-")
		if err != nil {
			return err
		}
		b.work = dir
	}
	if f.keep {
		log.Info("work dir kept", "dir", b.work)
	} else {
		defer os.RemoveAll(b.work)
	}
	b.remotes = filepath.Join(b.work, "remotes")
	if err := os.MkdirAll(b.remotes, 0o755); err != nil {
		return err
	}
	if err := b.setupGitHome(); err != nil {
		return err
	}
	b.hearth = f.hearth
	if b.hearth == "" {
		b.hearth = filepath.Join(b.work, "hearth")
		log.Info("building hearth")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", b.hearth, "github.com/hearth-fleet/hearth/cmd/hearth").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/hearth: %w: %s", err, out)
		}
	}
	if _, err := os.Stat("/usr/bin/time"); err == nil {
		b.timeBin = "/usr/bin/time"
	} else {
		log.Warn("GNU time not installed: no peak memory figures (bench/sync/run.sh installs it)")
	}
	if f.trace {
		if p, err := exec.LookPath("strace"); err == nil {
			b.strace = p
		} else {
			log.Warn("strace not installed: no process counts (bench/sync/run.sh installs it)")
		}
	}
	if err := b.seed(ctx, seedTree(f.files, f.hosts)); err != nil {
		return err
	}
	transports := splitList(f.transports)
	if f.fleetRuns > 0 {
		transports = append(transports, f.fleetTransport)
	}
	for _, t := range transports {
		if t == "http" && b.srv == nil {
			srv, err := startGitServer(ctx, b)
			if err != nil {
				return err
			}
			b.srv = srv
			defer srv.close()
		}
	}

	rep := &report{flags: f, started: time.Now().UTC(), cpus: runtime.NumCPU()}
	rep.gitVersion, _ = b.git(ctx, "", "version")
	// Which hearth was measured: the work tree may hold uncommitted changes.
	if f.hearth == "" {
		rev, _ := b.git(ctx, "", "rev-parse", "--short", "HEAD")
		if dirty, _ := b.git(ctx, "", "status", "--porcelain", "--untracked-files=no"); dirty != "" {
			rev += " with uncommitted changes"
		}
		rep.source = rev
	}
	for _, t := range splitList(f.transports) {
		log.Info("round comparisons", "transport", t, "runs", f.runs)
		pairs, err := b.roundTrips(ctx, t, f.runs, f.warmup)
		if err != nil {
			return err
		}
		rep.pairs = append(rep.pairs, pairs...)
	}
	for r := range f.fleetRuns {
		log.Info("fleet run", "run", r+1, "of", f.fleetRuns, "hosts", f.hosts)
		// Alternate which goes first, as for the rounds.
		var h, p *fleetRun
		var err error
		if r%2 == 0 {
			if h, err = b.fleetHearth(ctx, r, f.hosts, f.fleetTransport); err == nil {
				p, err = b.fleetPlain(ctx, r, f.hosts, f.fleetTransport)
			}
		} else {
			if p, err = b.fleetPlain(ctx, r, f.hosts, f.fleetTransport); err == nil {
				h, err = b.fleetHearth(ctx, r, f.hosts, f.fleetTransport)
			}
		}
		if err != nil {
			return err
		}
		rep.fleetHearth = append(rep.fleetHearth, h)
		rep.fleetPlain = append(rep.fleetPlain, p)
	}
	rep.traces = b.traces
	rep.print(os.Stdout)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
