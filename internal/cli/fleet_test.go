package cli_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// fleetRows runs `hearth fleet --json` on h.
func fleetRows(t *testing.T, h *clitest.Host) []fleet.Row {
	t.Helper()
	out := h.MustRun(t, "fleet", "--json")
	var rows []fleet.Row
	if err := json.Unmarshal([]byte(out.Stdout), &rows); err != nil {
		t.Fatalf("hearth fleet --json: %v\n%s", err, out.Stdout)
	}
	return rows
}

func rowOf(t *testing.T, rows []fleet.Row, host string) fleet.Row {
	t.Helper()
	for _, r := range rows {
		if r.Host == host {
			return r
		}
	}
	t.Fatalf("no row for %s in %+v", host, rows)
	return fleet.Row{}
}

// publishAs publishes a record for host straight to the remote, as
// another machine would, with its own clock and key.
func publishAs(t *testing.T, remote, host string, at time.Time, key string) {
	t.Helper()
	ctx := context.Background()
	repo, err := fleet.OpenCache(ctx, filepath.Join(t.TempDir(), "fleet.git"), gitrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &fleet.Publisher{Repo: repo, Remote: remote, Host: host, HearthVersion: "other", SigningKey: key, Now: func() time.Time { return at }}
	if _, err := p.Publish(ctx, func(*fleet.Record) (*fleet.Record, error) {
		return &fleet.Record{Jobs: map[string]fleet.JobRun{fleet.JobSync: {Result: "ok", Time: at}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestFleetShowsEveryHostAfterSync: each sync publishes its host's record;
// `hearth fleet` shows them all, and a host silent for longer than
// fleet.stale_after (its clock set back two hours) as stale.
func TestFleetShowsEveryHostAfterSync(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	hs := dotfileHosts(t, r.FileURL(), "laptop", "desktop")
	for _, h := range hs {
		h.MustRun(t, "sync")
	}
	publishAs(t, r.FileURL(), "silent", time.Now().Add(-2*time.Hour), "")
	rows := fleetRows(t, hs[0])
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	for _, name := range []string{"laptop", "desktop"} {
		row := rowOf(t, rows, name)
		if row.Stale || row.Sync == nil || row.Sync.Result != "ok" || row.Error != "" || row.Verified {
			t.Errorf("%s: %+v; want fresh, sync ok, unverified (no allowed signers)", name, row)
		}
	}
	if !rowOf(t, rows, "silent").Stale {
		t.Errorf("a host silent for 2h (stale_after 1h) is not stale: %+v", rowOf(t, rows, "silent"))
	}
	table := hs[1].MustRun(t, "fleet").Stdout
	for _, want := range []string{"HOST", "laptop", "desktop", "silent", "STALE"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	show := hs[1].MustRun(t, "fleet", "show", "laptop").Stdout
	if !strings.Contains(show, "sync:") || !strings.Contains(show, "history:") {
		t.Errorf("fleet show laptop:\n%s", show)
	}
}

// TestFleetPublishInterval: a sync round whose outcome did not change
// publishes nothing within fleet.publish_interval; with publish = false
// nothing is published at all.
func TestFleetPublishInterval(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	h.MustRun(t, "sync")
	first := testutil.Git(t, r.Dir, "rev-parse", fleet.HostRef("laptop"))
	h.MustRun(t, "sync")
	if again := testutil.Git(t, r.Dir, "rev-parse", fleet.HostRef("laptop")); again != first {
		t.Fatalf("an unchanged sync round within the interval published %s over %s", again, first)
	}
	off := dotfileHosts(t, r.FileURL(), "quiet")[0]
	cfg, _ := os.ReadFile(off.Config)
	off.WriteConfig(t, strings.SplitN(string(cfg), "\n", 3)[2]+"[fleet]\npublish = false\n")
	off.MustRun(t, "sync")
	if _, err := testutil.GitErr(r.Dir, "rev-parse", "--verify", fleet.HostRef("quiet")); err == nil {
		t.Fatal("publish = false published a record")
	}
}

// TestFleetPublishFailureKeepsTheJob: a record that cannot be signed is
// not published, and the sync round still succeeds.
func TestFleetPublishFailureKeepsTheJob(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	notAKey := filepath.Join(h.Root, "not-a-key")
	if err := os.WriteFile(notAKey, []byte("garbage\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := os.ReadFile(h.Config)
	h.WriteConfig(t, strings.SplitN(string(cfg), "\n", 3)[2]+"[fleet]\nsigning_key = \""+notAKey+"\"\n")
	res := h.MustRun(t, "sync")
	if !strings.Contains(res.Stderr, "host record not published") {
		t.Fatalf("no warning about the failed publish:\n%s", res.Stderr)
	}
	if _, err := testutil.GitErr(r.Dir, "rev-parse", "--verify", fleet.HostRef("laptop")); err == nil {
		t.Fatal("an unsignable record was published")
	}
}

// TestFleetVerifiesSignedRecords: with fleet.signing_key the host's records
// are signed and, with fleet.allowed_signers, verified; a record signed by
// a key not allowed shows unverified.
func TestFleetVerifiesSignedRecords(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	key, pub := testutil.SSHKey(t, "fleet")
	stranger, _ := testutil.SSHKey(t, "stranger")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("fleet@example.com "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	cfg, _ := os.ReadFile(h.Config)
	h.WriteConfig(t, strings.SplitN(string(cfg), "\n", 3)[2]+"[fleet]\nsigning_key = \""+key+"\"\nallowed_signers = \""+allowed+"\"\n")
	h.MustRun(t, "sync")
	publishAs(t, r.FileURL(), "intruder", time.Now(), stranger)
	rows := fleetRows(t, h)
	if row := rowOf(t, rows, "laptop"); !row.Verified || row.Signer != "fleet@example.com" {
		t.Errorf("laptop's signed record: %+v, want verified by fleet@example.com", row)
	}
	if row := rowOf(t, rows, "intruder"); row.Verified {
		t.Errorf("a record signed by a key not allowed is verified: %+v", row)
	}
}

// TestFleetTableIsTerminalSafe: a hostile record cannot put escape
// sequences on the terminal of whoever runs `hearth fleet`.
func TestFleetTableIsTerminalSafe(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	h.MustRun(t, "sync")
	dir := t.TempDir()
	testutil.Git(t, dir, "init", "--quiet")
	rec := `{"version":1,"host":"evil","hearth_version":"x","time":"2026-01-01T00:00:00Z","seq":1,` +
		`"jobs":{"sync":{"result":"ok","time":"2026-01-01T00:00:00Z","error":"\u001b]0;owned\u0007\u001b[2J"}},"conflicts":["\u001b[31mred"]}`
	if err := os.WriteFile(filepath.Join(dir, fleet.RecordFile), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, dir, "add", ".")
	testutil.Git(t, dir, "commit", "--quiet", "-m", "evil")
	testutil.Git(t, dir, "push", "--quiet", r.FileURL(), "HEAD:"+fleet.HostRef("evil"))
	for _, args := range [][]string{{"fleet"}, {"fleet", "--json"}, {"fleet", "show", "evil"}} {
		res := h.Run(context.Background(), args...)
		if strings.ContainsAny(res.Stdout+res.Stderr, "\x1b\x07") {
			t.Errorf("hearth %s wrote control characters:\n%q", strings.Join(args, " "), res.Stdout+res.Stderr)
		}
		if !strings.Contains(res.Stdout+res.Stderr, "control character") {
			t.Errorf("hearth %s does not say why evil's record is refused:\n%s%s", strings.Join(args, " "), res.Stdout, res.Stderr)
		}
	}
}

// TestFleetPublishStateTempSwept: the temporary file of a publish state
// write killed midway is swept by the next sync round, like the job's own.
func TestFleetPublishStateTempSwept(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	left := filepath.Join(h.StateDir, ".fleet-publish.json.tmp-123")
	if err := os.WriteFile(left, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.MustRun(t, "sync")
	if _, err := os.Lstat(left); err == nil {
		t.Fatalf("%s left by a killed run is still there after a sync round", left)
	}
	if _, err := os.Stat(filepath.Join(h.StateDir, "fleet-publish.json")); err != nil {
		t.Fatalf("the sync round's publish time was not remembered: %v", err)
	}
}

// TestFleetOfflineShowsLastFetch: an unreachable remote shows the records
// fetched last, with a warning, instead of nothing.
func TestFleetOfflineShowsLastFetch(t *testing.T) {
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "laptop")[0]
	h.MustRun(t, "sync")
	if rows := fleetRows(t, h); len(rows) != 1 {
		t.Fatalf("%d rows before going offline", len(rows))
	}
	r.Stop(t)
	res := h.MustRun(t, "fleet", "--json")
	var rows []fleet.Row
	if err := json.Unmarshal([]byte(res.Stdout), &rows); err != nil || len(rows) != 1 || rows[0].Host != "laptop" {
		t.Fatalf("offline: %v %+v\n%s", err, rows, res.Stdout)
	}
	if !strings.Contains(res.Stderr, "remote unreachable") {
		t.Fatalf("no warning that the remote is unreachable:\n%s", res.Stderr)
	}
}
