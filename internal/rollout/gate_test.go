package rollout

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/fleet"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

const (
	good  = "1111111111111111111111111111111111111111"
	other = "2222222222222222222222222222222222222222"
)

// host is a verified record of a host in wave w running commit healthy
// since ago before now (ago < 0: not healthy).
func host(name string, w int, commit string, ago time.Duration, bad ...string) fleet.Entry {
	r := &fleet.Record{Version: fleet.Version, Host: name, Time: now, DeployedCommit: commit, Wave: &w}
	if ago >= 0 {
		since := now.Add(-ago)
		r.DeployedHealthySince = &since
	}
	for _, b := range bad {
		r.BadCommits = append(r.BadCommits, fleet.BadCommit{Commit: b, Stage: "confirm", Time: now})
	}
	return fleet.Entry{Host: name, Record: r, Verified: true}
}

func unverified(e fleet.Entry) fleet.Entry { e.Verified = false; return e }

func TestDecide(t *testing.T) {
	soak := time.Hour
	wave := func(w int) Policy { return Policy{Host: "me", Wave: w, Soak: soak, Quorum: 1} }
	tests := []struct {
		name    string
		entries []fleet.Entry
		policy  Policy
		want    string
		reason  string // a part of the reason
	}{
		{name: "canary goes with no records", policy: wave(0), want: Go},
		{name: "wave 1 waits with no records", policy: wave(1), want: Waiting, reason: "waiting for wave 0: 0 of 1 host(s) of wave 0 ran commit 111111111111 healthy for 1h0m0s"},
		{name: "wave 1 goes after the soak", entries: []fleet.Entry{host("c", 0, good, 2*time.Hour)}, policy: wave(1), want: Go},
		{name: "soak exactly over", entries: []fleet.Entry{host("c", 0, good, time.Hour)}, policy: wave(1), want: Go},
		{name: "soak not over", entries: []fleet.Entry{host("c", 0, good, 59*time.Minute)}, policy: wave(1), want: Waiting},
		{name: "canary runs another commit", entries: []fleet.Entry{host("c", 0, other, 2*time.Hour)}, policy: wave(1), want: Waiting},
		{name: "canary not healthy", entries: []fleet.Entry{host("c", 0, good, -1)}, policy: wave(1), want: Waiting},
		{name: "healthy host of the wrong wave", entries: []fleet.Entry{host("c", 1, good, 2*time.Hour)}, policy: wave(2), want: Go},
		{name: "wave 2 needs wave 1, not 0", entries: []fleet.Entry{host("c", 0, good, 2*time.Hour)}, policy: wave(2), want: Waiting, reason: "waiting for wave 1"},
		{name: "host without a wave does not count", entries: []fleet.Entry{func() fleet.Entry { e := host("c", 0, good, 2*time.Hour); e.Record.Wave = nil; return e }()}, policy: wave(1), want: Waiting},
		{name: "quorum of two, one healthy", entries: []fleet.Entry{host("a", 0, good, 2*time.Hour), host("b", 0, good, -1)},
			policy: Policy{Host: "me", Wave: 1, Soak: soak, Quorum: 2}, want: Waiting, reason: "1 of 2 host(s)"},
		{name: "quorum of two, two healthy", entries: []fleet.Entry{host("a", 0, good, 2*time.Hour), host("b", 0, good, 3*time.Hour)},
			policy: Policy{Host: "me", Wave: 1, Soak: soak, Quorum: 2}, want: Go},
		{name: "own record never counts", entries: []fleet.Entry{host("me", 0, good, 2*time.Hour)}, policy: wave(1), want: Waiting},
		{name: "unverified record ignored when verification is required", entries: []fleet.Entry{unverified(host("c", 0, good, 2*time.Hour))},
			policy: Policy{Host: "me", Wave: 1, Soak: soak, RequireVerified: true}, want: Waiting, reason: "1 record(s) ignored"},
		{name: "unverified record counts without allowed signers", entries: []fleet.Entry{unverified(host("c", 0, good, 2*time.Hour))}, policy: wave(1), want: Go},
		{name: "unreadable record ignored", entries: []fleet.Entry{{Host: "c", Err: errors.New("bad json")}}, policy: wave(1), want: Waiting},
		{name: "--now skips the wait", policy: Policy{Host: "me", Wave: 3, Soak: soak, SkipWait: true}, want: Go},
		{name: "quarantined for a canary", entries: []fleet.Entry{host("c", 0, other, 2*time.Hour, good)}, policy: wave(0), want: Quarantined,
			reason: "commit 111111111111 is quarantined: it failed on c (confirm)"},
		{name: "quarantined for a later wave", entries: []fleet.Entry{host("c", 0, other, 2*time.Hour, good), host("d", 0, good, 2*time.Hour)}, policy: wave(1), want: Quarantined},
		{name: "another commit's failure does not quarantine", entries: []fleet.Entry{host("c", 0, good, 2*time.Hour, other)}, policy: wave(1), want: Go},
		{name: "own failure is the upgrade state's", entries: []fleet.Entry{host("me", 0, other, 0, good)}, policy: wave(0), want: Go},
		{name: "unverified failure ignored when verification is required", entries: []fleet.Entry{unverified(host("c", 0, other, 0, good))},
			policy: Policy{Host: "me", Wave: 0, RequireVerified: true}, want: Go},
		{name: "--retry-quarantined skips the quarantine, not the wait", entries: []fleet.Entry{host("c", 0, other, 0, good)},
			policy: Policy{Host: "me", Wave: 1, Soak: soak, SkipQuarantine: true}, want: Waiting},
		{name: "--retry-quarantined on a canary", entries: []fleet.Entry{host("c", 0, other, 0, good)},
			policy: Policy{Host: "me", Wave: 0, SkipQuarantine: true}, want: Go},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.entries, tt.policy, good, now)
			if d.Verdict != tt.want {
				t.Fatalf("verdict %q (%s), want %q", d.Verdict, d.Reason, tt.want)
			}
			if !strings.Contains(d.Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", d.Reason, tt.reason)
			}
			if tt.want == Go && d.Reason != "" {
				t.Errorf("a go has a reason: %q", d.Reason)
			}
		})
	}
}
