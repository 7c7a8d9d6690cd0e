package watch

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"time"
)

// Loop runs rounds when they are due, one at a time, until its context
// ends. Rounds and polls run on their own goroutine so that file events
// keep being read meanwhile; the loop itself never blocks on them.
type Loop struct {
	Settings Settings
	Runner   Runner
	Poller   Poller
	Source   Source // nil: no file events (polls only)
	Clock    Clock
	Notifier Notifier // nil: no notifications
	Logger   *slog.Logger
	// Reload asks for Reconfigure at the next safe point (no round or
	// poll running). A Reconfigure error keeps the old settings.
	Reload      <-chan struct{}
	Reconfigure func() (Settings, error)
	// Report receives the status after every round and poll.
	Report func(Status)
	// Rand is in [0,1), for the poll jitter; nil uses math/rand.
	Rand func() float64
}

type done struct {
	round   bool
	reason  string
	started time.Time
	outcome Outcome
	moved   bool
	err     error
}

// Run watches until ctx ends. A round running then is cancelled through
// ctx and waited for: the round is written so that a stop anywhere leaves
// a state the next round finishes, and its lock goes with it.
func (l *Loop) Run(ctx context.Context) error {
	log := l.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rnd := l.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	jitter := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * (0.9 + 0.2*rnd()))
	}
	now := l.Clock.Now()
	sched := newSchedule(now, l.Settings, jitter)
	st := &Status{PID: os.Getpid(), Started: now.UTC()}
	var events <-chan Event
	if l.Source != nil {
		events = l.Source.Events()
	}
	results := make(chan done, 1)
	busy, roundRunning := false, false
	// Paths changed while a round ran, outside the source: a set, so a
	// program writing a target in a loop during a long round (a run_
	// script, a slow remote) costs one entry, not one per write.
	during := map[string]bool{}
	reload, nudge := false, false
	heldBefore := map[string]bool{}
	if l.Report != nil {
		l.Report(*st)
	}
	for {
		var timer <-chan time.Time
		if !busy {
			if ctx.Err() != nil {
				return nil
			}
			if reload && l.Reconfigure != nil {
				reload = false
				if set, err := l.Reconfigure(); err != nil {
					log.Error("config reload failed; keeping the old config", "err", err)
				} else {
					log.Info("config reloaded", "debounce", set.Debounce, "poll_interval", set.PollInterval)
					sched.set = set
					sched.online(l.Clock.Now())
					sched.want(l.Clock.Now(), ReasonStart)
				}
			}
			now := l.Clock.Now()
			if nudge {
				nudge = false
				sched.pollAt = now
			}
			act, wait := sched.next(now)
			switch act {
			case actRound:
				reason := sched.startRound()
				busy, roundRunning = true, true
				log.Info("round", "reason", reason)
				go func() {
					o, err := l.Runner.Round(ctx, reason)
					results <- done{round: true, reason: reason, started: now, outcome: o, err: err}
				}()
				continue
			case actPoll:
				busy = true
				go func() {
					moved, err := l.Poller.Poll(ctx)
					results <- done{moved: moved, err: err}
				}()
				continue
			}
			timer = l.Clock.After(wait)
		}
		select {
		case <-ctx.Done():
			if !busy {
				return nil
			}
			<-results // the round or poll ends with ctx
			return nil
		case <-l.Reload:
			reload = true
		case ev := <-events:
			if ev.Remote {
				// Poll now, or as soon as the round or poll running ends
				// (it may have read the remote before this write).
				nudge = true
				continue
			}
			if roundRunning {
				if !ev.InSource {
					during[ev.Path] = true
				}
				continue
			}
			if !l.Source.Own(ev.Path) {
				log.Debug("changed", "path", ev.Path)
				sched.edit(l.Clock.Now())
			}
		case <-timer:
		case r := <-results:
			busy, roundRunning = false, false
			now := l.Clock.Now()
			if !r.round {
				l.pollDone(log, sched, st, now, r)
			} else {
				l.roundDone(ctx, log, sched, st, now, r, during, heldBefore)
				clear(during)
			}
			st.NextPoll = sched.pollAt
			st.Offline = sched.backoff > 0
			if l.Source != nil {
				st.TargetsWatched, st.PollingFallback = l.Source.Watched(), l.Source.Polling()
			}
			if l.Report != nil {
				l.Report(*st)
			}
		}
	}
}

func (l *Loop) pollDone(log *slog.Logger, sched *schedule, st *Status, now time.Time, r done) {
	st.LastPoll = now
	switch {
	case r.err != nil:
		st.LastPollResult = "unreachable"
		log.Info("remote unreachable", "err", r.err)
	case r.moved:
		st.LastPollResult = "moved"
	default:
		st.LastPollResult = "unchanged"
	}
	sched.pollDone(now, r.moved, r.err)
}

func (l *Loop) roundDone(ctx context.Context, log *slog.Logger, sched *schedule, st *Status, now time.Time, r done, during map[string]bool, heldBefore map[string]bool) {
	o := r.outcome
	res := o.Result
	if r.err != nil {
		res = ResultFailed
		if ctx.Err() == nil {
			log.Error("round failed; the watcher goes on", "reason", r.reason, "err", r.err)
		}
	} else {
		log.Info("round done", "reason", r.reason, "result", res)
	}
	st.countRound(r.started, now, r.reason, res, r.err)
	sched.roundDone(now, res, r.err)
	if l.Source != nil {
		if o.Targets != nil {
			l.Source.Watch(o.Targets)
		}
		l.Source.Settle()
		// What the round wrote is its own; a target it did not write
		// that changed meanwhile is a person's edit for the next round.
		for p := range during {
			if !wroteAt(o.Applied, p) {
				sched.edit(now)
				break
			}
		}
	}
	l.notify(ctx, log, o, heldBefore)
}

// wroteAt: the round wrote p, or below p (a dir it made for a target).
func wroteAt(applied []string, p string) bool {
	return slices.ContainsFunc(applied, func(a string) bool { return within(p, a) })
}
