package syncer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// host is one simulated machine: a clone of the shared remote.
type host struct {
	name  string
	dir   string
	url   string
	clock *atomic.Int64 // shared fake clock, so "newest" is decided by edit order
}

func newHosts(t *testing.T, url string, names ...string) []*host {
	t.Helper()
	clock := &atomic.Int64{}
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	var hs []*host
	for _, n := range names {
		hs = append(hs, &host{name: n, dir: filepath.Join(t.TempDir(), n), url: url, clock: clock})
	}
	return hs
}

func (h *host) opts() Options {
	return Options{
		Dir: h.dir, Remote: h.url, Host: h.name, Retries: 8,
		Now: func() time.Time { return time.Unix(h.clock.Add(1), 0) },
	}
}

func (h *host) round(t testing.TB) *Report {
	t.Helper()
	rep, err := Round(context.Background(), h.opts())
	if err != nil {
		t.Fatalf("host %s: round: %v", h.name, err)
	}
	return rep
}

func (h *host) write(t testing.TB, rel, content string) {
	t.Helper()
	p := filepath.Join(h.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (h *host) read(t testing.TB, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tree lists every file below dir (but .git) with its content and exec bit.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fi, _ := os.Lstat(p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// git keeps only the exec bit, so that is all hosts must agree on.
		out[rel] = fmt.Sprintf("exec=%v\n", fi.Mode().Perm()&0o100 != 0) + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// remoteTree checks out the remote's main into a temp dir and lists it.
func remoteTree(t testing.TB, r *testutil.Remote) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "check")
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), dir)
	return tree(t, dir)
}

func keys(m map[string]string) []string {
	var k []string
	for p := range m {
		k = append(k, p)
	}
	sort.Strings(k)
	return k
}

func diffTrees(a, b map[string]string) string {
	var d []string
	for _, p := range keys(a) {
		if b[p] != a[p] {
			d = append(d, p)
		}
	}
	for _, p := range keys(b) {
		if _, ok := a[p]; !ok {
			d = append(d, p)
		}
	}
	return strings.Join(d, ", ")
}
