package cli

import (
	"context"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/dotfiles"
	"github.com/hearth-fleet/hearth/internal/dotsync"
	"github.com/hearth-fleet/hearth/internal/metrics"
	"github.com/hearth-fleet/hearth/internal/state"
)

// lockWait bounds how long a run waits for another run of the same job.
const lockWait = 30 * time.Second

// runJob holds the lock lockName while fn runs and leaves job's status
// record: fn fills it in; an error from fn marks it failed. The configured
// hooks run after the lock is released, so a hook may run hearth itself.
func (a *app) runJob(ctx context.Context, cfg *config.Config, lockName, job string, fn func(rec *state.Record) error) error {
	rec := state.Record{Job: job, Host: cfg.Host}
	err := a.runJobLocked(ctx, cfg, lockName, &rec, fn)
	a.runHooks(ctx, cfg, rec, err)
	return err
}

func (a *app) runJobLocked(ctx context.Context, cfg *config.Config, lockName string, rec *state.Record, fn func(rec *state.Record) error) error {
	job := rec.Job
	l, err := state.AcquireLock(ctx, cfg.StateDir, lockName, lockWait, a.commandLine())
	if err != nil {
		return err
	}
	defer l.Unlock()
	if removed, err := state.SweepTemps(cfg.StateDir, lockedFiles(cfg, lockName, job)...); err != nil {
		a.logger().Warn("could not remove temporary files of a killed run", "err", err)
	} else if len(removed) > 0 {
		a.logger().Info("removed temporary files of a killed run", "files", removed)
	}
	rec.Started, rec.Details = time.Now().UTC(), map[string]any{}
	err = fn(rec)
	rec.Finished = time.Now().UTC()
	if err != nil {
		rec.Result = state.ResultFailed
		rec.Error = err.Error()
		if ctx.Err() != nil {
			// The error is of whichever step the signal cut short.
			rec.Error = "interrupted"
		}
	} else if rec.Result == "" {
		rec.Result = state.ResultOK
	}
	werr := state.WriteRecord(cfg.StateDir, *rec)
	if werr != nil {
		a.logger().Error("could not write the status record", "job", job, "err", werr)
		if err == nil {
			err = werr
		}
	} else {
		// The host record tells the fleet; like metrics, it never fails the run.
		a.publishHostRecord(ctx, cfg, *rec)
	}
	// Metrics describe the records just written; failing to write them is
	// logged, never a failed run.
	if cfg.MetricsFile != "" {
		if merr := metrics.Write(cfg.MetricsFile, cfg.StateDir); merr != nil {
			a.logger().Warn("could not write the metrics file", "err", merr)
		}
	}
	return err
}

// lockedFiles are the state files written only under lockName, whose
// temporary files a killed run may have left behind.
func lockedFiles(cfg *config.Config, lockName, job string) []string {
	names := []string{job + ".json"}
	if lockName == "sync" {
		names = append(names, "sync.json", "apply.json", "resolve.json", publishStateFile)
		for _, f := range dotfiles.StateFiles(dotsync.StateFile(cfg)) {
			names = append(names, filepath.Base(f))
		}
	}
	return names
}
