package fleet

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/gitrepo"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// bareRemote makes an empty bare repository and returns its path.
func bareRemote(t *testing.T) string {
	t.Helper()
	testutil.RequireProgram(t, "git")
	dir := filepath.Join(t.TempDir(), "remote.git")
	testutil.Git(t, "", "init", "--quiet", "--bare", "--initial-branch=main", dir)
	return dir
}

func cache(t *testing.T) *gitrepo.Repo {
	t.Helper()
	r, err := OpenCache(context.Background(), filepath.Join(t.TempDir(), "fleet.git"), gitrepo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func publisher(t *testing.T, remote, host string, now time.Time) *Publisher {
	return &Publisher{Repo: cache(t), Remote: remote, Host: host, HearthVersion: "test", Now: func() time.Time { return now }}
}

// setJob is an Update that records one job's result over prev.
func setJob(job, result string, at time.Time) Update {
	return func(prev *Record) (*Record, error) {
		rec := &Record{}
		if prev != nil {
			*rec = *prev
		}
		jobs := map[string]JobRun{}
		if prev != nil {
			for k, v := range prev.Jobs {
				jobs[k] = v
			}
		}
		jobs[job] = JobRun{Result: result, Time: at}
		rec.Jobs = jobs
		return rec, nil
	}
}

func TestPublishThenRead(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	p := publisher(t, remote, "alpha", t0)
	if _, err := p.Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	pub, err := p.Publish(ctx, setJob(JobUpgrade, "failed", t0))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Attempts != 1 || pub.Record.Seq != 2 {
		t.Fatalf("second publish: %d attempts, seq %d; want 1 and 2", pub.Attempts, pub.Record.Seq)
	}
	rd := &Reader{Repo: cache(t), Remote: remote}
	entries, err := rd.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Err != nil || entries[0].Commit != pub.Commit {
		t.Fatalf("entries %+v, want alpha at %s", entries, pub.Commit)
	}
	rec := entries[0].Record
	if rec.Jobs[JobSync].Result != "ok" || rec.Jobs[JobUpgrade].Result != "failed" || entries[0].Verified {
		t.Fatalf("record %+v: want both jobs, unverified", rec)
	}
	hist, err := rd.History(ctx, "alpha", 10)
	if err != nil || len(hist) != 2 || hist[1].Record == nil || hist[1].Record.Seq != 1 {
		t.Fatalf("history %+v, %v: want 2 records, oldest seq 1", hist, err)
	}
}

func TestPublishHistoryIsBounded(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	p := publisher(t, remote, "alpha", t0)
	p.Keep = 3
	roots := 0
	for i := range 7 {
		pub, err := p.Publish(ctx, setJob(JobSync, "ok", t0.Add(time.Duration(i)*time.Minute)))
		if err != nil {
			t.Fatal(err)
		}
		if pub.NewRoot {
			roots++
		}
	}
	n := testutil.Git(t, remote, "rev-list", "--count", HostRef("alpha"))
	if n != "1" && n != "2" && n != "3" {
		t.Fatalf("history of 7 publishes with keep 3 has %s commits", n)
	}
	if roots != 2 {
		t.Fatalf("%d new roots, want 2 (after records 3 and 6)", roots)
	}
}

// TestConcurrentPublishersAllLand: five hosts with their own caches publish
// at the same instant to one remote, and a second publisher of one host
// (root's upgrade beside the user's sync) races the first. Every record
// lands; the racing pair's records merge through the retry.
func TestConcurrentPublishersAllLand(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	hosts := []string{"h1", "h2", "h3", "h4", "h5"}
	type job struct {
		p   *Publisher
		job string
	}
	var jobs []job
	for _, h := range hosts {
		jobs = append(jobs, job{publisher(t, remote, h, t0), JobSync})
	}
	jobs = append(jobs, job{publisher(t, remote, "h1", t0), JobUpgrade})
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	pubs := make([]*Published, len(jobs))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			pubs[i], errs[i] = j.p.Publish(ctx, setJob(j.job, "ok", t0))
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("publisher %d (%s): %v", i, jobs[i].p.Host, err)
		}
	}
	// Both h1 publishers leased on "no ref yet": one of them must have lost.
	if pubs[0].Attempts+pubs[len(pubs)-1].Attempts < 3 {
		t.Fatalf("h1's publishers took %d and %d tries: no race was lost and retried", pubs[0].Attempts, pubs[len(pubs)-1].Attempts)
	}
	entries, err := (&Reader{Repo: cache(t), Remote: remote}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(hosts) {
		t.Fatalf("%d hosts on the remote, want %d: %+v", len(entries), len(hosts), entries)
	}
	for _, e := range entries {
		if e.Err != nil {
			t.Fatalf("%s: %v", e.Host, e.Err)
		}
	}
	h1 := Find(entries, "h1").Record
	if _, ok := h1.Jobs[JobSync]; !ok {
		t.Fatalf("h1's sync record lost to the racing upgrade publish: %+v", h1.Jobs)
	}
	if _, ok := h1.Jobs[JobUpgrade]; !ok {
		t.Fatalf("h1's upgrade record lost to the racing sync publish: %+v", h1.Jobs)
	}
}

// pushRaw publishes arbitrary content as host's record, as a hostile or
// broken writer could.
func pushRaw(t *testing.T, remote, ref string, content []byte) {
	t.Helper()
	dir := t.TempDir()
	testutil.Git(t, dir, "init", "--quiet")
	if err := os.WriteFile(filepath.Join(dir, RecordFile), content, 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, dir, "add", RecordFile)
	testutil.Git(t, dir, "commit", "--quiet", "-m", "raw")
	testutil.Git(t, dir, "push", "--quiet", "--force", remote, "HEAD:"+ref)
}

func TestReadShowsOneBadRecordAndTheOthers(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	if _, err := publisher(t, remote, "good", t0).Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	pushRaw(t, remote, HostRef("garbage"), []byte("not json"))
	pushRaw(t, remote, HostRef("future"), []byte(`{"version":2,"host":"future"}`))
	pushRaw(t, remote, HostRef("liar"), []byte(strings.Replace(mustEncode(t), `"alpha"`, `"good"`, 1)))
	pushRaw(t, remote, HostRef("huge"), []byte(strings.Repeat(" ", MaxRecordBytes+1)))
	pushRaw(t, remote, HostRef("nested/x"), []byte(mustEncode(t)))
	entries, err := (&Reader{Repo: cache(t), Remote: remote}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"good": "", "garbage": "not a JSON object", "future": "version 2",
		"liar": `names host "good"`, "huge": "more than", "nested/x": "host name",
	}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(entries), len(want), entries)
	}
	for _, e := range entries {
		w, ok := want[e.Host]
		switch {
		case !ok:
			t.Errorf("unexpected host %q", e.Host)
		case w == "" && (e.Err != nil || e.Record == nil):
			t.Errorf("%s: %v, want its record", e.Host, e.Err)
		case w != "" && (e.Err == nil || !strings.Contains(e.Err.Error(), w)):
			t.Errorf("%s: error %v, want %q", e.Host, e.Err, w)
		}
	}
}

func mustEncode(t *testing.T) string {
	data, err := Encode(validRecord())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestPublishReplacesUnreadablePredecessor: a hostile record on our own
// ref neither blocks publishing nor is kept as history.
func TestPublishReplacesUnreadablePredecessor(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	pushRaw(t, remote, HostRef("alpha"), []byte("junk"))
	pub, err := publisher(t, remote, "alpha", t0).Publish(ctx, setJob(JobSync, "ok", t0))
	if err != nil {
		t.Fatal(err)
	}
	if pub.Attempts != 2 || !pub.NewRoot {
		t.Fatalf("%+v: want a lost first try then a new root", pub)
	}
	if n := testutil.Git(t, remote, "rev-list", "--count", HostRef("alpha")); n != "1" {
		t.Fatalf("history has %s commits, want the junk dropped", n)
	}
}

func TestPublishOfflineIsAnError(t *testing.T) {
	p := publisher(t, filepath.Join(t.TempDir(), "gone", "remote.git"), "alpha", t0)
	if _, err := p.Publish(context.Background(), setJob(JobSync, "ok", t0)); err == nil {
		t.Fatal("publishing to a missing remote succeeded")
	}
}

func TestSignedRecordsVerified(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	trustedKey, trustedPub := testutil.SSHKey(t, "trusted")
	strangerKey, _ := testutil.SSHKey(t, "stranger")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("trusted@example.com "+trustedPub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for host, key := range map[string]string{"trusted": trustedKey, "stranger": strangerKey, "unsigned": ""} {
		p := publisher(t, remote, host, t0)
		p.SigningKey = key
		if _, err := p.Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
			t.Fatalf("%s: %v", host, err)
		}
	}
	entries, err := (&Reader{Repo: cache(t), Remote: remote, AllowedSigners: allowed}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"trusted": true, "stranger": false, "unsigned": false}
	for _, e := range entries {
		if e.Err != nil || e.Verified != want[e.Host] || e.Usable(true) != want[e.Host] {
			t.Errorf("%s: verified %v usable %v err %v; want verified %v", e.Host, e.Verified, e.Usable(true), e.Err, want[e.Host])
		}
		if e.Verified && e.Signer != "trusted@example.com" {
			t.Errorf("%s: signer %q", e.Host, e.Signer)
		}
	}
	if len(entries) != 3 {
		t.Fatalf("%d entries, want 3", len(entries))
	}
	// The remote's copy carries an SSH signature git itself recognises.
	if out := testutil.Git(t, remote, "cat-file", "commit", HostRef("stranger")); !strings.Contains(out, "BEGIN SSH SIGNATURE") {
		t.Fatalf("stranger's record is not SSH-signed:\n%s", out)
	}
}

func TestReadPrunesHostsGoneFromRemote(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	for _, h := range []string{"a", "b"} {
		if _, err := publisher(t, remote, h, t0).Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
			t.Fatal(err)
		}
	}
	rd := &Reader{Repo: cache(t), Remote: remote}
	if e, err := rd.Read(ctx); err != nil || len(e) != 2 {
		t.Fatalf("%d entries, %v", len(e), err)
	}
	testutil.Git(t, remote, "update-ref", "-d", HostRef("b"))
	e, err := rd.Read(ctx)
	if err != nil || len(e) != 1 || e[0].Host != "a" {
		t.Fatalf("after deleting b on the remote: %+v, %v", e, err)
	}
}

// TestPublishSurvivesStaleRefLock: a publish killed while git held its
// ref lock must not fail every later publish of the host.
func TestPublishSurvivesStaleRefLock(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	dir := filepath.Join(t.TempDir(), "fleet.git")
	open := func() *Publisher {
		repo, err := OpenCache(ctx, dir, gitrepo.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return &Publisher{Repo: repo, Remote: remote, Host: "alpha", HearthVersion: "test", Now: func() time.Time { return t0 }}
	}
	if _, err := open().Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	// Root's publisher of the same host moves the ref, so ours must fetch.
	if _, err := publisher(t, remote, "alpha", t0).Publish(ctx, setJob(JobUpgrade, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, ".git", filepath.FromSlash(localRef("alpha"))+".lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := open().Publish(ctx, setJob(JobSync, "failed", t0)); err != nil {
		t.Fatalf("a stale ref lock fails the publish: %v", err)
	}
}
