// Package rollout decides, from the fleet's host records, whether this
// host may deploy a nix-config commit now: the staged rollout (a host in
// wave N > 0 waits until enough hosts of wave N-1 ran the commit healthy
// for the soak time) and the fleet-wide quarantine (a commit another host
// found bad is not built while it is the tip). Decide is a pure function;
// reading the records is the caller's.
package rollout

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hearth-fleet/hearth/internal/fleet"
)

// Verdicts of Decide.
const (
	Go          = "go"
	Waiting     = "waiting"     // held back for the previous wave: a state, not a failure
	Quarantined = "quarantined" // another host found the commit bad
)

// Policy is this host's place in the rollout.
type Policy struct {
	Host   string
	Wave   int           // 0: a canary, never waits
	Soak   time.Duration // how long wave N-1 must have run the commit healthy
	Quorum int           // how many hosts of wave N-1 must have; < 1 counts as 1
	// RequireVerified ignores records whose signature is not verified
	// (fleet.allowed_signers is set).
	RequireVerified bool
	// SkipWait and SkipQuarantine are the one-round overrides
	// (hearth upgrade --now, --retry-quarantined).
	SkipWait, SkipQuarantine bool
}

// Decision is what Decide found, with the reason in words.
type Decision struct {
	Verdict string `json:"verdict"`
	Reason  string `json:"reason,omitempty"`
	// BadOn are the hosts whose records name the commit bad (Quarantined).
	BadOn []BadOn `json:"bad_on,omitempty"`
	// Healthy are the hosts of wave N-1 that count towards the quorum.
	Healthy []string `json:"healthy,omitempty"`
	// Ignored counts records left out: unreadable, or unverified when
	// verification is required.
	Ignored int `json:"ignored,omitempty"`
}

// BadOn is a host that found the commit bad, and where.
type BadOn struct {
	Host string `json:"host"`
	fleet.BadCommit
}

// WaitingFor is the state a held-back host records.
func WaitingFor(wave int) string { return fmt.Sprintf("waiting for wave %d", wave-1) }

// Decide says whether the host of p may build commit at now, given every
// host's record as read from the remote. Its own record never counts: its
// own failures are its upgrade state's to remember.
func Decide(entries []fleet.Entry, p Policy, commit string, now time.Time) Decision {
	var d Decision
	var usable []*fleet.Record
	for i := range entries {
		e := &entries[i]
		if e.Host == p.Host {
			continue
		}
		if !e.Usable(p.RequireVerified) {
			d.Ignored++
			continue
		}
		usable = append(usable, e.Record)
	}
	sort.Slice(usable, func(i, j int) bool { return usable[i].Host < usable[j].Host })

	for _, r := range usable {
		if b := r.FoundBad(commit); b != nil {
			d.BadOn = append(d.BadOn, BadOn{Host: r.Host, BadCommit: *b})
		}
	}
	if len(d.BadOn) > 0 && !p.SkipQuarantine {
		d.Verdict = Quarantined
		var where []string
		for _, b := range d.BadOn {
			where = append(where, fmt.Sprintf("%s (%s)", b.Host, b.Stage))
		}
		d.Reason = fmt.Sprintf("commit %s is quarantined: it failed on %s; a new tip lifts it, or hearth upgrade --retry-quarantined",
			short(commit), strings.Join(where, ", "))
		return d
	}
	if p.Wave <= 0 || p.SkipWait {
		d.Verdict = Go
		return d
	}
	quorum := max(p.Quorum, 1)
	prev := p.Wave - 1
	since := now.Add(-p.Soak)
	for _, r := range usable {
		if r.Wave != nil && *r.Wave == prev && r.HealthyAt(commit, since) {
			d.Healthy = append(d.Healthy, r.Host)
		}
	}
	if len(d.Healthy) >= quorum {
		d.Verdict = Go
		return d
	}
	d.Verdict = Waiting
	d.Reason = fmt.Sprintf("%s: %d of %d host(s) of wave %d ran commit %s healthy for %s",
		WaitingFor(p.Wave), len(d.Healthy), quorum, prev, short(commit), p.Soak)
	if d.Ignored > 0 {
		d.Reason += fmt.Sprintf(" (%d record(s) ignored: unreadable or unverified)", d.Ignored)
	}
	return d
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
