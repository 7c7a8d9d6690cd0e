// Package dotsync is dotfile sync: the generic syncer driven with the
// dotfiles engine as its capture and apply hooks, configured from the
// config file. The CLI and the demo both run rounds through it.
package dotsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/state"
	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/trash"
)

// Env is what a round takes from its process besides the config.
type Env struct {
	Getenv func(string) string
	Logger *slog.Logger
}

// Result is one round: the repository side and the home side.
type Result struct {
	// Result is the round's outcome as the status record has it: the
	// repository side's (ok, offline, pending), except that an ok round
	// that held targets or went past a capture or apply failure is
	// "held". Neither is a failure: the next round runs the same way.
	Result        string                 `json:"result"`
	Sync          *syncer.Report         `json:"sync"`
	Captured      []*dotfiles.Change     `json:"captured"`
	Applied       []*dotfiles.Change     `json:"applied"`
	Held          []*dotfiles.Change     `json:"held"`
	Unsupported   []dotfiles.Unsupported `json:"unsupported,omitempty"`
	OpenConflicts int                    `json:"open_conflicts"`
	// Trashed is what apply moved into the trash (not written by hearth).
	Trashed []trash.Entry `json:"trashed,omitempty"`
	// Scripts are the run_ scripts apply ran; a failed one makes the
	// round "held".
	Scripts []dotfiles.ScriptRun `json:"scripts,omitempty"`
	// Warnings are apply's: an unreachable external whose last copy was
	// used, a git-repo external that could not be pulled.
	Warnings []string `json:"warnings,omitempty"`
}

// ScriptsFailed counts the failed scripts of a report.
func ScriptsFailed(runs []dotfiles.ScriptRun) int {
	n := 0
	for _, r := range runs {
		if r.Result == dotfiles.ScriptFailed {
			n++
		}
	}
	return n
}

// StateFile is where the dotfiles engine keeps what it last wrote to home.
func StateFile(cfg *config.Config) string {
	return filepath.Join(cfg.StateDir, "dotfiles-targets.json")
}

// DotfilesOptions maps the config onto the dotfiles engine.
func DotfilesOptions(cfg *config.Config, env Env) dotfiles.Options {
	vars := dotfiles.DefaultVars()
	vars.HomeDir = cfg.Dotfiles.TargetDir
	vars.CacheDir = chezmoiCacheDir(cfg, env)
	commands := dotfiles.CommandsRun
	if !cfg.Dotfiles.CommandsAllowed() {
		commands = dotfiles.CommandsRefuse
	}
	scripts := dotfiles.ScriptsRun
	if !cfg.Dotfiles.ScriptsAllowed() {
		scripts = dotfiles.ScriptsOff
	}
	opts := dotfiles.Options{
		SourceDir:        cfg.Dotfiles.SourceDir,
		TargetDir:        cfg.Dotfiles.TargetDir,
		StatePath:        StateFile(cfg),
		Vars:             vars,
		AgeIdentityFiles: cfg.Dotfiles.AgeIdentities,
		Getenv:           env.Getenv,
		Logger:           env.Logger,
		TemplateCommands: commands,
		Scripts:          scripts,
		GitExternal:      gitExternal(gitrepo.Options{Logger: env.Logger}),
		MaxFileSize:      cfg.Dotfiles.MaxFileSize,
		MaxDataSize:      cfg.Dotfiles.MaxDataSize,
		Protected:        protectedPaths(cfg),
		// hearth's own name for the host; .chezmoi.hostname is the machine's.
		HearthVars: map[string]any{"host": cfg.Host},
	}
	applyChezmoiConfig(cfg, env, &opts)
	return opts
}

// protectedPaths are hearth's own files, which no dotfile target may be
// at or below: the state dir and the config file, and the config's
// directory when it is hearth's own (named hearth, as ~/.config/hearth).
func protectedPaths(cfg *config.Config) []string {
	out := []string{cfg.StateDir}
	if cfg.File != "" {
		out = append(out, cfg.File)
		if dir := filepath.Dir(cfg.File); filepath.Base(dir) == "hearth" {
			out = append(out, dir)
		}
	}
	return out
}

// SyncOptions maps the config onto the syncer, without hooks.
func SyncOptions(cfg *config.Config, env Env) syncer.Options {
	return syncer.Options{
		Dir:     cfg.Dotfiles.SourceDir,
		Remote:  cfg.Dotfiles.Remote,
		Branch:  cfg.Dotfiles.Branch,
		Host:    cfg.Host,
		Policy:  syncer.Policy(cfg.Dotfiles.ConflictPolicy),
		Retries: cfg.Dotfiles.PushRetries,
		Logger:  env.Logger,
		Git:     gitrepo.Options{Logger: env.Logger},
		// Beside the other state of this user's sync, owned and checked
		// with it.
		RescueDir: filepath.Join(cfg.StateDir, "rescue"),
	}
}

// ResultHeld: the repository side of the round completed (committed,
// merged, pushed), but some targets were not applied; Result.Held and
// Sync.Problems say which and why.
const ResultHeld = state.ResultHeld

// ErrNoRemote: dotfile sync is not configured.
var ErrNoRemote = errors.New("dotfiles.remote is not set in the config; dotfile sync is off")

// Round runs one dotfile sync round: capture home edits into the source,
// sync the source repository, apply the result to home.
func Round(ctx context.Context, cfg *config.Config, env Env) (*Result, error) {
	if cfg.Dotfiles.Remote == "" {
		return nil, ErrNoRemote
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir %s: %w", cfg.StateDir, err)
	}
	res := &Result{}
	dopts := DotfilesOptions(cfg, env)
	sopts := SyncOptions(cfg, env)
	copts := dopts
	copts.KeepBothOnOverlap = true // a home edit overlapping a synced change: keep both, never block
	copts.KeepDisplaced = func(source string, content []byte) error {
		c, err := syncer.RecordDisplaced(sopts, source, content)
		if err != nil {
			return err
		}
		env.logger().Warn("home and source edits overlapped; home's version is live, the other kept as a sidecar", "source", source, "sidecar", c.Sidecar)
		return nil
	}
	pass := dotfiles.NewPass(copts)
	// A capture that failed before a clean apply held nothing: the apply
	// planned the merged source afresh and holds any home edit it left.
	applyOK := false
	sopts.Hooks = syncer.Hooks{
		Capture: func(ctx context.Context) (bool, error) {
			if _, err := os.Stat(filepath.Join(cfg.Dotfiles.SourceDir, ".git")); err != nil {
				return false, nil // first round: nothing cloned yet, nothing to capture into
			}
			if lastCaptureDied(cfg) {
				env.logger().Warn("the last capture did not finish; skipping this round's capture so that the remote's changes still arrive")
				return false, errCaptureSkipped
			}
			done, err := markCapture(cfg)
			if err != nil {
				return false, fmt.Errorf("mark the capture: %w", err)
			}
			started := time.Now()
			rep, err := pass.Capture(ctx)
			// A capture a signal stopped after a long run keeps its mark:
			// the unit's deadline stops a source too slow to plan the same
			// way in every round, before the fetch that could bring its
			// fix. A person's quick Ctrl-C does not cost the next capture.
			if ctx.Err() == nil || time.Since(started) < slowCapture {
				done()
			}
			if rep == nil {
				return false, err
			}
			// What home's version displaced was kept by KeepDisplaced
			// before the source was written.
			res.Captured = rep.Captured
			return len(rep.Captured) > 0, err
		},
		// Each captured source path was edited when its target was
		// last modified in home.
		EditTimes: func() map[string]time.Time {
			out := map[string]time.Time{}
			for _, c := range res.Captured {
				src := c.Source
				if c.NewSource != "" {
					src = c.NewSource
				}
				out[src] = c.EditTime()
			}
			return out
		},
		Apply: func(ctx context.Context, moved bool) error {
			rep, err := pass.Apply(ctx, moved)
			if rep != nil {
				// A failed step still reports what it did and held.
				res.Applied, res.Held, res.Unsupported, res.Trashed = rep.Changes, rep.Held, rep.Unsupported, rep.Trashed
				res.Scripts, res.Warnings = rep.Scripts, rep.Warnings
			}
			applyOK = err == nil
			return err
		},
	}
	rep, err := syncer.Round(ctx, sopts)
	res.Sync = rep
	if rep != nil {
		res.Result = rep.Result
		// A path no work tree holds is held like a bad entry: the round
		// says so instead of "ok" while that path never reaches home.
		for _, u := range rep.Unholdable {
			res.Held = append(res.Held, &dotfiles.Change{Target: u.Path, Source: u.Path, Action: dotfiles.ActHold, Reason: "not checked out: " + u.Reason})
		}
		// A checkout left for the next round is held too: a race passes
		// in a round, a checkout that always fails shows every round.
		if rep.Result == syncer.ResultOK && (rep.Deferred != "" || len(res.Held) > 0 || ScriptsFailed(res.Scripts) > 0 || (len(rep.Problems) > 0 && !applyOK)) {
			res.Result = ResultHeld
		}
	}
	if n, merr := syncer.OpenConflicts(cfg.Dotfiles.SourceDir); merr == nil {
		res.OpenConflicts = n
	} else if err == nil {
		env.logger().Warn("conflict manifest unreadable", "err", merr)
	}
	return res, err
}

func (e Env) logger() *slog.Logger {
	if e.Logger != nil {
		return e.Logger
	}
	return slog.New(slog.DiscardHandler)
}
