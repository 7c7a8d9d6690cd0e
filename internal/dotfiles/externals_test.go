package dotfiles

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// extServer serves externals from 127.0.0.1: path -> body, counting hits;
// a path can be made to fail.
type extServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string][]byte
	hits  map[string]int
	down  bool
}

func newExtServer(t *testing.T) *extServer {
	s := &extServer{files: map[string][]byte{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hits[r.URL.Path]++
		b, ok := s.files[r.URL.Path]
		if s.down || !ok {
			http.Error(w, "nope", http.StatusServiceUnavailable)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *extServer) set(p string, b []byte) { s.mu.Lock(); s.files[p] = b; s.mu.Unlock() }
func (s *extServer) count(p string) int     { s.mu.Lock(); defer s.mu.Unlock(); return s.hits[p] }
func (s *extServer) setDown(d bool)         { s.mu.Lock(); s.down = d; s.mu.Unlock() }

// clock is a settable time for refresh periods.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func extFixture(t *testing.T) (*fixture, *extServer, *clock) {
	f := newFixture(t, "")
	srv := newExtServer(t)
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	f.opts.Externals = &ExternalFetcher{Now: c.now}
	f.opts.Data["base"] = srv.URL
	return f, srv, c
}

func TestExternalFileCachedAndRefreshed(t *testing.T) {
	f, srv, c := extFixture(t)
	srv.set("/tool", []byte("v1\n"))
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".local/bin/tool\"]\ntype = \"file\"\nurl = \"{{ .base }}/tool\"\nexecutable = true\nrefreshPeriod = \"1h\"\n"})
	rep := mustApply(t, f.opts)
	p := filepath.Join(f.home, ".local/bin/tool")
	if got := readFile(t, p); got != "v1\n" {
		t.Fatalf("tool = %q; held:\n%s", got, heldText(rep.Held))
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o755 {
		t.Errorf("tool mode %v, want 0755", fi.Mode().Perm())
	}
	srv.set("/tool", []byte("v2\n"))
	c.t = c.t.Add(30 * time.Minute)
	mustApply(t, f.opts)
	if n := srv.count("/tool"); n != 1 || readFile(t, p) != "v1\n" {
		t.Fatalf("within the refresh period: %d downloads, tool = %q; want the cached copy", n, readFile(t, p))
	}
	c.t = c.t.Add(time.Hour)
	mustApply(t, f.opts)
	if n := srv.count("/tool"); n != 2 || readFile(t, p) != "v2\n" {
		t.Fatalf("after the refresh period: %d downloads, tool = %q; want v2", n, readFile(t, p))
	}
}

func TestUnreachableExternalKeepsLastCopyAndNeverFailsTheRound(t *testing.T) {
	f, srv, c := extFixture(t)
	srv.set("/a", []byte("a1\n"))
	f.source(t, map[string]string{
		".chezmoiexternal.yaml": ".a: {type: file, url: \"{{ .base }}/a\", refreshPeriod: 1h}\n" +
			".never: {type: file, url: \"{{ .base }}/never\"}\n",
		"dot_plain": "p\n",
	})
	rep := mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".a")); got != "a1\n" {
		t.Fatalf(".a = %q; held:\n%s", got, heldText(rep.Held))
	}
	if !strings.Contains(heldText(rep.Held), ".never") || !strings.Contains(heldText(rep.Held), "no copy kept") {
		t.Errorf("a never-fetched external is not held: %s", heldText(rep.Held))
	}
	srv.setDown(true)
	c.t = c.t.Add(2 * time.Hour)
	rep, err := Apply(context.Background(), f.opts)
	if err != nil {
		t.Fatalf("an unreachable external failed the apply: %v", err)
	}
	if got := readFile(t, filepath.Join(f.home, ".a")); got != "a1\n" {
		t.Errorf(".a = %q, want the last copy kept", got)
	}
	if !strings.Contains(strings.Join(rep.Warnings, "\n"), ".a: ") || !strings.Contains(strings.Join(rep.Warnings, "\n"), "unreachable") {
		t.Errorf("warnings = %q, want .a reported unreachable", rep.Warnings)
	}
	if got := readFile(t, filepath.Join(f.home, ".plain")); got != "p\n" {
		t.Errorf("the rest was not applied: %q", got)
	}
}

type member struct {
	name, body, link string
	mode             int64
	dir              bool
}

func tarGz(t *testing.T, ms []member) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Mode: m.mode, Size: int64(len(m.body)), Typeflag: tar.TypeReg}
		switch {
		case m.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case m.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, m.link, 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, m.body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, ms []member) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, m.body)
	}
	zw.Close()
	return buf.Bytes()
}

func TestArchiveExternal(t *testing.T) {
	f, srv, _ := extFixture(t)
	srv.set("/omz.tar.gz", tarGz(t, []member{
		{name: "omz-1.0/", dir: true, mode: 0o755},
		{name: "omz-1.0/oh-my-zsh.sh", body: "main\n", mode: 0o755},
		{name: "omz-1.0/lib/", dir: true, mode: 0o755},
		{name: "omz-1.0/lib/a.zsh", body: "a\n"},
		{name: "omz-1.0/lib/link", link: "a.zsh"},
		{name: "omz-1.0/tests/", dir: true, mode: 0o755},
		{name: "omz-1.0/tests/t.zsh", body: "test\n"},
	}))
	writeFile(t, filepath.Join(f.home, ".oh-my-zsh/stale"), "not in the archive\n", 0o644)
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".oh-my-zsh\"]\ntype = \"archive\"\nurl = \"{{ .base }}/omz.tar.gz\"\n" +
		"stripComponents = 1\nexact = true\nexclude = [\"*/tests\"]\n"})
	rep := mustApply(t, f.opts)
	for p, want := range map[string]string{".oh-my-zsh/oh-my-zsh.sh": "main\n", ".oh-my-zsh/lib/a.zsh": "a\n"} {
		if got := readFile(t, filepath.Join(f.home, p)); got != want {
			t.Errorf("%s = %q; held:\n%s", p, got, heldText(rep.Held))
		}
	}
	if fi, err := os.Stat(filepath.Join(f.home, ".oh-my-zsh/oh-my-zsh.sh")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("executable member lost its mode: %v %v", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(f.home, ".oh-my-zsh/lib/link")); err != nil || l != "a.zsh" {
		t.Errorf("symlink member: %q %v", l, err)
	}
	for _, p := range []string{".oh-my-zsh/tests", ".oh-my-zsh/stale"} {
		if _, err := os.Lstat(filepath.Join(f.home, p)); !os.IsNotExist(err) {
			t.Errorf("%s present (%v): excluded or not in an exact archive", p, err)
		}
	}
	if len(rep.Trashed) != 1 {
		t.Errorf("trashed = %+v, want the stale file kept in the trash", rep.Trashed)
	}
	// archive-file takes one member.
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".zshlib\"]\ntype = \"archive-file\"\nurl = \"{{ .base }}/omz.tar.gz\"\npath = \"omz-1.0/lib/a.zsh\"\n"})
	rep = mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".zshlib")); got != "a\n" {
		t.Errorf("archive-file = %q; held:\n%s", got, heldText(rep.Held))
	}
}

func TestHostileArchiveNeverWritesOutsideTheTarget(t *testing.T) {
	for _, tc := range []struct {
		name, file, format string
		archive            func(t *testing.T, outside string) []byte
		reason             string
	}{
		{"dotdot in tar", "evil.tar.gz", "", func(t *testing.T, _ string) []byte {
			return tarGz(t, []member{{name: "ok"}, {name: "../../../../evil", body: "pwned\n"}})
		}, "climbs out"},
		{"absolute in tar", "evil.tgz", "", func(t *testing.T, outside string) []byte {
			return tarGz(t, []member{{name: filepath.Join(outside, "evil"), body: "pwned\n"}})
		}, "absolute"},
		{"symlink then through it", "evil.tar.gz", "", func(t *testing.T, outside string) []byte {
			return tarGz(t, []member{{name: "l", link: outside}, {name: "l/evil", body: "pwned\n"}})
		}, "below a symlink"},
		{"through a symlink listed later", "evil.tar.gz", "", func(t *testing.T, outside string) []byte {
			return tarGz(t, []member{{name: "l/evil", body: "pwned\n"}, {name: "l", link: outside}})
		}, "below a symlink"},
		{"dotdot in zip", "evil.zip", "", func(t *testing.T, _ string) []byte {
			return zipOf(t, []member{{name: "../../../../evil", body: "pwned\n"}})
		}, "climbs out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv, _ := extFixture(t)
			outside := t.TempDir()
			srv.set("/"+tc.file, tc.archive(t, outside))
			f.source(t, map[string]string{
				".chezmoiexternal.toml": "[\".x/y\"]\ntype = \"archive\"\nurl = \"{{ .base }}/" + tc.file + "\"\n",
				"dot_plain":             "p\n",
			})
			rep := mustApply(t, f.opts)
			if !strings.Contains(heldText(rep.Held), tc.reason) {
				t.Errorf("held = %q, want the archive refused (%s)", heldText(rep.Held), tc.reason)
			}
			for _, dir := range []string{outside, filepath.Dir(f.home), filepath.Dir(filepath.Dir(f.home))} {
				if _, err := os.Lstat(filepath.Join(dir, "evil")); !os.IsNotExist(err) {
					t.Errorf("the archive wrote %s/evil", dir)
				}
			}
			if _, err := os.Lstat(filepath.Join(f.home, ".x/y/l")); !os.IsNotExist(err) {
				t.Errorf("part of a refused archive was applied")
			}
			if got := readFile(t, filepath.Join(f.home, ".plain")); got != "p\n" {
				t.Errorf("the rest was not applied: %q", got)
			}
		})
	}
}

func TestExternalDownloadCapped(t *testing.T) {
	f, srv, _ := extFixture(t)
	f.opts.MaxFileSize = 1024
	srv.set("/big", bytes.Repeat([]byte("x"), 4096))
	srv.set("/bomb.tar.gz", tarGz(t, []member{{name: "big", body: strings.Repeat("y", 8192)}}))
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".big\"]\nurl = \"{{ .base }}/big\"\n[\".bomb\"]\ntype = \"archive\"\nurl = \"{{ .base }}/bomb.tar.gz\"\n"})
	rep := mustApply(t, f.opts)
	held := heldText(rep.Held)
	if strings.Count(held, "over the") != 2 {
		t.Errorf("held = %q, want both over the limit", held)
	}
	if _, err := os.Lstat(filepath.Join(f.home, ".big")); !os.IsNotExist(err) {
		t.Error(".big written over the cap")
	}
}

func TestExternalEditedInHomeIsHeldNotCaptured(t *testing.T) {
	f, srv, _ := extFixture(t)
	srv.set("/e", []byte("upstream\n"))
	f.source(t, map[string]string{".chezmoiexternal.json": "{\".e\": {\"type\": \"file\", \"url\": \"{{ .base }}/e\"}}\n"})
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.home, ".e"), "mine\n", 0o644)
	crep := mustCapture(t, f.opts)
	if len(crep.Captured) != 0 {
		t.Fatalf("an external was captured into the source: %+v", crep.Captured)
	}
	rep := mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".e")); got != "mine\n" {
		t.Errorf("home edit of an external overwritten: %q", got)
	}
	if !strings.Contains(heldText(rep.Held), ReasonExternal) {
		t.Errorf("held = %q", heldText(rep.Held))
	}
}

func TestGitRepoExternalClonedThenPulledOnRefresh(t *testing.T) {
	f, _, c := extFixture(t)
	var calls []string
	f.opts.GitExternal = func(_ context.Context, dir, url string, pull bool) error {
		calls = append(calls, map[bool]string{false: "clone ", true: "pull "}[pull]+url)
		return os.MkdirAll(dir, 0o755)
	}
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".repo\"]\ntype = \"git-repo\"\nurl = \"https://git.example/r.git\"\nrefreshPeriod = \"24h\"\n"})
	mustApply(t, f.opts)
	mustApply(t, f.opts)
	c.t = c.t.Add(25 * time.Hour)
	mustApply(t, f.opts)
	if got, want := strings.Join(calls, ","), "clone https://git.example/r.git,pull https://git.example/r.git"; got != want {
		t.Fatalf("git calls %q, want %q", got, want)
	}
	f.opts.GitExternal = func(context.Context, string, string, bool) error { return io.ErrUnexpectedEOF }
	c.t = c.t.Add(25 * time.Hour)
	rep, err := Apply(context.Background(), f.opts)
	if err != nil || !strings.Contains(strings.Join(rep.Warnings, "\n"), "pull failed") {
		t.Errorf("a failed pull: err %v, warnings %q; want a warning only", err, rep.Warnings)
	}
}

func TestExternalDirEditIsHeldNotCaptured(t *testing.T) {
	f := newFixture(t, "")
	f.source(t, map[string]string{"external_dot_v/dot_x": "upstream\n"})
	rep := mustApply(t, f.opts)
	p := filepath.Join(f.home, ".v/dot_x")
	if got := readFile(t, p); got != "upstream\n" {
		t.Fatalf("external_ file = %q; held:\n%s", got, heldText(rep.Held))
	}
	writeFile(t, p, "mine\n", 0o644)
	if crep := mustCapture(t, f.opts); len(crep.Captured) != 0 {
		t.Fatalf("an external_ file was captured: %+v", crep.Captured)
	}
	if got := readFile(t, filepath.Join(f.src, "external_dot_v/dot_x")); got != "upstream\n" {
		t.Errorf("source changed: %q", got)
	}
	if rep := mustApply(t, f.opts); !strings.Contains(heldText(rep.Held), ReasonExternalDir) {
		t.Errorf("held = %q", heldText(rep.Held))
	}
}

func TestExternalWithFilterIsHeldNotAppliedUnfiltered(t *testing.T) {
	f, srv, _ := extFixture(t)
	srv.set("/x.gz", []byte("compressed\n"))
	f.source(t, map[string]string{".chezmoiexternal.toml": "[\".x\"]\nurl = \"{{ .base }}/x.gz\"\n[\".x\".filter]\ncommand = \"gzip\"\nargs = [\"-d\"]\n"})
	rep := mustApply(t, f.opts)
	if _, err := os.Lstat(filepath.Join(f.home, ".x")); !os.IsNotExist(err) {
		t.Errorf("a filtered external was applied unfiltered")
	}
	if !strings.Contains(heldText(rep.Held), "filter.command") {
		t.Errorf("held = %q", heldText(rep.Held))
	}
}
