// Command watch measures `hearth watch` (issue 14): how fast an edit saved
// in one home is live in two others, what an idle watcher costs, and what
// one poll of an unmoved network remote costs against `git ls-remote`.
// Everything runs in a temp dir; see bench/README.md.
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
	"strings"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
)

type flags struct {
	edits      int
	poll       time.Duration
	debounce   time.Duration
	idle       time.Duration
	idlePoll   time.Duration
	pollRuns   int
	transports string
	keep       bool
}

func main() {
	var f flags
	flag.IntVar(&f.edits, "edits", 30, "edits per transport in the propagation run")
	flag.DurationVar(&f.poll, "poll", 5*time.Second, "dotfiles.poll_interval (P) of the propagation run")
	flag.DurationVar(&f.debounce, "debounce", config.DefaultDebounce, "dotfiles.debounce of the propagation run")
	flag.DurationVar(&f.idle, "idle", 30*time.Second, "how long the idle watcher is measured (the issue's figure: 10m)")
	flag.DurationVar(&f.idlePoll, "idle-poll", 30*time.Second, "dotfiles.poll_interval of the idle watcher (the default)")
	flag.IntVar(&f.pollRuns, "poll-runs", 21, "polls and ls-remotes timed, alternating")
	flag.StringVar(&f.transports, "transports", "http,file", "remotes of the propagation run")
	flag.BoolVar(&f.keep, "keep", false, "keep the work dir")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, f, log); err != nil {
		fmt.Fprintln(os.Stderr, "bench/watch:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f flags, log *slog.Logger) error {
	work, err := os.MkdirTemp("", "hearth-bench-watch-")
	if err != nil {
		return err
	}
	if f.keep {
		log.Info("work dir kept", "dir", work)
	} else {
		defer os.RemoveAll(work)
	}
	b := &bench{work: work, log: log, remotes: filepath.Join(work, "remotes")}
	if err := os.MkdirAll(b.remotes, 0o755); err != nil {
		return err
	}
	b.hearth = filepath.Join(work, "hearth")
	build := exec.CommandContext(ctx, "go", "build", "-o", b.hearth, "./cmd/hearth")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/hearth (run from the repository's top): %w", err)
	}
	if b.srv, err = startGitServer(ctx, b); err != nil {
		return err
	}
	defer b.srv.close()
	gitVersion, _ := b.git(ctx, "", "--version")
	fmt.Printf("hearth watch bench: %s, %s, P=%s debounce=%s, %d edits; idle %s at P=%s\n",
		time.Now().UTC().Format(time.RFC3339), gitVersion, f.poll, f.debounce, f.edits, f.idle, f.idlePoll)
	for _, tr := range strings.Split(f.transports, ",") {
		if tr == "" || f.edits == 0 {
			continue
		}
		p, err := b.propagation(ctx, tr, f)
		if err != nil {
			return fmt.Errorf("propagation over %s: %w", tr, err)
		}
		p.print(f)
	}
	if err := b.idleRun(ctx, f); err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	return b.pollCost(ctx, f)
}
