package health

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// DefaultInterval is the pause between rounds of WaitHealthy when interval <= 0.
const DefaultInterval = time.Second

// WaitHealthy retries every interval until all required checks pass and keep passing for `sustain`, or until `deadline` elapses.
//
// The sustained window is measured between the starts of the first and the
// last round of an unbroken run of passing rounds, so a service that answers
// once and then crashes fails. A round still running when the deadline comes
// is cut off and ignored: the verdict is that of the last complete round
// (unless there is none). deadline <= 0 means one round, and then sustain
// is not applied.
//
// When the deadline ends a passing run that has not yet lasted `sustain`, the
// verdict is not OK: Failing then names the required checks that failed in the
// last failing round (or every required check when none ever failed), and
// each of their Results says how long they had been passing.
func (r *Runner) WaitHealthy(ctx context.Context, checks []Check, deadline, sustain, interval time.Duration) Verdict {
	if deadline <= 0 {
		return r.RunOnce(ctx, checks)
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	log := r.logger()
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()

	var (
		passingSince time.Time // start of the current unbroken passing run; zero when none
		lastFailing  []string  // Failing of the most recent failed round
		last         Verdict
		timer        = time.NewTimer(0)
		seen         = map[string]bool{} // last OK of each check, to log changes only
	)
	defer timer.Stop()
	for round := 1; ; round++ {
		select {
		case <-ctx.Done():
			if round == 1 {
				return notRun(checks, ctx.Err())
			}
			v := unsustained(last, passingSince, sustain, lastFailing)
			log.Info("health checks did not pass in time", "deadline", deadline, "failing", v.Failing)
			return v
		case <-timer.C:
		}
		roundStart := time.Now()
		v := r.RunOnce(ctx, checks)
		if ctx.Err() != nil && round > 1 {
			// The deadline cut this round short: a check interrupted at the
			// deadline says nothing about the service, so judge by the last
			// complete round.
			cut := unsustained(last, passingSince, sustain, lastFailing)
			log.Info("health checks did not pass in time", "deadline", deadline, "failing", cut.Failing)
			return cut
		}
		last = v
		logChanges(log, seen, last.Results)
		switch {
		case !last.OK:
			passingSince = time.Time{}
			lastFailing = last.Failing
			log.Debug("health round failed", "round", round, "failing", last.Failing)
		case passingSince.IsZero():
			passingSince = roundStart
		}
		if last.OK && roundStart.Sub(passingSince) >= sustain {
			log.Info("health checks passed", "round", round, "sustained", roundStart.Sub(passingSince))
			return last
		}
		if ctx.Err() != nil {
			v := unsustained(last, passingSince, sustain, lastFailing)
			log.Info("health checks did not pass in time", "deadline", deadline, "failing", v.Failing)
			return v
		}
		timer.Reset(interval)
	}
}

// logChanges logs a check once when it starts failing and once when it
// recovers, not at every round of a long wait.
func logChanges(log *slog.Logger, seen map[string]bool, results []Result) {
	for _, res := range results {
		was, known := seen[res.Name]
		seen[res.Name] = res.OK
		switch {
		case !res.OK && (!known || was):
			log.Info("health check failing", "check", res.Name, "required", res.Required, "detail", res.Detail)
		case res.OK && known && !was:
			log.Info("health check recovered", "check", res.Name, "detail", res.Detail)
		}
	}
}

// unsustained turns the last verdict into the deadline verdict: never OK, and
// naming why.
func unsustained(last Verdict, passingSince time.Time, sustain time.Duration, lastFailing []string) Verdict {
	if !last.OK {
		return last
	}
	v := Verdict{Results: append([]Result(nil), last.Results...)}
	blame := map[string]bool{}
	for _, n := range lastFailing {
		blame[n] = true
	}
	for i, res := range v.Results {
		if !res.Required || (len(lastFailing) > 0 && !blame[res.Name]) {
			continue
		}
		v.Results[i].OK = false
		v.Results[i].Detail = fmt.Sprintf("passing for only %s of the required %s: %s",
			time.Since(passingSince).Round(time.Millisecond), sustain, res.Detail)
		v.Failing = append(v.Failing, res.Name)
	}
	return v
}

// notRun is the verdict when the context ended before any round ran.
func notRun(checks []Check, err error) Verdict {
	results := make([]Result, len(checks))
	for i, c := range checks {
		results[i] = Result{Name: c.label(), Required: c.Required, Detail: "not run: " + err.Error()}
	}
	return verdictOf(results)
}
