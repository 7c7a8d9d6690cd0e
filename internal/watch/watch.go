// Package watch decides when `hearth watch` runs a dotfile sync round: a
// short while after the last write to a watched file, when a poll finds
// that the remote's branch moved, and again once an unreachable remote
// answers. Everything it touches (the round, the remote, the file events,
// the clock, the desktop) is behind a small interface, so the loop is
// tested with fakes.
package watch

import (
	"context"
	"time"
)

// Settings are the loop's timings.
type Settings struct {
	// Debounce is the longest a run of writes puts a round off; with
	// none for Quiet, it starts sooner.
	Debounce time.Duration
	// PollInterval is how often the remote is asked, jittered by ±10%.
	PollInterval time.Duration
	// MaxBackoff caps the wait between polls (and retries of failed
	// rounds) while the remote is unreachable; 0 means DefaultMaxBackoff.
	MaxBackoff time.Duration
}

// DefaultMaxBackoff: a remote down for days is asked every 5 minutes.
const DefaultMaxBackoff = 5 * time.Minute

func (s Settings) maxBackoff() time.Duration {
	if s.MaxBackoff > 0 {
		return max(s.MaxBackoff, s.PollInterval)
	}
	return max(DefaultMaxBackoff, s.PollInterval)
}

// Round results the loop tells apart (the status record's words).
const (
	ResultOK      = "ok"
	ResultHeld    = "held"
	ResultOffline = "offline"
	ResultPending = "pending"
	ResultFailed  = "failed"
)

// Outcome is what a round tells the loop.
type Outcome struct {
	Result string
	// Applied are the paths in home the round wrote, created, removed or
	// moved to the trash: events on them during the round are its own.
	Applied []string
	// Targets are every managed target after the round (nil: unknown,
	// keep watching what was watched).
	Targets []Target
	// Conflicts are the paths whose conflict the round settled; Held the
	// targets it left alone. Both are named in a notification.
	Conflicts []string
	Held      []string
}

// Target is a managed path in home, absolute.
type Target struct {
	Path string
	Dir  bool
}

// Runner runs one sync round, holding the sync lock like `hearth sync`.
type Runner interface {
	Round(ctx context.Context, reason string) (Outcome, error)
}

// Poller asks the remote whether the branch moved from where the clone's
// remote-tracking ref is. An error means unreachable (or unreadable): the
// loop backs off.
type Poller interface {
	Poll(ctx context.Context) (moved bool, err error)
}

// Event is a change seen under a watched dir.
type Event struct {
	Path string
	// InSource: in the source dir, which only rounds and people write.
	InSource bool
	// Remote: the branch of a remote on a local path was written; a
	// poll (a file read) says whether it moved.
	Remote bool
}

// Source reports changes to the watched files.
type Source interface {
	Events() <-chan Event
	// Watch replaces the set of watched targets (the source dir is
	// always watched).
	Watch(targets []Target)
	// Settle records how every watched path looks now, after a round:
	// an event on a path that still looks so is the round's own write.
	Settle()
	// Own reports whether path looks as it did at the last Settle.
	Own(path string) bool
	// Watched counts the watched targets; Polling is true when the kernel's
	// watch limit made the source poll the files instead.
	Watched() int
	Polling() bool
}

// Clock is time, fake in tests.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Notice is one desktop notification: a path and what to run to see it.
type Notice struct {
	Summary string
	Body    string
}

// Notifier tells the person at the desktop. An error is logged, never
// fails a round.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// After is time.After.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
