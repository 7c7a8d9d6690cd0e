package watch

import "time"

// Reasons a round starts, as logged and kept in the status file.
const (
	ReasonStart  = "start"
	ReasonEdit   = "edit"
	ReasonRemote = "remote moved"
	ReasonRetry  = "retry"
	ReasonBack   = "remote back"
)

type action int

const (
	actWait action = iota
	actRound
	actPoll
)

// schedule is the loop's decisions, free of side effects: when the next
// round and the next poll are due, given what happened.
type schedule struct {
	set    Settings
	jitter func(time.Duration) time.Duration

	roundAt time.Time // zero: no round wanted
	reason  string
	// burst is when the first write of the edits a round waits for came.
	burst  time.Time
	pollAt time.Time
	// backoff is the wait between polls while the remote is unreachable;
	// 0 while it answers.
	backoff time.Duration
	// owed: a round could not finish its work (failed, offline, commits
	// not pushed) and runs again as soon as the remote answers.
	owed     bool
	failures int
}

func newSchedule(now time.Time, set Settings, jitter func(time.Duration) time.Duration) *schedule {
	s := &schedule{set: set, jitter: jitter}
	// A round at once: home catches up with whatever happened while no
	// watcher ran, and the round lists the targets to watch.
	s.want(now, ReasonStart)
	s.pollAt = now.Add(jitter(set.PollInterval))
	return s
}

// want asks for a round at t unless one is due sooner.
func (s *schedule) want(t time.Time, reason string) {
	if s.roundAt.IsZero() || t.Before(s.roundAt) {
		s.roundAt, s.reason = t, reason
	}
}

// Quiet is how long no write must come before a round starts: an
// editor's save dance (temp file, rename, chmod) is over within about
// 100 ms, and a round that starts sooner after a save ends sooner.
const Quiet = 300 * time.Millisecond

// edit: a watched file changed; the round waits until no write came for
// Quiet, but writes that keep coming put it off for at most Debounce
// from the first of them (a program rewriting a file every 100 ms would
// otherwise hold every round back for good).
func (s *schedule) edit(now time.Time) {
	if !s.roundAt.IsZero() && s.reason != ReasonEdit && s.reason != ReasonRetry {
		return
	}
	if s.reason != ReasonEdit {
		s.burst = now
	}
	quiet := min(Quiet, s.set.Debounce)
	s.roundAt, s.reason = now.Add(quiet), ReasonEdit
	if limit := s.burst.Add(s.set.Debounce); limit.Before(s.roundAt) {
		s.roundAt = limit
	}
}

// next says what to do now, or how long to wait.
func (s *schedule) next(now time.Time) (action, time.Duration) {
	if !s.roundAt.IsZero() && !s.roundAt.After(now) {
		return actRound, 0
	}
	if !s.pollAt.After(now) {
		return actPoll, 0
	}
	wait := s.pollAt.Sub(now)
	if !s.roundAt.IsZero() {
		wait = min(wait, s.roundAt.Sub(now))
	}
	return actWait, wait
}

// startRound takes the wanted round off the schedule.
func (s *schedule) startRound() string {
	r := s.reason
	s.roundAt, s.reason = time.Time{}, ""
	return r
}

// offline grows the wait between polls: P, 2P, 4P, ... up to the cap.
func (s *schedule) offline(now time.Time) {
	s.backoff = min(max(2*s.backoff, s.set.PollInterval), s.set.maxBackoff())
	s.pollAt = now.Add(s.jitter(s.backoff))
}

// online: the remote answered; polls go back to the interval at once.
func (s *schedule) online(now time.Time) {
	s.backoff = 0
	s.pollAt = now.Add(s.jitter(s.set.PollInterval))
}

func (s *schedule) pollDone(now time.Time, moved bool, err error) {
	if err != nil {
		s.offline(now)
		return
	}
	s.online(now)
	switch {
	case moved:
		s.want(now, ReasonRemote)
	case s.owed:
		s.want(now, ReasonBack)
	}
}

func (s *schedule) roundDone(now time.Time, result string, err error) {
	if err != nil {
		// One bad round never stops the watcher: it is tried again,
		// less and less often while it keeps failing, and at once when
		// a poll finds the remote reachable.
		s.failures++
		s.owed = true
		wait := min(s.set.PollInterval<<min(s.failures-1, 16), s.set.maxBackoff())
		s.want(now.Add(s.jitter(wait)), ReasonRetry)
		if s.backoff == 0 {
			s.pollAt = now.Add(s.jitter(s.set.PollInterval))
		}
		return
	}
	s.failures = 0
	switch result {
	case ResultOffline:
		s.owed = true
		s.offline(now)
	case ResultPending:
		// Reachable, but another host kept winning the push: the next
		// poll runs the round again.
		s.owed = true
		s.online(now)
	default:
		s.owed = false
		s.online(now)
	}
}
