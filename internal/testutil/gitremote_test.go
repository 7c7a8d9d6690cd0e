package testutil

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestRemoteCloneAndPush(t *testing.T) {
	r := NewRemote(t)
	seed := r.SeedMain(t, map[string]string{"a.txt": "hello\n"})
	big := make([]byte, 3<<20) // larger than http.postBuffer: a chunked upload
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  func() string
	}{
		{"file", r.FileURL},
		{"http", r.HTTPURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "clone")
			Git(t, "", "clone", "--quiet", tt.url(), work)
			if got, err := os.ReadFile(filepath.Join(work, "a.txt")); err != nil || string(got) != "hello\n" {
				t.Fatalf("cloned a.txt = %q, %v", got, err)
			}
			if err := os.WriteFile(filepath.Join(work, tt.name+".bin"), big, 0o644); err != nil {
				t.Fatal(err)
			}
			Git(t, work, "add", "--all")
			Git(t, work, "commit", "--quiet", "-m", "push over "+tt.name)
			Git(t, work, "pull", "--quiet", "--no-rebase", "origin", "main")
			Git(t, work, "push", "--quiet", "origin", "main")
			want := Git(t, work, "rev-parse", "HEAD")
			if got := r.Head(t, "main"); got != want {
				t.Errorf("remote main = %s after push, want %s", got, want)
			}
			Git(t, r.Dir, "merge-base", "--is-ancestor", seed, want)
		})
	}
}

// Two clones push with a lease on the same old value at once: the remote's
// compare-and-swap lets exactly one of them win, over either transport.
func TestRemoteConcurrentLeasedPushes(t *testing.T) {
	for _, transport := range []string{"file", "http"} {
		t.Run(transport, func(t *testing.T) {
			r := NewRemote(t)
			base := r.SeedMain(t, map[string]string{"f": "base\n"})
			url := r.FileURL()
			if transport == "http" {
				url = r.HTTPURL()
			}
			const n = 4
			works := make([]string, n)
			for i := range works {
				works[i] = filepath.Join(t.TempDir(), "w")
				Git(t, "", "clone", "--quiet", url, works[i])
				if err := os.WriteFile(filepath.Join(works[i], "f"), []byte{byte('a' + i), '\n'}, 0o644); err != nil {
					t.Fatal(err)
				}
				Git(t, works[i], "commit", "--quiet", "-am", "edit")
			}
			start := make(chan struct{})
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range works {
				wg.Go(func() {
					<-start
					_, errs[i] = GitErr(works[i], "push", "--quiet", "--force-with-lease=refs/heads/main:"+base, "origin", "HEAD:refs/heads/main")
				})
			}
			close(start)
			wg.Wait()
			winners := 0
			var winner string
			for i, err := range errs {
				if err == nil {
					winners++
					winner = Git(t, works[i], "rev-parse", "HEAD")
				}
			}
			if winners != 1 {
				t.Fatalf("%d pushes won the lease, want exactly 1: %v", winners, errs)
			}
			if got := r.Head(t, "main"); got != winner {
				t.Errorf("remote main = %s, want the winner %s", got, winner)
			}
		})
	}
}

func TestRemoteStopStart(t *testing.T) {
	r := NewRemote(t)
	r.SeedMain(t, map[string]string{"a": "1\n"})
	r.Stop(t)
	for _, url := range []string{r.FileURL(), r.HTTPURL()} {
		_, err := GitErr("", "ls-remote", url)
		if err == nil {
			t.Errorf("ls-remote %s succeeded while the remote is stopped", url)
		}
	}
	if _, err := GitErr("", "ls-remote", r.HTTPURL()); err == nil || !strings.Contains(err.Error(), "Failed to connect") {
		t.Errorf("stopped HTTP remote: %v, want a connection failure", err)
	}
	r.Start(t)
	for _, url := range []string{r.FileURL(), r.HTTPURL()} {
		if out := Git(t, "", "ls-remote", url, "refs/heads/main"); !strings.Contains(out, "refs/heads/main") {
			t.Errorf("ls-remote %s after Start = %q, want main", url, out)
		}
	}
}
