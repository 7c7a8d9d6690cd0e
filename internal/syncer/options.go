// Package syncer keeps one git repository in sync between hosts that all pull
// from and push to one remote, without ever stopping for a human: capture
// local edits, fetch, merge (never rebase) with a per-hunk winner and the
// loser kept as a sidecar, push with a lease, apply. It knows nothing of
// dotfiles; the caller plugs its capture and apply steps in as hooks.
package syncer

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
)

// Policy picks the winner of overlapping edits.
type Policy string

// Policies (DESIGN section 3).
const (
	PolicyNewest Policy = "newest" // the side whose last change to the file is newer; ties go to the remote
	PolicyRemote Policy = "remote"
	PolicyLocal  Policy = "local"
)

// Hooks connect the repository to the world outside it.
type Hooks struct {
	// Capture copies edits made outside the work tree into it (before the
	// commit) and says whether it wrote anything there. false is only a
	// hint: edits made in the work tree itself are found either way.
	Capture func(ctx context.Context) (wrote bool, err error)
	// Apply brings the work tree's state to the outside world (after the
	// merge). moved says whether the round changed the work tree after
	// Capture returned; when it did not, what Capture saw is still the
	// source.
	Apply func(ctx context.Context, moved bool) error
	// EditTimes, when set, says when the files Capture wrote were last
	// edited where they came from (work-tree slash paths). The commit of
	// the round records them, and "newest" compares them instead of
	// commit times: a host that syncs later has not edited later.
	EditTimes func() map[string]time.Time
	// An error from either hook is a Problem in the report, not the
	// round's error: commit, fetch, merge and push run regardless, so a
	// fix pushed by another host always arrives.
}

// Options configure one sync round.
type Options struct {
	Dir     string // the clone's work tree
	Remote  string // URL of the shared remote
	Branch  string // default "main"
	Host    string // this host's name, recorded in commits and sidecars
	Policy  Policy // default newest
	Retries int    // push attempts after the first, when another host wins the race
	Hooks   Hooks
	Git     gitrepo.Options
	// RescueDir receives, as a git bundle, the commits the remote lacks
	// when the clone is damaged beyond repair; "" keeps none.
	RescueDir string
	Logger    *slog.Logger
	Now       func() time.Time                     // default time.Now
	Backoff   func(attempt int) time.Duration      // default: jittered exponential, 50ms base
	Sleep     func(context.Context, time.Duration) // default: a context-aware sleep

	beforePush func() // tests: lets another host win the race
	message    string // commit message for the local commit; default "hearth: edits on HOST"
}

func (o *Options) setDefaults() {
	if o.Branch == "" {
		o.Branch = "main"
	}
	if o.Policy == "" {
		o.Policy = PolicyNewest
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Backoff == nil {
		o.Backoff = func(attempt int) time.Duration {
			base := 50 * time.Millisecond << min(attempt, 6)
			return base/2 + rand.N(base) // jitter spreads hosts that lost the same race
		}
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}
}

// Result of a round, as in the status record.
const (
	ResultOK      = "ok"
	ResultOffline = "offline" // the remote was unreachable; local commits kept for the next round
	ResultPending = "pending" // lost the push race more often than Retries allows
)

// Report describes one round.
type Report struct {
	Result    string `json:"result"`
	Local     string `json:"local"`            // HEAD after the round
	Remote    string `json:"remote,omitempty"` // remote tip as last fetched
	Pending   int    `json:"pending_commits"`  // local commits the remote does not have
	Committed bool   `json:"committed"`        // local edits were committed this round
	Merged    bool   `json:"merged"`           // a merge commit was made
	Pushed    bool   `json:"pushed"`
	Attempts  int    `json:"attempts"`
	// FetchSkipped: the remote is on a local path and its branch was
	// already fetched, so the first attempt read it instead of fetching.
	FetchSkipped bool       `json:"fetch_skipped,omitempty"`
	Conflicts    []Conflict `json:"conflicts,omitempty"` // recorded this round
	Cloned       bool       `json:"cloned,omitempty"`
	Deferred     string     `json:"deferred,omitempty"` // why the work tree was left for the next round
	// Problems are capture and apply failures the round went past: the
	// repository side still ran, so a fix pushed elsewhere is merged.
	Problems []Problem `json:"problems,omitempty"`
	// Unholdable are paths of the checked-out tree that no work tree here
	// can hold (a name past NAME_MAX, ...): left out, the rest checked out.
	Unholdable []gitrepo.Unholdable `json:"unholdable,omitempty"`
}

// Steps a Problem can come from.
const (
	StepCapture = "capture"
	StepApply   = "apply"
)

// Problem is a hook failure that did not stop the round.
type Problem struct {
	Step  string `json:"step"`
	Error string `json:"error"`
}
