package watch

import (
	"os"

	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// deadline bounds each wait for an event; the events themselves are the
// synchronisation.
const deadline = 10 * time.Second

type filesEnv struct {
	home, src string
	last      string
	f         *Files
}

func newFiles(t *testing.T, add func(fd int, path string, mask uint32) (int, error)) *filesEnv {
	t.Helper()
	root := t.TempDir()
	e := &filesEnv{home: filepath.Join(root, "home"), src: filepath.Join(root, "home", ".local", "share", "chezmoi")}
	for _, d := range []string{e.home + "/.config/git", e.src + "/.git/refs/heads", e.src + "/dot_config/git", e.src + "/.git/objects"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, e.home+"/.bashrc", "a\n")
	write(t, e.home+"/.config/git/config", "[user]\n")
	e.f = &Files{Home: e.home, SourceDir: e.src, Branch: "main", PollEvery: 20 * time.Millisecond, addWatch: add}
	if err := e.f.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.f.Close() })
	e.f.Watch([]Target{{Path: e.home + "/.bashrc"}, {Path: e.home + "/.config/git/config"}, {Path: e.home + "/.config", Dir: true}})
	e.f.Settle()
	return e
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// expect waits for the next event and fails unless it is for p.
func (e *filesEnv) expect(t *testing.T, p string, inSource bool, skip ...string) {
	t.Helper()
	for {
		select {
		case ev := <-e.f.Events():
			if ev.Path != p && (ev.Path == e.last || slices.Contains(skip, ev.Path)) {
				continue // the rest of the last write's events
			}
			e.last = p
			if ev.Path != p || ev.InSource != inSource {
				t.Fatalf("event %+v, want %s (in source: %v)", ev, p, inSource)
			}
			return
		case <-time.After(deadline):
			t.Fatalf("no event for %s", p)
		}
	}
}

func TestFilesEvents(t *testing.T) {
	e := newFiles(t, nil)
	// A file beside a target that is not one makes no event: the target's
	// write after it is the first event seen.
	write(t, e.home+"/.bash_history", "ls\n")
	write(t, e.home+"/.bashrc", "b\n")
	e.expect(t, e.home+"/.bashrc", false)
	if e.f.Own(e.home + "/.bashrc") {
		t.Error("a person's write reads as hearth's own")
	}
	if !e.f.Own(e.home + "/.config/git/config") {
		t.Error("an untouched target does not read as settled")
	}

	// Source: the work tree and the branch ref count, git's objects not.
	write(t, e.src+"/.git/objects/x", "obj")
	write(t, e.src+"/dot_config/git/config", "[user]\n\tname = me\n")
	e.expect(t, e.src+"/dot_config/git/config", true)
	write(t, e.src+"/.git/refs/heads/other", "x")
	write(t, e.src+"/.git/refs/heads/main", "x")
	e.expect(t, e.src+"/.git/refs/heads/main", true)

	// A dir on the way to a target removed and made again is watched again.
	if err := os.RemoveAll(e.home + "/.config/git"); err != nil {
		t.Fatal(err)
	}
	e.expect(t, e.home+"/.config/git", false, e.home+"/.config/git/config")
	if err := os.Mkdir(e.home+"/.config/git", 0o755); err != nil {
		t.Fatal(err)
	}
	e.expect(t, e.home+"/.config/git", false)
	write(t, e.home+"/.config/git/config", "[core]\n")
	e.expect(t, e.home+"/.config/git/config", false)

	// A new dir in the source work tree is watched too.
	if err := os.Mkdir(e.src+"/dot_vim", 0o755); err != nil {
		t.Fatal(err)
	}
	e.expect(t, e.src+"/dot_vim", true)
	write(t, e.src+"/dot_vim/vimrc", "set nu\n")
	e.expect(t, e.src+"/dot_vim/vimrc", true)
	if e.f.Polling() {
		t.Error("polling without a watch limit")
	}
}

// TestFilesRemoteBranchWrite: a push to a remote on a local path is told
// at once, as git writes it (a lock file renamed over the ref, or a new
// packed-refs); other refs are not.
func TestFilesRemoteBranchWrite(t *testing.T) {
	root := t.TempDir()
	home, remote := filepath.Join(root, "home"), filepath.Join(root, "disk", "remote.git")
	for _, d := range []string{home + "/src", remote + "/refs/heads"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f := &Files{Home: home, SourceDir: home + "/src", Branch: "main", RemoteDir: remote}
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := &filesEnv{f: f}
	write(t, remote+"/refs/heads/other", "x\n")
	write(t, remote+"/refs/heads/main.lock", "x\n")
	if err := os.Rename(remote+"/refs/heads/main.lock", remote+"/refs/heads/main"); err != nil {
		t.Fatal(err)
	}
	ev := <-f.Events()
	if !ev.Remote || ev.Path != remote+"/refs/heads/main" {
		t.Fatalf("event %+v, want the branch of the remote", ev)
	}
	write(t, remote+"/packed-refs.new", "x\n")
	if err := os.Rename(remote+"/packed-refs.new", remote+"/packed-refs"); err != nil {
		t.Fatal(err)
	}
	e.last = remote + "/refs/heads/main"
	for {
		select {
		case ev := <-f.Events():
			if ev.Path == e.last {
				continue
			}
			if !ev.Remote || ev.Path != remote+"/packed-refs" {
				t.Fatalf("event %+v, want packed-refs", ev)
			}
			return
		case <-time.After(deadline):
			t.Fatal("no event for packed-refs")
		}
	}
}

// TestFilesOwnWritesAreSettled: after Settle, the writes a round made
// read as its own; a later write by someone else does not.
func TestFilesOwnWritesAreSettled(t *testing.T) {
	e := newFiles(t, nil)
	write(t, e.home+"/.bashrc", "applied\n")
	e.expect(t, e.home+"/.bashrc", false)
	e.f.Settle()
	if !e.f.Own(e.home + "/.bashrc") {
		t.Fatal("the settled write is not own")
	}
	write(t, e.home+"/.bashrc", "edited by hand, same size!\n")
	if e.f.Own(e.home + "/.bashrc") {
		t.Fatal("a later edit reads as own")
	}
}

func TestFilesNoWatchThroughALinkOutOfHome(t *testing.T) {
	root := t.TempDir()
	home, outside := filepath.Join(root, "home"), filepath.Join(root, "outside")
	for _, d := range []string{home + "/src", outside + "/app"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, home+"/.config"); err != nil {
		t.Fatal(err)
	}
	f := &Files{Home: home, SourceDir: home + "/src", Branch: "main"}
	if err := f.Start(); err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Watch([]Target{{Path: home + "/.config/app/conf"}, {Path: home + "/.bashrc"}})
	f.mu.Lock()
	defer f.mu.Unlock()
	for dir := range f.dirs {
		if real, _ := filepath.EvalSymlinks(dir); !within(home, real) && !within(f.realHome, real) {
			t.Errorf("watching %s, which is %s, out of home", dir, real)
		}
	}
	if _, ok := f.dirs[home]; !ok {
		t.Errorf("home itself not watched: %v", f.dirs)
	}
}

// TestFilesWatchLimitFallsBackToPolling: past the kernel's watch limit
// the source says so and still reports edits, by polling.
func TestFilesWatchLimitFallsBackToPolling(t *testing.T) {
	n := 0
	e := newFiles(t, func(fd int, path string, mask uint32) (int, error) {
		if n++; n > 2 {
			return 0, unix.ENOSPC
		}
		return unix.InotifyAddWatch(fd, path, mask)
	})
	if !e.f.Polling() {
		t.Fatal("not polling after ENOSPC")
	}
	write(t, e.home+"/.bashrc", "polled edit\n")
	e.expect(t, e.home+"/.bashrc", false)
}
