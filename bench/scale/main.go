// Command scale measures hearth over large dotfiles trees (issue 11), each
// figure against its peer in the same run: the peak memory of `hearth
// apply` and of sync rounds over five 200 MB files and over a 50,000-file
// tree against plain git doing the same work, and the time of the first
// apply of 10,000 small files against `cp -a` followed by `sync -f`.
// See bench/README.md.
//
//	go run ./bench/scale [-parts rss,apply] [-runs 3] [-apply-runs 5]
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
	parts                 string
	bigFiles, bigMB, many int
	applyFiles            int
	runs, applyRSSRuns    int
	applyRuns             int
	bigEdit, keep         bool
	hearth, work          string
	timeout               time.Duration
}

func main() {
	var f flags
	flag.StringVar(&f.parts, "parts", "rss,apply", "what to measure: rss (peak memory), apply (first-apply time)")
	flag.IntVar(&f.bigFiles, "big-files", 5, "big files in the big tree (0 skips it)")
	flag.IntVar(&f.bigMB, "big-mb", 200, "size of each big file, MiB")
	flag.IntVar(&f.many, "many", 50000, "files in the many-files tree (0 skips it)")
	flag.IntVar(&f.applyFiles, "apply-files", 10000, "files in the first-apply timing tree")
	flag.IntVar(&f.runs, "runs", 3, "measured sync rounds of each kind per tree (rss)")
	flag.IntVar(&f.applyRSSRuns, "apply-rss-runs", 1, "measured first applies per tree (rss)")
	flag.IntVar(&f.applyRuns, "apply-runs", 5, "measured first applies of each side (apply)")
	flag.BoolVar(&f.bigEdit, "big-edit", true, "also measure a round capturing an edited big file (rss)")
	flag.StringVar(&f.hearth, "hearth", "", "hearth binary (default: built from ./cmd/hearth)")
	flag.StringVar(&f.work, "work", "", "work dir (default: a new temp dir)")
	flag.BoolVar(&f.keep, "keep", false, "keep the work dir")
	flag.DurationVar(&f.timeout, "timeout", 60*time.Minute, "give up after this long")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if err := runBench(ctx, f, log); err != nil {
		log.Error("benchmark failed", "err", err)
		os.Exit(1)
	}
}

func runBench(ctx context.Context, f flags, log *slog.Logger) error {
	parts := map[string]bool{}
	for _, p := range strings.Split(f.parts, ",") {
		if p = strings.TrimSpace(p); p != "rss" && p != "apply" {
			return fmt.Errorf("-parts: unknown part %q (want rss, apply)", p)
		}
		parts[p] = true
	}
	if f.runs < 1 || f.applyRSSRuns < 1 || f.applyRuns < 1 || f.applyFiles < 2 || f.bigMB < 1 || f.bigFiles < 0 || f.many < 0 || f.many == 1 {
		return fmt.Errorf("-runs, -apply-rss-runs, -apply-runs and -big-mb must be at least 1, -apply-files (and -many unless 0) at least 2")
	}
	timeBin := "/usr/bin/time"
	if _, err := os.Stat(timeBin); err != nil {
		return fmt.Errorf("GNU time is needed for the memory figures (bench/scale/run.sh installs it): %w", err)
	}
	b := &bench{log: log, work: f.work, timeBin: timeBin}
	if b.work == "" {
		dir, err := os.MkdirTemp("", "hearth-bench-scale-")
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
	if err := b.setupGitHome(); err != nil {
		return err
	}
	if err := b.setupShim(); err != nil {
		return err
	}
	if b.hearth = f.hearth; b.hearth == "" {
		if err := b.build(ctx); err != nil {
			return err
		}
	}

	rep := &report{flags: f, started: time.Now().UTC(), cpus: runtime.NumCPU()}
	rep.gitVersion, _ = b.git(ctx, "", "version")
	if f.hearth == "" {
		rep.source = sourceRev(ctx)
	}
	fixtures := filepath.Join(b.work, "fixtures")
	if parts["rss"] {
		if f.bigFiles > 0 {
			log.Info("writing the big tree", "files", f.bigFiles, "MiB", f.bigMB)
			t, err := writeBigTree(filepath.Join(fixtures, "big"), f.bigFiles, int64(f.bigMB)<<20)
			if err != nil {
				return err
			}
			cases, err := b.rssTree(ctx, t, "big", rssOpts{runs: f.runs, applyRuns: f.applyRSSRuns, bigEdit: f.bigEdit})
			if err != nil {
				return err
			}
			rep.rss = append(rep.rss, cases...)
			// The big tree's copies take gigabytes; the next tree does not need them.
			if err := b.removeTree(fixtures, "big"); err != nil {
				return err
			}
		}
		if f.many > 0 {
			log.Info("writing the many-files tree", "files", f.many)
			t, err := writeManyTree(filepath.Join(fixtures, "many"), fmt.Sprintf("%d files", f.many), f.many)
			if err != nil {
				return err
			}
			cases, err := b.rssTree(ctx, t, "many", rssOpts{runs: f.runs, applyRuns: f.applyRSSRuns})
			if err != nil {
				return err
			}
			rep.rss = append(rep.rss, cases...)
			if err := b.removeTree(fixtures, "many"); err != nil {
				return err
			}
		}
	}
	if parts["apply"] {
		log.Info("writing the first-apply tree", "files", f.applyFiles)
		t, err := writeManyTree(filepath.Join(fixtures, "apply"), fmt.Sprintf("%d files", f.applyFiles), f.applyFiles)
		if err != nil {
			return err
		}
		if rep.apply, err = b.applyTiming(ctx, t, f.applyRuns); err != nil {
			return err
		}
	}
	rep.print(os.Stdout)
	return nil
}

// removeTree removes everything made for the tree slug: its fixture, its
// remotes, its host and its plain clone.
func (b *bench) removeTree(fixtures, slug string) error {
	for _, p := range []string{
		filepath.Join(fixtures, slug),
		filepath.Join(b.work, "remotes", slug+"-hearth.git"),
		filepath.Join(b.work, "remotes", slug+"-plain.git"),
		filepath.Join(b.work, "hosts", slug),
		filepath.Join(b.work, "plain-"+slug),
	} {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// sourceRev names the hearth commit measured; the work tree may hold
// uncommitted changes.
func sourceRev(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "?"
	}
	rev := strings.TrimSpace(string(out))
	if dirty, _ := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); len(dirty) > 0 {
		rev += " with uncommitted changes"
	}
	return rev
}
