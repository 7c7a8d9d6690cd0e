package watch

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// The fakes hand every side effect to the test, one at a time: the loop
// blocks on the clock, the round and the poll until the test answers, so
// each step is an exact expectation, with no sleeps and no races.

type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	asked chan fakeWait
}

type fakeWait struct {
	d time.Duration
	c chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.asked <- fakeWait{d, ch}
	return ch
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type call struct {
	reason string
	ctx    context.Context
	reply  chan reply
}

type reply struct {
	o     Outcome
	moved bool
	err   error
}

type fakeRunner struct{ calls chan call }

func (f fakeRunner) Round(ctx context.Context, reason string) (Outcome, error) {
	c := call{reason: reason, ctx: ctx, reply: make(chan reply)}
	f.calls <- c
	r := <-c.reply
	return r.o, r.err
}

type fakePoller struct{ calls chan call }

func (f fakePoller) Poll(ctx context.Context) (bool, error) {
	c := call{ctx: ctx, reply: make(chan reply)}
	f.calls <- c
	r := <-c.reply
	return r.moved, r.err
}

type fakeSource struct {
	ch      chan Event
	mu      sync.Mutex
	own     map[string]bool // paths that look as hearth left them
	settled int
	watched []Target
}

func (f *fakeSource) Events() <-chan Event { return f.ch }
func (f *fakeSource) Watch(t []Target)     { f.mu.Lock(); f.watched = t; f.mu.Unlock() }
func (f *fakeSource) Settle()              { f.mu.Lock(); f.settled++; f.mu.Unlock() }
func (f *fakeSource) Own(p string) bool    { f.mu.Lock(); defer f.mu.Unlock(); return f.own[p] }
func (f *fakeSource) Watched() int         { return len(f.watched) }
func (f *fakeSource) Polling() bool        { return false }

type fakeNotifier struct {
	mu    sync.Mutex
	sent  []Notice
	fails bool
}

func (f *fakeNotifier) Notify(_ context.Context, n Notice) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, n)
	if f.fails {
		return errors.New("no session bus")
	}
	return nil
}

type harness struct {
	t       *testing.T
	clock   *fakeClock
	rounds  chan call
	polls   chan call
	src     *fakeSource
	notes   *fakeNotifier
	reload  chan struct{}
	cancel  context.CancelFunc
	stopped chan error
	last    fakeWait
	status  []Status
	mu      sync.Mutex
}

var testSettings = Settings{Debounce: 2 * time.Second, PollInterval: 30 * time.Second, MaxBackoff: 4 * time.Minute}

func start(t *testing.T, reconf func() (Settings, error)) *harness {
	h := &harness{
		t:      t,
		clock:  &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), asked: make(chan fakeWait)},
		rounds: make(chan call), polls: make(chan call),
		src:    &fakeSource{ch: make(chan Event), own: map[string]bool{}},
		notes:  &fakeNotifier{},
		reload: make(chan struct{}), stopped: make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	l := &Loop{
		Settings: testSettings, Runner: fakeRunner{h.rounds}, Poller: fakePoller{h.polls},
		Source: h.src, Clock: h.clock, Notifier: h.notes, Reload: h.reload, Reconfigure: reconf,
		Rand:   func() float64 { return 0.5 }, // no jitter: exact waits
		Report: func(s Status) { h.mu.Lock(); h.status = append(h.status, s); h.mu.Unlock() },
	}
	go func() { h.stopped <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		// Let a loop blocked on the fakes finish.
		for {
			select {
			case <-h.stopped:
				return
			case w := <-h.clock.asked:
				w.c <- time.Time{}
			case c := <-h.rounds:
				c.reply <- reply{err: context.Canceled}
			case c := <-h.polls:
				c.reply <- reply{err: context.Canceled}
			}
		}
	})
	return h
}

const step = 5 * time.Second

// next fails unless the loop's next move is of the wanted kind.
func (h *harness) next() (kind string, c call, w fakeWait) {
	h.t.Helper()
	select {
	case w = <-h.clock.asked:
		h.last = w
		return "wait", call{}, w
	case c = <-h.rounds:
		return "round", c, w
	case c = <-h.polls:
		return "poll", c, w
	case <-time.After(step): // a deadline for a broken loop, not a synchronisation
		h.t.Fatal("the loop did nothing")
	}
	return
}

func (h *harness) expectWait(want time.Duration) {
	h.t.Helper()
	kind, c, w := h.next()
	if kind != "wait" {
		h.t.Fatalf("want a wait of %s, the loop started a %s (%s)", want, kind, c.reason)
	}
	if w.d != want {
		h.t.Fatalf("waits %s, want %s", w.d, want)
	}
}

func (h *harness) fire() {
	h.clock.advance(h.last.d)
	h.last.c <- h.clock.Now()
}

func (h *harness) expectRound(reason string) call {
	h.t.Helper()
	kind, c, w := h.next()
	if kind != "round" {
		h.t.Fatalf("want a round (%s), got a %s of %s", reason, kind, w.d)
	}
	if c.reason != reason {
		h.t.Fatalf("round for %q, want %q", c.reason, reason)
	}
	return c
}

func (h *harness) expectPoll() call {
	h.t.Helper()
	kind, c, w := h.next()
	if kind != "poll" {
		h.t.Fatalf("want a poll, got a %s (%s %s)", kind, c.reason, w.d)
	}
	return c
}

func (h *harness) event(p string) { h.src.ch <- Event{Path: p} }

func (h *harness) advance(d time.Duration) { h.clock.advance(d) }

func (h *harness) startRound() {
	h.t.Helper()
	h.expectRound(ReasonStart).reply <- reply{o: Outcome{Result: ResultOK}}
}

func TestLoop(t *testing.T) {
	P, D := testSettings.PollInterval, testSettings.Debounce
	tests := []struct {
		name string
		run  func(h *harness)
	}{
		{"a round at start, then a poll every interval", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{}
			h.expectWait(P)
		}},
		{"a burst of writes makes one round, Quiet after the last", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			for range 5 {
				h.advance(100 * time.Millisecond)
				h.event("/home/u/.bashrc")
				h.expectWait(Quiet) // the deadline moves with every write
			}
			h.fire()
			h.expectRound(ReasonEdit).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
		}},
		{"writes that keep coming put the round off for at most the debounce", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			const every = 200 * time.Millisecond
			for k := range time.Duration(10) {
				if k > 0 {
					h.advance(every)
				}
				h.event("/home/u/.bashrc")
				h.expectWait(min(Quiet, D-k*every)) // the last: 200 ms left of D
			}
			h.fire()
			h.expectRound(ReasonEdit).reply <- reply{o: Outcome{Result: ResultOK}}
			h.event("/home/u/.bashrc") // a new burst
			h.expectWait(Quiet)
		}},
		{"an idle watcher after a round stays idle: its own writes start nothing", func(h *harness) {
			c := h.expectRound(ReasonStart)
			// Apply writes two targets during the round; their events
			// arrive during it and after it (the reader lagging).
			h.event("/home/u/.bashrc")
			h.event("/home/u/.profile")
			h.src.mu.Lock()
			h.src.own["/home/u/.bashrc"], h.src.own["/home/u/.profile"] = true, true
			h.src.mu.Unlock()
			c.reply <- reply{o: Outcome{Result: ResultOK, Applied: []string{"/home/u/.bashrc", "/home/u/.profile"}}}
			h.expectWait(P)
			h.event("/home/u/.profile") // late
			h.expectWait(P)
			for range 3 {
				h.fire()
				h.expectPoll().reply <- reply{}
				h.expectWait(P)
			}
			if h.src.settled != 1 {
				t.Errorf("settled %d times, want once (after the one round)", h.src.settled)
			}
		}},
		{"a dir the round made for a new target is its own write too", func(h *harness) {
			c := h.expectRound(ReasonStart)
			h.event("/home/u/.config/new")
			c.reply <- reply{o: Outcome{Result: ResultOK, Applied: []string{"/home/u/.config/new/app.conf"}}}
			h.expectWait(P)
		}},
		{"a person's edit during a round runs another round", func(h *harness) {
			c := h.expectRound(ReasonStart)
			h.event("/home/u/.vimrc") // not written by the round
			c.reply <- reply{o: Outcome{Result: ResultOK, Applied: []string{"/home/u/.bashrc"}}}
			h.expectWait(Quiet)
			h.fire()
			h.expectRound(ReasonEdit).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
		}},
		{"a write to a local remote's branch polls at once, also after a round", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			h.src.ch <- Event{Path: "/srv/dotfiles.git/refs/heads/main", Remote: true}
			h.expectPoll().reply <- reply{moved: true}
			c := h.expectRound(ReasonRemote)
			h.src.ch <- Event{Path: "/srv/dotfiles.git/refs/heads/main", Remote: true} // during the round
			c.reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectPoll().reply <- reply{}
			h.expectWait(P)
		}},
		{"a poll that finds the branch moved runs a round at once", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{moved: true}
			h.expectRound(ReasonRemote).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
		}},
		{"an unreachable remote backs off to the cap, and polls resume at once when it answers", func(h *harness) {
			h.startRound()
			h.expectWait(P)
			for _, want := range []time.Duration{P, 2 * P, 4 * P, 8 * P, 4 * time.Minute, 4 * time.Minute} {
				h.fire()
				h.expectPoll().reply <- reply{err: errors.New("unreachable")}
				h.expectWait(want)
			}
			h.fire()
			h.expectPoll().reply <- reply{}
			h.expectWait(P)
		}},
		{"an offline round is run again as soon as a poll reaches the remote", func(h *harness) {
			h.expectRound(ReasonStart).reply <- reply{o: Outcome{Result: ResultOffline}}
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{err: errors.New("unreachable")}
			h.expectWait(2 * P)
			h.fire()
			h.expectPoll().reply <- reply{}
			h.expectRound(ReasonBack).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{}
			h.expectWait(P) // nothing owed any more
		}},
		{"a failed round is logged and the loop goes on, retrying less often", func(h *harness) {
			h.expectRound(ReasonStart).reply <- reply{err: errors.New("template broke")}
			h.expectWait(P) // the retry and the poll are both due in P
			h.fire()
			h.expectRound(ReasonRetry).reply <- reply{err: errors.New("template broke")}
			h.expectWait(P) // the poll
			h.fire()
			h.expectPoll().reply <- reply{}
			// The poll reached the remote: the owed round runs at once.
			h.expectRound(ReasonBack).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
		}},
		{"a held target is notified once, a settled conflict each time", func(h *harness) {
			held := Outcome{Result: ResultHeld, Held: []string{"/home/u/.bashrc"}, Conflicts: []string{"dot_bashrc"}}
			h.expectRound(ReasonStart).reply <- reply{o: held}
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{moved: true}
			h.expectRound(ReasonRemote).reply <- reply{o: held}
			h.expectWait(P)
			var conflicts, helds int
			for _, n := range h.notes.sent {
				if !strings.Contains(n.Body, "hearth conflicts") && !strings.Contains(n.Body, "hearth status") {
					t.Errorf("notice names no command: %+v", n)
				}
				switch {
				case strings.Contains(n.Summary, "conflict"):
					conflicts++
				case strings.Contains(n.Summary, "held"):
					helds++
				}
			}
			if conflicts != 2 || helds != 1 {
				t.Errorf("notices: %d conflict, %d held, want 2 and 1: %+v", conflicts, helds, h.notes.sent)
			}
		}},
		{"a notifier that fails never stops the loop", func(h *harness) {
			h.notes.fails = true
			h.expectRound(ReasonStart).reply <- reply{o: Outcome{Result: ResultOK, Conflicts: []string{"x"}}}
			h.expectWait(P)
			h.fire()
			h.expectPoll().reply <- reply{moved: true}
			h.expectRound(ReasonRemote).reply <- reply{o: Outcome{Result: ResultOK}}
			h.expectWait(P)
		}},
		{"SIGTERM during a round cancels it and waits for it to end", func(h *harness) {
			c := h.expectRound(ReasonStart)
			h.cancel()
			<-c.ctx.Done() // the round is told
			select {
			case <-h.stopped:
				t.Fatal("the loop returned before its round ended")
			default:
			}
			c.reply <- reply{err: context.Canceled}
			if err := <-h.stopped; err != nil {
				t.Fatalf("Run: %v", err)
			}
			h.stopped <- nil // for the cleanup
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, nil)
			tc.run(h)
		})
	}
}

func TestLoopReload(t *testing.T) {
	P := testSettings.PollInterval
	var next Settings
	var nextErr error
	h := start(t, func() (Settings, error) { return next, nextErr })
	h.startRound()
	h.expectWait(P)
	// A bad config keeps the old one.
	nextErr = errors.New("config: dotfiles.poll_interval: must be between 100ms and 24h")
	h.reload <- struct{}{}
	h.expectWait(P)
	// A good one applies at once, with a round to match it.
	next, nextErr = Settings{Debounce: time.Second, PollInterval: 10 * time.Second}, nil
	h.reload <- struct{}{}
	h.expectRound(ReasonStart).reply <- reply{o: Outcome{Result: ResultOK}}
	h.expectWait(10 * time.Second)
}

func TestLoopStatus(t *testing.T) {
	h := start(t, nil)
	h.expectRound(ReasonStart).reply <- reply{o: Outcome{Result: ResultHeld}}
	h.expectWait(testSettings.PollInterval)
	h.mu.Lock()
	defer h.mu.Unlock()
	last := h.status[len(h.status)-1]
	if last.LastRound == nil || last.LastRound.Result != ResultHeld || last.RoundsToday != 1 || last.PID == 0 {
		t.Fatalf("status after one held round: %+v", last)
	}
	if want := h.clock.Now().Add(testSettings.PollInterval); !last.NextPoll.Equal(want) {
		t.Errorf("next poll %s, want %s", last.NextPoll, want)
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
