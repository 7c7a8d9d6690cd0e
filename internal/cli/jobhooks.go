package cli

import (
	"context"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/hooks"
	"github.com/hearth-fleet/hearth/internal/state"
)

// runHooks runs the [hooks] commands that rec (or err, when the job could
// not even start) calls for: post_deploy or on_conflict first, then
// on_success or on_failure. Hooks only log; the job's result stands.
func (a *app) runHooks(ctx context.Context, cfg *config.Config, rec state.Record, err error) {
	h := cfg.Hooks
	if len(h.OnFailure)+len(h.OnSuccess)+len(h.PostDeploy)+len(h.OnConflict) == 0 {
		return
	}
	ev := hooks.Event{Job: rec.Job, Host: cfg.Host, Result: rec.Result, Commit: rec.Commit, Error: rec.Error}
	if err != nil {
		// A run that failed before it wrote a record (its lock was held)
		// is still a failure to report.
		ev.Result = state.ResultFailed
		if ev.Error == "" {
			ev.Error = err.Error()
		}
	}
	ev.Generation, _ = rec.Details["generation"].(int)
	ev.Conflicts, _ = rec.Details["conflicts_recorded"].(int)
	r := &hooks.Runner{Timeout: h.Timeout.Duration, Environ: a.hookEnviron(), Logger: a.logger()}
	run := func(name string, argv []string) {
		if len(argv) > 0 {
			e := ev
			e.Hook = name
			r.Run(ctx, argv, e)
		}
	}
	if rec.Job == "upgrade" && rec.Details["outcome"] == deploy.OutcomeDeployed {
		run(hooks.PostDeploy, h.PostDeploy)
	}
	if ev.Conflicts > 0 {
		run(hooks.OnConflict, h.OnConflict)
	}
	if ev.Result == state.ResultFailed {
		run(hooks.OnFailure, h.OnFailure)
	} else {
		run(hooks.OnSuccess, h.OnSuccess)
	}
}

// hookEnviron is the environment hearth itself runs with, as the
// invocation sees it: PATH, HOME and whatever the unit set.
func (a *app) hookEnviron() []string {
	var env []string
	for _, k := range []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "HEARTH_CONFIG"} {
		if v := a.inv.Env.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}
