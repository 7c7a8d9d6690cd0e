package fleet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// plantObjectRef points ref on the remote at an object that is not a
// commit (kind "tree", "blob" or "tag"), holding a valid record, as a
// hostile remote can.
func plantObjectRef(t *testing.T, remote, ref, kind, record string) {
	t.Helper()
	blob := strings.TrimSpace(gitIn(t, remote, record, "hash-object", "-w", "--stdin"))
	tree := strings.TrimSpace(gitIn(t, remote, "100644 blob "+blob+"\t"+RecordFile+"\n", "mktree"))
	id := map[string]string{"tree": tree, "blob": blob}[kind]
	if kind == "tag" {
		commit := strings.TrimSpace(gitIn(t, remote, "", "commit-tree", "-m", "x", tree))
		id = strings.TrimSpace(gitIn(t, remote, "object "+commit+"\ntype commit\ntag x\ntagger x <x@x> 0 +0000\n\nx\n", "mktag"))
	}
	testutil.Git(t, remote, "update-ref", ref, id)
}

func gitIn(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=x", "-c", "user.email=x@x"}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// TestRecordRefAtNonCommitIsOneBadEntry: a record ref the remote points
// at a tree, a blob or a tag is that host's bad entry; it must not make
// the whole read fail (with allowed_signers set, that held every later
// wave back and hid the fleet), nor be read as a record.
func TestRecordRefAtNonCommitIsOneBadEntry(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	key, pub := testutil.SSHKey(t, "trusted")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("good "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := publisher(t, remote, "good", t0)
	p.SigningKey = key
	if _, err := p.Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"tree", "blob", "tag"} {
		rec := strings.Replace(mustEncode(t), `"alpha"`, `"`+kind+`"`, 1)
		plantObjectRef(t, remote, HostRef(kind), kind, rec)
	}
	for _, signers := range []string{"", allowed} {
		entries, err := (&Reader{Repo: cache(t), Remote: remote, AllowedSigners: signers}).Read(ctx)
		if err != nil {
			t.Fatalf("allowed signers %q: one bad ref failed the whole read: %v", signers, err)
		}
		if len(entries) != 4 {
			t.Fatalf("%d entries, want 4", len(entries))
		}
		for _, e := range entries {
			if e.Host == "good" {
				if !e.Usable(signers != "") {
					t.Errorf("good: not usable: %v", e.Err)
				}
				continue
			}
			if e.Verified {
				t.Errorf("%s: record ref at a %s verified", e.Host, e.Host)
			}
			// A tag is peeled to its commit; a tree or a blob is no record.
			if e.Host != "tag" && (e.Err == nil || e.Record != nil) {
				t.Errorf("%s: record ref at a %s read as a record (err %v)", e.Host, e.Host, e.Err)
			}
		}
	}
}

// TestPublishOverNonCommitRef: a remote that points our own ref at a tree
// must not stop this host publishing for good.
func TestPublishOverNonCommitRef(t *testing.T) {
	for _, kind := range []string{"tree", "blob", "tag"} {
		t.Run(kind, func(t *testing.T) { publishOver(t, kind) })
	}
}

func publishOver(t *testing.T, kind string) {
	ctx := context.Background()
	remote := bareRemote(t)
	rec := strings.Replace(mustEncode(t), `"alpha"`, `"beta"`, 1)
	plantObjectRef(t, remote, HostRef("beta"), kind, rec)
	p := publisher(t, remote, "beta", t0)
	if err := (&Reader{Repo: p.Repo, Remote: remote}).Fetch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatalf("publish over a tree ref: %v", err)
	}
	if typ := testutil.Git(t, remote, "cat-file", "-t", HostRef("beta")); typ != "commit" {
		t.Fatalf("ref is a %s after publishing", typ)
	}
}

// TestSignerBoundToHost: with per-host keys in allowed_signers (principal
// = host name), a record signed by host a's key but published under host
// b's ref must not count as b's: otherwise one host's key (one
// compromised host) forges as many wave N-1 hosts as any quorum needs, or
// quarantines every tip under other hosts' names.
func TestSignerBoundToHost(t *testing.T) {
	ctx := context.Background()
	remote := bareRemote(t)
	keyA, pubA := testutil.SSHKey(t, "a")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("a "+pubA+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"a", "b", "c"} {
		p := publisher(t, remote, host, t0)
		p.SigningKey = keyA // host a forges b and c
		if _, err := p.Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := (&Reader{Repo: cache(t), Remote: remote, AllowedSigners: allowed}).Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if want := e.Host == "a"; e.Usable(true) != want {
			t.Errorf("host %s: usable for gating %v (signer %q), want %v", e.Host, e.Usable(true), e.Signer, want)
		}
	}
}

// TestRewoundRecordNotTakenBack: the signature says who wrote a record,
// not that it is the latest. Anyone who can push (no key needed) can set
// host a's ref back to a's older signed record — one from before a found
// the tip bad — and lift the quarantine, or show a healthy on a commit it
// has since rolled back. A reader that has seen a's newer record must not
// go back to an older one.
func TestRewoundRecordNotTakenBack(t *testing.T) {
	// failed before the fix: the rewound record was taken as the latest
	ctx := context.Background()
	remote := bareRemote(t)
	key, pub := testutil.SSHKey(t, "a")
	allowed := filepath.Join(t.TempDir(), "allowed_signers")
	if err := os.WriteFile(allowed, []byte("a "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := publisher(t, remote, "a", t0)
	p.SigningKey = key
	if _, err := p.Publish(ctx, setJob(JobUpgrade, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	old := testutil.Git(t, remote, "rev-parse", HostRef("a"))
	later := t0.Add(time.Hour)
	p.Now = func() time.Time { return later }
	bad := func(prev *Record) (*Record, error) {
		rec, _ := setJob(JobUpgrade, "failed", later)(prev)
		rec.BadCommits = []BadCommit{{Commit: strings.Repeat("1", 40), Stage: "confirm", Time: later}}
		return rec, nil
	}
	if _, err := p.Publish(ctx, bad); err != nil {
		t.Fatal(err)
	}
	reader := &Reader{Repo: cache(t), Remote: remote, AllowedSigners: allowed}
	if _, err := reader.Read(ctx); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, remote, "update-ref", HostRef("a"), old) // the replay
	entries, err := reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := Find(entries, "a")
	if e == nil || !e.Usable(true) {
		t.Fatalf("a: %+v", e)
	}
	if e.Record.FoundBad(strings.Repeat("1", 40)) == nil {
		t.Fatalf("a's rewound record (time %s) was taken as its latest: the quarantine it recorded is gone", e.Record.Time)
	}
	if len(reader.Rewound) != 1 || !strings.Contains(reader.Rewound[0], "a: ") {
		t.Fatalf("rewound: %q, want host a named", reader.Rewound)
	}
	// The host's next record, newer, is taken again.
	p.Now = func() time.Time { return later.Add(time.Hour) }
	if _, err := p.Publish(ctx, setJob(JobSync, "ok", later)); err != nil {
		t.Fatal(err)
	}
	entries, err = reader.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if e := Find(entries, "a"); e == nil || e.Record == nil || !e.Record.Time.Equal(later.Add(time.Hour)) || len(reader.Rewound) != 0 {
		t.Fatalf("a's newer record not taken after a rewind: %+v, rewound %q", e, reader.Rewound)
	}
}

// TestManyHostsDoNotHideTheFleet: a pusher without any key creates more
// than maxHosts record refs. Today every read fails, so `hearth fleet`
// exits 1 and every host of a later wave waits for good, although with
// allowed_signers set none of those records would count.
func TestManyHostsDoNotHideTheFleet(t *testing.T) {
	t.Skip("FINDING 4: more than 10,000 record refs on the remote fail every read: the fleet view and every later wave's gate")
	ctx := context.Background()
	remote := bareRemote(t)
	if _, err := publisher(t, remote, "good", t0).Publish(ctx, setJob(JobSync, "ok", t0)); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range maxHosts + 1 {
		fmt.Fprintf(&in, "commit %sjunk%05d\ncommitter x <x@x> 0 +0000\ndata 1\nx\nM 100644 inline %s\ndata 4\njunk\n", RefPrefix, i, RecordFile)
	}
	gitIn(t, remote, in.String(), "fast-import", "--quiet")
	entries, err := (&Reader{Repo: cache(t), Remote: remote}).Read(ctx)
	if err != nil {
		t.Fatalf("one pusher's refs failed the whole read: %v", err)
	}
	if e := Find(entries, "good"); !e.Usable(false) {
		t.Fatalf("good: %+v", e)
	}
}

func TestSignerCovers(t *testing.T) {
	for _, tc := range []struct {
		principal, host string
		want            bool
	}{
		{"laptop", "laptop", true},
		{"laptop@fleet", "laptop", true},
		{"laptop@fleet", "laptop2", false},
		{"desktop", "laptop", false},
		{"fleet@example.com", "laptop", false},
		{"*", "laptop", true},
		{"lap*", "laptop", true},
		{"desk*,laptop", "laptop", true},
		{"!laptop,desk*", "laptop", false},
		{"", "laptop", false},
		{"[", "laptop", false},
	} {
		if got := SignerCovers(tc.principal, tc.host); got != tc.want {
			t.Errorf("SignerCovers(%q, %q) = %v, want %v", tc.principal, tc.host, got, tc.want)
		}
	}
}
