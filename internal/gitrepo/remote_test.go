package gitrepo

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func transports(r *testutil.Remote) map[string]string {
	return map[string]string{"file": r.FileURL(), "http": r.HTTPURL()}
}

func cloneOf(t *testing.T, url string, opts Options) *Repo {
	t.Helper()
	c, err := Clone(context.Background(), url, filepath.Join(t.TempDir(), "clone"), CloneOptions{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCloneFetchPush(t *testing.T) {
	remote := testutil.NewRemote(t)
	seed := remote.SeedMain(t, map[string]string{"a": "1\n"})
	for name, url := range transports(remote) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := cloneOf(t, url, Options{})
			if c.Bare() || c.WorkTree == "" {
				t.Fatalf("clone %+v: want a work tree", c)
			}
			if data, err := os.ReadFile(filepath.Join(c.WorkTree, "a")); err != nil || string(data) != "1\n" {
				t.Fatalf("cloned a = %q, %v", data, err)
			}
			head := remote.Head(t, "main")
			next := commitFiles(t, c, head, map[string]*string{name: s(name + "\n")}, time.Unix(1_700_000_000, 0))
			if err := c.Push(ctx, "origin", next, "refs/heads/main", head); err != nil {
				t.Fatal(err)
			}
			if got := remote.Head(t, "main"); got != next {
				t.Fatalf("remote main = %s, want %s", got, next)
			}
			// A bare mirror fetching with an explicit refspec, as the upgrade pipeline does.
			mirror, err := Init(ctx, filepath.Join(t.TempDir(), "mirror.git"), true, "main", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := mirror.Fetch(ctx, url, "+refs/heads/main:refs/remotes/origin/main"); err != nil {
				t.Fatal(err)
			}
			got, err := mirror.RevParse(ctx, "refs/remotes/origin/main")
			if err != nil || got != next {
				t.Errorf("mirror origin/main = %s, %v; want %s", got, err, next)
			}
			if ok, err := mirror.IsAncestor(ctx, seed, got); err != nil || !ok {
				t.Errorf("seed is not an ancestor of the fetched tip: %v %v", ok, err)
			}
		})
	}
}

func TestPushLease(t *testing.T) {
	ctx := context.Background()
	remote := testutil.NewRemote(t)
	base := remote.SeedMain(t, map[string]string{"f": "base\n"})
	a := cloneOf(t, remote.HTTPURL(), Options{})
	b := cloneOf(t, remote.FileURL(), Options{})
	ca := commitFiles(t, a, base, map[string]*string{"f": s("a\n")}, time.Unix(1_700_000_000, 0))
	cb := commitFiles(t, b, base, map[string]*string{"f": s("b\n")}, time.Unix(1_700_000_000, 0))
	steps := []struct {
		name     string
		repo     *Repo
		src, dst string
		expected string
		wantErr  error
		wantHead string
	}{
		{"a wins", a, ca, "refs/heads/main", base, nil, ca},
		{"b has a stale lease", b, cb, "refs/heads/main", base, ErrRejected, ca},
		{"new branch must not exist", b, cb, "refs/heads/b", "", nil, ca},
		{"existing branch is not new", a, ca, "refs/heads/b", "", ErrRejected, ca},
		{"b retries with the fresh lease", b, cb, "refs/heads/main", ca, nil, cb},
	}
	for _, st := range steps {
		err := st.repo.Push(ctx, "origin", st.src, st.dst, st.expected)
		if st.wantErr == nil && err != nil || !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: Push = %v, want %v", st.name, err, st.wantErr)
		}
		if err != nil && errors.Is(err, ErrOffline) {
			t.Errorf("%s: a lost race must not look offline: %v", st.name, err)
		}
		if got := remote.Head(t, "main"); got != st.wantHead {
			t.Errorf("%s: remote main = %s, want %s", st.name, got, st.wantHead)
		}
	}
	if err := a.Push(ctx, "origin", ca, "main", ""); err == nil {
		t.Error("Push to a short ref name was accepted")
	}
	if err := a.Push(ctx, "origin", ca+":refs/heads/other", "refs/heads/main", cb); err == nil {
		t.Error("Push accepted a source that smuggles in a second refspec")
	}
}

// Several clones push at the same instant with the same lease: exactly one
// wins; every other one gets ErrRejected (never a generic failure).
func TestPushLeaseRace(t *testing.T) {
	hosts := 4
	if os.Getenv("HEARTH_TEST_SOAK") == "1" {
		hosts = 20 // a fleet pushing at the same moment
	}
	remote := testutil.NewRemote(t)
	remote.SeedMain(t, map[string]string{"f": "base\n"})
	for name, url := range transports(remote) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			start := remote.Head(t, "main")
			repos := make([]*Repo, hosts)
			commits := make([]string, hosts)
			for i := range repos {
				repos[i] = cloneOf(t, url, Options{})
				commits[i] = commitFiles(t, repos[i], start, map[string]*string{"f": s(name + string(rune('a'+i)) + "\n")}, time.Unix(1_700_000_000, 0))
			}
			errs := make([]error, hosts)
			gate := make(chan struct{})
			var wg sync.WaitGroup
			for i := range repos {
				wg.Go(func() {
					<-gate
					errs[i] = repos[i].Push(ctx, "origin", commits[i], "refs/heads/main", start)
				})
			}
			close(gate)
			wg.Wait()
			var winners []string
			for i, err := range errs {
				switch {
				case err == nil:
					winners = append(winners, commits[i])
				case !errors.Is(err, ErrRejected):
					t.Errorf("host %d: %v, want success or ErrRejected", i, err)
				}
			}
			if len(winners) != 1 {
				t.Fatalf("%d winners, want exactly 1 (errors %v)", len(winners), errs)
			}
			if got := remote.Head(t, "main"); got != winners[0] {
				t.Errorf("remote main = %s, want the winner %s", got, winners[0])
			}
		})
	}
}

func TestFetchOffline(t *testing.T) {
	remote := testutil.NewRemote(t)
	remote.SeedMain(t, map[string]string{"a": "1\n"})
	fileClone := cloneOf(t, remote.FileURL(), Options{})
	httpClone := cloneOf(t, remote.HTTPURL(), Options{})

	hang := hangingAddr(t)

	refspec := "+refs/heads/main:refs/remotes/origin/main"
	tests := []struct {
		name        string
		repo        *Repo
		remote      string
		stopped     bool
		opts        Options
		wantOffline bool
		wantNot     string // must not appear in the error (a secret)
	}{
		{name: "file remote stopped", repo: fileClone, remote: "origin", stopped: true, wantOffline: true},
		{name: "http remote stopped", repo: httpClone, remote: "origin", stopped: true, wantOffline: true},
		// A name that does not exist is a typo, not offline, when a name
		// server says so; with no name server answering it cannot be told.
		{name: "unknown host", repo: fileClone, remote: "http://hearth-test.invalid/x.git", wantOffline: !nameServerAnswers()},
		{name: "password in URL is masked", repo: fileClone, remote: "http://user:s3cret@" + closedAddr(t) + "/x.git", wantOffline: true, wantNot: "s3cret"},
		{name: "hung server times out", repo: fileClone, remote: "http://" + hang + "/x.git", opts: Options{Timeout: 2 * time.Second}, wantOffline: true},
		{name: "missing repository on a live server", repo: httpClone, remote: strings.TrimSuffix(remote.HTTPURL(), "remote.git") + "nope.git"},
		{name: "unknown remote name", repo: fileClone, remote: "nosuchremote"},
		{name: "missing branch on a live remote", repo: fileClone, remote: "origin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stopped {
				remote.Stop(t)
				defer remote.Start(t)
			}
			r := tt.repo
			if tt.opts.Timeout != 0 {
				r = newRepo(r.GitDir, r.WorkTree, tt.opts)
			}
			rs := refspec
			if tt.name == "missing branch on a live remote" {
				rs = "refs/heads/nope:refs/remotes/origin/nope"
			}
			start := time.Now()
			err := r.Fetch(context.Background(), tt.remote, rs)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			t.Logf("Fetch: %v", err)
			if errors.Is(err, ErrOffline) != tt.wantOffline {
				t.Errorf("Fetch error %q: offline = %v, want %v", err, !tt.wantOffline, tt.wantOffline)
			}
			if tt.name == "unknown host" && errors.Is(err, ErrUnknownHost) == tt.wantOffline {
				t.Errorf("Fetch from a host that does not exist: %v, want ErrUnknownHost %v", err, !tt.wantOffline)
			}
			if tt.name == "missing branch on a live remote" && !errors.Is(err, ErrNotFound) {
				t.Errorf("Fetch of a branch the remote lacks: %v, want ErrNotFound", err)
			}
			if tt.wantNot != "" && strings.Contains(err.Error(), tt.wantNot) {
				t.Errorf("error %q leaks %q", err, tt.wantNot)
			}
			if !strings.Contains(err.Error(), r.Dir()) || !strings.Contains(err.Error(), "fetch") {
				t.Errorf("error %q does not name the repository and the command", err)
			}
			if elapsed := time.Since(start); elapsed > time.Minute {
				t.Errorf("Fetch took %s", elapsed)
			}
		})
	}
	// Offline pushes are offline too, not rejections.
	remote.Stop(t)
	defer remote.Start(t)
	head, err := httpClone.RevParse(context.Background(), "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	err = httpClone.Push(context.Background(), "origin", head, "refs/heads/main", head)
	if !errors.Is(err, ErrOffline) || errors.Is(err, ErrRejected) {
		t.Errorf("push to a stopped remote: %v, want ErrOffline only", err)
	}
}

// closedAddr is a 127.0.0.1 address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// hangingAddr is a 127.0.0.1 address that accepts connections and never
// answers: a hung network path.
func hangingAddr(t *testing.T) string {
	addr, _ := hangingServer(t)
	return addr
}

// hangingServer is hangingAddr that also reports each accepted connection.
func hangingServer(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	accepted := make(chan struct{}, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), accepted
}

// A caller cancelling a fetch is not an unreachable remote: the round was
// stopped, it did not find the network down.
func TestFetchCancelledIsNotOffline(t *testing.T) {
	r := newWork(t)
	addr, accepted := hangingServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-accepted
		cancel()
	}()
	err := r.Fetch(ctx, "http://"+addr+"/x.git", "+refs/heads/main:refs/remotes/origin/main")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrOffline) {
		t.Errorf("cancelled fetch: %v, want context.Canceled and not ErrOffline", err)
	}
}

func TestSetRemote(t *testing.T) {
	ctx := context.Background()
	a := testutil.NewRemote(t)
	b := testutil.NewRemote(t)
	ca := a.SeedMain(t, map[string]string{"f": "a\n"})
	cb := b.SeedMain(t, map[string]string{"f": "b\n"})
	r := newWork(t)
	for _, step := range []struct {
		url  string
		want string
	}{
		{a.HTTPURL(), ca}, // creates the remote
		{b.FileURL(), cb}, // repoints it
	} {
		if err := r.SetRemote(ctx, "origin", step.url); err != nil {
			t.Fatal(err)
		}
		if err := r.Fetch(ctx, "origin", "+refs/heads/main:refs/remotes/origin/main"); err != nil {
			t.Fatal(err)
		}
		if got, err := r.RevParse(ctx, "refs/remotes/origin/main"); err != nil || got != step.want {
			t.Errorf("after SetRemote(%s): origin/main = %s, %v; want %s", step.url, got, err, step.want)
		}
	}
	for _, bad := range [][2]string{{"origin", "--upload-pack=evil"}, {"-o", a.FileURL()}, {"origin", ""}} {
		if err := r.SetRemote(ctx, bad[0], bad[1]); err == nil {
			t.Errorf("SetRemote(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
