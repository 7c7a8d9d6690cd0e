package health

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Runner runs checks. The zero value asks systemctl about units and logs nothing.
type Runner struct {
	Units  UnitChecker // nil: systemctl is-active
	Logger *slog.Logger
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r.Logger
}

func (r *Runner) units() UnitChecker {
	if r.Units == nil {
		return Systemctl{}
	}
	return r.Units
}

// RunOnce runs every check once, concurrently, each under its own timeout,
// and returns the results in the order of checks.
func (r *Runner) RunOnce(ctx context.Context, checks []Check) Verdict {
	results := make([]Result, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { results[i] = r.runCheck(ctx, c) })
	}
	wg.Wait()
	v := verdictOf(results)
	log := r.logger()
	for _, res := range results {
		if !res.OK {
			log.Debug("health check failed", "check", res.Name, "required", res.Required, "detail", res.Detail, "duration", res.Duration)
		}
	}
	return v
}

func (r *Runner) runCheck(ctx context.Context, c Check) Result {
	res := Result{Name: c.label(), Required: c.Required}
	start := time.Now()
	kind, err := c.kind()
	if err != nil {
		res.Detail = err.Error()
		res.Duration = time.Since(start)
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	switch kind {
	case "unit":
		res.Detail, res.OK = checkUnit(cctx, r.units(), c.Unit)
	case "command":
		res.Detail, res.OK = checkCommand(cctx, c.Command)
	case "tcp":
		res.Detail, res.OK = checkTCP(cctx, c.TCP)
	case "http":
		res.Detail, res.OK = checkHTTP(cctx, c.HTTP)
	}
	// A probe that returned only because its deadline passed is a hung check,
	// whatever partial answer it had; say so plainly. Compare clocks rather
	// than ctx.Err(): a dialer can give up at the deadline an instant before
	// the context's own timer fires.
	now := time.Now()
	if dl, ok := ctx.Deadline(); (ok && !now.Before(dl)) || ctx.Err() != nil {
		if !res.OK {
			res.Detail = "interrupted (deadline reached or cancelled): " + res.Detail
		}
	} else if dl, _ := cctx.Deadline(); !now.Before(dl) || cctx.Err() != nil {
		res.OK = false
		res.Detail = "timed out after " + c.timeout().String() + ": " + res.Detail
	}
	res.Duration = time.Since(start)
	return res
}
