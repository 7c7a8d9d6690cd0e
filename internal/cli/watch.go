package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/watch"
	"github.com/spf13/cobra"
)

func newWatchCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "watch",
		Short: "Keep dotfiles in sync continuously: a round after each edit and whenever the remote moves",
		Long: `Run until stopped, syncing dotfiles live. A round (the same as 'hearth sync',
with the same status record) runs 300 ms after the last write to a managed
target in home or a file in the source dir (writes that keep coming put it
off for at most dotfiles.debounce), and whenever a poll of the
remote (every dotfiles.poll_interval, jittered) finds that the branch moved. A
remote on a local path is polled by reading its ref, and also watched, so a
push there is seen at once; any other costs one ref advertisement, and is
fetched only when it moved. While the remote is
unreachable, polls back off to every 5 minutes, and the round owed runs as soon
as it answers again.

Rounds never overlap, nor run beside a 'hearth sync' (both take the sync lock);
a round that fails is logged and the watcher goes on. SIGTERM or SIGINT stops
it after cancelling a running round the way an interrupted 'hearth sync' stops
(exit 0); SIGHUP reloads the config file (a bad one is logged and the old
kept). When a round settles a conflict or holds a target, a desktop
notification says which and what to run, if there is a session D-Bus.
'hearth status' shows the watcher.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.config()
			if err != nil {
				return err
			}
			if done, err := a.asHomeOwner(cmd.Context(), cfg); done {
				return err
			}
			return runWatch(cmd.Context(), a, cfg)
		},
	}
}

// runWatch runs the watcher as the home's owner until ctx ends.
func runWatch(ctx context.Context, a *app, cfg *config.Config) error {
	if cfg.Dotfiles.Remote == "" {
		return dotsync.ErrNoRemote
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("state dir %s: %w", cfg.StateDir, err)
	}
	log := a.logger()
	r := &watchRunner{a: a, cfg: cfg}
	files := &watch.Files{Home: filepath.Clean(cfg.Dotfiles.TargetDir), SourceDir: filepath.Clean(cfg.Dotfiles.SourceDir), Branch: cfg.Dotfiles.Branch, Logger: log}
	if dir, ok := gitrepo.LocalPath(cfg.Dotfiles.Remote); ok {
		files.RemoteDir = dir
	}
	var src watch.Source = files
	if err := files.Start(); err != nil {
		log.Warn("no file events (inotify unavailable); rounds run only when the remote moves", "err", err)
		src = nil
	} else {
		defer files.Close()
		// Watched before the first round, so an edit made during it
		// is seen; the round lists them again.
		if _, err := os.Stat(filepath.Join(cfg.Dotfiles.SourceDir, ".git")); err == nil {
			if t := r.targets(ctx, cfg); t != nil {
				files.Watch(t)
				files.Settle()
			}
		}
	}
	var notifier watch.Notifier
	if addr := a.inv.Env.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		notifier = watch.Desktop{Address: addr}
	} else {
		log.Info("no session D-Bus (DBUS_SESSION_BUS_ADDRESS unset): no desktop notifications")
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-hup:
				select {
				case reload <- struct{}{}:
				default:
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	poller := newPoller(cfg, a)
	loop := &watch.Loop{
		Settings: watchSettings(cfg),
		Runner:   r,
		Poller:   poller,
		Source:   src,
		Clock:    watch.RealClock{},
		Notifier: notifier,
		Logger:   log,
		Reload:   reload,
		Reconfigure: func() (watch.Settings, error) {
			next, err := a.reloadConfig(cfg)
			if err != nil {
				return watch.Settings{}, err
			}
			cfg = next
			r.cfg = next
			*poller = *newPoller(next, a)
			return watchSettings(next), nil
		},
		Report: func(s watch.Status) {
			if err := watch.WriteStatus(cfg.StateDir, s); err != nil {
				log.Warn("could not write the watcher's status", "err", err)
			}
		},
	}
	log.Info("watching", "home", cfg.Dotfiles.TargetDir, "source", cfg.Dotfiles.SourceDir, "debounce", cfg.Dotfiles.Debounce, "poll_interval", cfg.Dotfiles.PollInterval)
	return loop.Run(ctx)
}

func watchSettings(cfg *config.Config) watch.Settings {
	return watch.Settings{Debounce: cfg.Dotfiles.Debounce.Duration, PollInterval: cfg.Dotfiles.PollInterval.Duration}
}

func newPoller(cfg *config.Config, a *app) *watch.RemotePoller {
	return &watch.RemotePoller{
		Remote: cfg.Dotfiles.Remote, Branch: cfg.Dotfiles.Branch, SourceDir: cfg.Dotfiles.SourceDir,
		// The syncer fetches the branch into origin's tracking ref.
		TrackingRef: "refs/remotes/origin/" + cfg.Dotfiles.Branch,
		Git:         gitrepo.Options{Logger: a.logger()},
	}
}

// reloadConfig reads the config file again for SIGHUP. What would change
// whose files the watcher works on (the dirs, the host) needs a restart.
func (a *app) reloadConfig(old *config.Config) (*config.Config, error) {
	if a.ownerFD != "" {
		return nil, errors.New("the config came from root when it started this watcher; restart the service to apply a new one")
	}
	path, explicit := config.Locate(a.configFlag, a.inv.Env)
	next, err := config.Load(path, explicit, a.inv.Env)
	if err != nil {
		return nil, err
	}
	for _, k := range []struct{ key, was, now string }{
		{"dotfiles.target_dir", old.Dotfiles.TargetDir, next.Dotfiles.TargetDir},
		{"dotfiles.source_dir", old.Dotfiles.SourceDir, next.Dotfiles.SourceDir},
		{"state_dir", old.StateDir, next.StateDir},
		{"host", old.Host, next.Host},
	} {
		if k.was != k.now {
			return nil, fmt.Errorf("%s: %s changed (%s to %s); restart the watcher to apply it", path, k.key, k.was, k.now)
		}
	}
	if next.Dotfiles.Remote == "" {
		return nil, fmt.Errorf("%s: %w", path, dotsync.ErrNoRemote)
	}
	a.cfg = next
	return next, nil
}

// watchRunner runs the watcher's rounds: each is `hearth sync`'s round.
type watchRunner struct {
	a   *app
	cfg *config.Config
	// listed is the source commit whose targets were last listed: a
	// round that left the source where it was needs no new list.
	listed string
}

func (r *watchRunner) Round(ctx context.Context, _ string) (watch.Outcome, error) {
	cfg := r.cfg
	res, err := syncRound(ctx, r.a, cfg)
	if err != nil {
		return watch.Outcome{}, err
	}
	home := cfg.Dotfiles.TargetDir
	abs := func(t string) string {
		if filepath.IsAbs(t) {
			return filepath.Clean(t)
		}
		return filepath.Join(home, filepath.FromSlash(t))
	}
	o := watch.Outcome{Result: res.Result}
	for _, c := range res.Applied {
		o.Applied = append(o.Applied, abs(c.Target))
	}
	for _, e := range res.Trashed {
		o.Applied = append(o.Applied, e.Original())
	}
	for _, c := range res.Held {
		o.Held = append(o.Held, abs(c.Target))
	}
	if res.Sync != nil {
		for _, c := range res.Sync.Conflicts {
			o.Conflicts = append(o.Conflicts, c.Path)
		}
	}
	if res.Sync == nil || res.Sync.Local == "" || res.Sync.Local != r.listed {
		if o.Targets = r.targets(ctx, cfg); o.Targets != nil && res.Sync != nil {
			r.listed = res.Sync.Local
		}
	}
	r.a.logger().Info("round", "result", res.Result, "captured", len(res.Captured), "applied", len(res.Applied), "held", len(res.Held), "conflicts", len(o.Conflicts))
	return o, nil
}

// targets lists what to watch; nil (keep watching what was) when the
// source cannot be read now. Like status, it never runs template
// commands.
func (r *watchRunner) targets(ctx context.Context, cfg *config.Config) []watch.Target {
	opts := r.a.dotfilesOptions(cfg)
	if opts.TemplateCommands == dotfiles.CommandsRun {
		opts.TemplateCommands = dotfiles.CommandsSkip
	}
	list, err := dotfiles.Managed(ctx, opts)
	if err != nil {
		r.a.logger().Warn("cannot list the managed targets; watching the ones known before", "err", err)
		return nil
	}
	out := make([]watch.Target, 0, len(list))
	for _, m := range list {
		out = append(out, watch.Target{Path: filepath.Join(cfg.Dotfiles.TargetDir, filepath.FromSlash(m.Target)), Dir: m.Type == "dir"})
	}
	return out
}
