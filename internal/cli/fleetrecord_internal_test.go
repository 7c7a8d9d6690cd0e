package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/bootcount"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/golden"
	"github.com/hearth-fleet/hearth/internal/state"
)

var (
	rt0     = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	commitX = strings.Repeat("a", 40)
	commitY = strings.Repeat("b", 40)
)

// TestHostRecordKeepsSecretsOut: a secrets failure's text (which quotes
// the sops helper and names keys) never reaches the record.
func TestHostRecordKeepsSecretsOut(t *testing.T) {
	ls := localState{jobs: map[string]state.Record{
		"secrets": {Job: "secrets", Result: "failed", Finished: rt0, Error: "db/password: value hunter2 rejected"},
	}}
	rec := buildHostRecord(nil, ls)
	if j := rec.Jobs[fleet.JobSecrets]; j.Result != "failed" || j.Error != "" {
		t.Fatalf("secrets job in the record: %+v", j)
	}
}

func TestHostRecordFromDeployAndBootState(t *testing.T) {
	deployedAt := rt0.Add(-time.Hour)
	ds := &deployState{Deployed: commitX, Generation: 7, DeployedAt: deployedAt,
		Failed: []deploy.Failure{{Commit: commitY, Stage: "confirm", Error: "check web\nfailed", At: rt0}}}
	tests := []struct {
		name    string
		boot    *golden.State
		healthy bool
	}{
		{"no boot since", nil, true},
		{"green boot after", &golden.State{GoldenGeneration: 7, Boot: &golden.Boot{Time: rt0, Verdict: golden.Green}}, true},
		{"red boot after", &golden.State{GoldenGeneration: 6, Boot: &golden.Boot{Time: rt0, Verdict: golden.Red}}, false},
		{"red boot before", &golden.State{GoldenGeneration: 6, Boot: &golden.Boot{Time: deployedAt.Add(-time.Minute), Verdict: golden.Red}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := buildHostRecord(nil, localState{jobs: map[string]state.Record{}, deploy: ds, boot: tc.boot})
			if rec.DeployedCommit != commitX || rec.Generation != 7 {
				t.Fatalf("deployed %s gen %d", rec.DeployedCommit, rec.Generation)
			}
			if got := rec.HealthyAt(commitX, rt0); got != tc.healthy {
				t.Fatalf("healthy %v, want %v (since %v)", got, tc.healthy, rec.DeployedHealthySince)
			}
			if b := rec.FoundBad(commitY); b == nil || b.Stage != "confirm" || strings.Contains(b.Error, "\n") {
				t.Fatalf("bad commits %+v", rec.BadCommits)
			}
			rec.Version, rec.Host, rec.HearthVersion, rec.Time, rec.Seq = fleet.Version, "h", "v", rt0, 1
			if _, err := fleet.Encode(rec); err != nil {
				t.Fatalf("built record does not encode: %v", err)
			}
		})
	}
}

// TestHostRecordKeepsNewerRuns: the previous record's runs by another user
// (the sync user's record read by root's upgrade publish) are kept, and an
// older local record of the same job does not replace a newer one.
func TestHostRecordKeepsNewerRuns(t *testing.T) {
	prev := &fleet.Record{Jobs: map[string]fleet.JobRun{
		fleet.JobSync: {Result: "held", Time: rt0},
	}, Held: []string{".bashrc"}, DeployedCommit: commitX}
	ls := localState{jobs: map[string]state.Record{
		"sync":    {Job: "sync", Result: "ok", Finished: rt0.Add(-time.Hour)},
		"upgrade": {Job: "upgrade", Result: "ok", Finished: rt0, Commit: commitY},
	}}
	rec := buildHostRecord(prev, ls)
	if rec.Jobs[fleet.JobSync].Result != "held" || rec.Jobs[fleet.JobUpgrade].Commit != commitY {
		t.Fatalf("jobs %+v", rec.Jobs)
	}
	if len(rec.Held) != 1 || rec.DeployedCommit != commitX {
		t.Fatalf("carried-over fields lost: %+v", rec)
	}
	if prev.Jobs[fleet.JobUpgrade].Result != "" {
		t.Fatal("the previous record was modified")
	}
}

func TestPublishDue(t *testing.T) {
	last := publishState{Time: rt0, Sync: "ok/0/0"}
	tests := []struct {
		name string
		key  string
		now  time.Time
		want bool
	}{
		{"unchanged within interval", "ok/0/0", rt0.Add(time.Minute), false},
		{"unchanged after interval", "ok/0/0", rt0.Add(5 * time.Minute), true},
		{"changed within interval", "held/0/1", rt0.Add(time.Minute), true},
		{"clock went back", "ok/0/0", rt0.Add(-time.Minute), true},
	}
	for _, tc := range tests {
		if got := publishDue(last, tc.key, tc.now, 5*time.Minute); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !publishDue(publishState{}, "ok/0/0", rt0, time.Hour) {
		t.Error("first publish not due")
	}
}

// TestHostRecordShowsTheLoader: the boot loader's view recorded by the boot
// check (entry, blessed/counting/bad, tries left, which entry booted) is in
// the host record, and a record without a counting loader carries none.
func TestHostRecordShowsTheLoader(t *testing.T) {
	view := &bootcount.View{Loader: "systemd-boot", Entry: "nixos-generation-8+1-1.conf", State: "counting", TriesLeft: 1, TriesDone: 1, Booted: "nixos-generation-8+2.conf"}
	rec := buildHostRecord(nil, localState{jobs: map[string]state.Record{}, boot: &golden.State{GoldenGeneration: 7, Loader: view}})
	want := fleet.LoaderView{Loader: "systemd-boot", Entry: view.Entry, State: "counting", TriesLeft: 1, Booted: view.Booted}
	if rec.Loader == nil || *rec.Loader != want {
		t.Fatalf("loader %+v, want %+v", rec.Loader, want)
	}
	rec.Version, rec.Host, rec.HearthVersion, rec.Time, rec.Seq = fleet.Version, "h", "v", rt0, 1
	data, err := fleet.Encode(rec)
	if err != nil {
		t.Fatalf("built record does not encode: %v", err)
	}
	back, err := fleet.Decode(data, fleet.HostRef("h"), "h")
	if err != nil || back.Loader == nil || *back.Loader != want {
		t.Fatalf("decoded loader %+v, %v", back.Loader, err)
	}
	if rec := buildHostRecord(nil, localState{jobs: map[string]state.Record{}, boot: &golden.State{Loader: &bootcount.View{Loader: "none"}}}); rec.Loader != nil {
		t.Fatalf("no counting loader, got %+v", rec.Loader)
	}
	bad := *rec
	bad.Loader = &fleet.LoaderView{Loader: "systemd-boot", Entry: "x\x1b[2J", TriesLeft: 1}
	if _, err := fleet.Encode(&bad); err == nil {
		t.Fatal("a loader entry with a control character was accepted")
	}
}
