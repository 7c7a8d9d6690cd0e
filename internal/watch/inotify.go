package watch

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Files is the real Source: inotify on the dirs that hold managed targets
// in home (each target's parent and every dir between it and home, so a
// dir removed and made again is seen) and on the source dir's work tree
// (with .git/refs/heads, where a commit made by hand shows). It uses
// x/sys/unix directly, already a dependency, for the flags that matter
// here (IN_DONT_FOLLOW, IN_ONLYDIR) and a plain ENOSPC.
//
// Past the kernel's watch limit (fs.inotify.max_user_watches) it says so
// once and polls the watched files' metadata every PollEvery instead.
type Files struct {
	Home      string
	SourceDir string
	Branch    string
	Logger    *slog.Logger
	// PollEvery is the polling fallback's interval; 0 means 5s.
	PollEvery time.Duration
	// RemoteDir is the remote's bare repository when it is on a local
	// path: a write to its branch is told at once (Event.Remote), so a
	// poll need not wait for its interval.
	RemoteDir string

	// addWatch is unix.InotifyAddWatch; tests make it fail.
	addWatch func(fd int, path string, mask uint32) (int, error)

	mu       sync.Mutex
	file     *os.File // the inotify fd, read through Go's poller
	fd       int
	wds      map[int]string
	dirs     map[string]int
	targets  map[string]bool
	wanted   map[string]bool // dirs to watch in home
	realHome string
	settled  map[string]fingerprint
	polling  bool
	stop     chan struct{}
	events   chan Event
}

const dirMask = unix.IN_CLOSE_WRITE | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO |
	unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW | unix.IN_EXCL_UNLINK

// Start opens inotify and watches the source dir; Watch adds the targets.
func (f *Files) Start() error {
	if f.Logger == nil {
		f.Logger = slog.New(slog.DiscardHandler)
	}
	if f.addWatch == nil {
		f.addWatch = unix.InotifyAddWatch
	}
	if f.PollEvery <= 0 {
		f.PollEvery = 5 * time.Second
	}
	real, err := filepath.EvalSymlinks(f.Home)
	if err != nil {
		return err
	}
	f.realHome = real
	f.wds, f.dirs, f.targets, f.wanted = map[int]string{}, map[string]int{}, map[string]bool{}, map[string]bool{}
	f.settled = map[string]fingerprint{}
	f.events = make(chan Event, 256)
	f.stop = make(chan struct{})
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		return err
	}
	f.file, f.fd = os.NewFile(uintptr(fd), "inotify"), fd
	f.mu.Lock()
	f.watchSourceLocked()
	f.watchRemoteLocked()
	f.mu.Unlock()
	go f.read()
	return nil
}

// Close stops watching.
func (f *Files) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	select {
	case <-f.stop:
		return nil
	default:
	}
	close(f.stop)
	if f.file != nil {
		return f.file.Close()
	}
	return nil
}

// Events implements Source.
func (f *Files) Events() <-chan Event { return f.events }

// Watched implements Source.
func (f *Files) Watched() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.targets)
}

// Polling implements Source.
func (f *Files) Polling() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polling
}

// Watch implements Source: the dirs of the new targets are added, those no
// target needs any more dropped.
func (f *Files) Watch(targets []Target) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.targets, f.wanted = map[string]bool{}, map[string]bool{}
	for _, t := range targets {
		p := filepath.Clean(t.Path)
		if !within(f.Home, p) || p == f.Home {
			continue
		}
		f.targets[p] = true
		if t.Dir {
			f.want(p)
		}
		f.want(filepath.Dir(p))
	}
	f.watchRemoteLocked() // again, should the remote have been away
	for dir, wd := range f.dirs {
		if within(f.Home, dir) && !f.wanted[dir] && !f.inSource(dir) && !f.inRemote(dir) {
			f.rmWatchLocked(wd, dir)
		}
	}
	for dir := range f.wanted {
		f.addLocked(dir)
	}
}

// want marks dir and every dir between it and home.
func (f *Files) want(dir string) {
	for within(f.Home, dir) && !f.wanted[dir] {
		f.wanted[dir] = true
		if dir == f.Home {
			return
		}
		dir = filepath.Dir(dir)
	}
}

func (f *Files) inSource(p string) bool { return within(f.SourceDir, p) }

func (f *Files) watchSourceLocked() {
	_ = filepath.WalkDir(f.SourceDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == ".git" {
			f.addLocked(filepath.Join(p, "refs", "heads"))
			return filepath.SkipDir
		}
		f.addLocked(p)
		return nil
	})
}

// watchRemoteLocked watches where git writes the remote's branch: its
// loose ref and packed-refs (replaced by rename in the repository's dir).
func (f *Files) watchRemoteLocked() {
	if f.RemoteDir == "" {
		return
	}
	for _, d := range []string{f.RemoteDir, filepath.Join(f.RemoteDir, "refs", "heads")} {
		f.addLocked(d)
	}
}

func (f *Files) inRemote(p string) bool { return f.RemoteDir != "" && within(f.RemoteDir, p) }

// addLocked watches dir; never one reached through a link out of home.
func (f *Files) addLocked(dir string) {
	if f.polling {
		return
	}
	if _, ok := f.dirs[dir]; ok {
		return
	}
	if !f.inSource(dir) && !f.inRemote(dir) {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return // not there (yet): its parent's watch sees it made
		}
		if !within(f.realHome, real) {
			f.Logger.Warn("not watching a dir that leads out of home", "dir", dir, "to", real)
			return
		}
	}
	wd, err := f.addWatch(f.fd, dir, dirMask)
	switch {
	case errors.Is(err, unix.ENOSPC):
		f.Logger.Warn("inotify watch limit reached (fs.inotify.max_user_watches); polling the watched files instead",
			"every", f.PollEvery, "watched_before", len(f.dirs))
		f.polling = true
		if f.file != nil {
			_ = f.file.Close() // the watches go with it
			f.file = nil
		}
		f.wds, f.dirs = map[int]string{}, map[string]int{}
		go f.poll(f.snapshotLocked())
	case err != nil:
		f.Logger.Debug("cannot watch", "dir", dir, "err", err)
	default:
		f.wds[wd], f.dirs[dir] = dir, wd
	}
}

func (f *Files) rmWatchLocked(wd int, dir string) {
	_, _ = unix.InotifyRmWatch(f.fd, uint32(wd))
	delete(f.wds, wd)
	delete(f.dirs, dir)
}

// read turns inotify records into Events for the paths that matter.
func (f *Files) read() {
	buf := make([]byte, 64<<10)
	for {
		n, err := f.file.Read(buf)
		if err != nil {
			return // closed (or polling took over)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := ""
			if ev.Len > 0 {
				raw := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(ev.Len)]
				name = strings.TrimRight(string(raw), "\x00")
			}
			off += unix.SizeofInotifyEvent + int(ev.Len)
			f.handle(int(ev.Wd), ev.Mask, name)
		}
	}
}

func (f *Files) handle(wd int, mask uint32, name string) {
	f.mu.Lock()
	dir, ok := f.wds[wd]
	if mask&unix.IN_IGNORED != 0 && ok {
		delete(f.wds, wd)
		delete(f.dirs, dir)
	}
	if mask&unix.IN_Q_OVERFLOW != 0 {
		// Events were lost: a round finds out what changed (a path
		// never settled is never own).
		f.mu.Unlock()
		f.send(Event{})
		return
	}
	if !ok || name == "" {
		f.mu.Unlock()
		return
	}
	p := filepath.Join(dir, name)
	var ev *Event
	switch {
	case f.inRemote(p):
		if (dir == f.RemoteDir && name == "packed-refs") || (dir != f.RemoteDir && name == f.Branch) {
			ev = &Event{Path: p, Remote: true}
		}
	case f.inSource(p):
		if filepath.Base(dir) == "heads" && filepath.Base(filepath.Dir(filepath.Dir(dir))) == ".git" && name != f.Branch {
			break // another branch, or git's lock file
		}
		if mask&unix.IN_ISDIR != 0 && mask&(unix.IN_CREATE|unix.IN_MOVED_TO) != 0 && name != ".git" {
			f.addTreeLocked(p)
		}
		ev = &Event{Path: p, InSource: true}
	case f.targets[p]:
		ev = &Event{Path: p}
		if f.wanted[p] {
			f.addTreeLocked(p)
		}
	case f.wanted[p]:
		// A dir on the way to targets, made again: watch it and what
		// it holds that targets need.
		f.addTreeLocked(p)
		ev = &Event{Path: p}
	}
	f.mu.Unlock()
	if ev != nil {
		f.send(*ev)
	}
}

// addTreeLocked watches dir and the dirs below it that are wanted (in
// home) or part of the source work tree.
func (f *Files) addTreeLocked(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if d.Name() == ".git" {
			return filepath.SkipDir
		}
		if f.inSource(p) || f.wanted[p] {
			f.addLocked(p)
			return nil
		}
		return filepath.SkipDir
	})
}

func (f *Files) send(ev Event) {
	select {
	case f.events <- ev:
	case <-f.stop:
	}
}

// within reports whether p is root or below it (both clean).
func within(root, p string) bool {
	return p == root || strings.HasPrefix(p, root+string(filepath.Separator))
}

// fingerprint is how a path looks: enough to tell a write from none.
type fingerprint struct {
	ino, size, mtime int64
	mode             uint32
	missing          bool
}

func stat(p string) fingerprint {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return fingerprint{missing: true}
	}
	return fingerprint{ino: int64(st.Ino), size: st.Size, mtime: st.Mtim.Nano(), mode: st.Mode}
}

// snapshot fingerprints every target and the source work tree.
func (f *Files) snapshot() map[string]fingerprint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.snapshotLocked()
}

func (f *Files) snapshotLocked() map[string]fingerprint {
	// Targets, not the dirs on the way to them: a dir's mtime moves with
	// every file made in it (a shell's history), which is no edit.
	paths := make([]string, 0, len(f.targets))
	for p := range f.targets {
		paths = append(paths, p)
	}
	out := make(map[string]fingerprint, len(paths))
	for _, p := range paths {
		out[p] = stat(p)
	}
	_ = filepath.WalkDir(f.SourceDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			ref := filepath.Join(p, "refs", "heads", f.Branch)
			out[ref] = stat(ref)
			return filepath.SkipDir
		}
		out[p] = stat(p)
		return nil
	})
	return out
}

// Settle implements Source.
func (f *Files) Settle() {
	s := f.snapshot()
	f.mu.Lock()
	f.settled = s
	f.mu.Unlock()
}

// Own implements Source. A path never seen (a new file in the source) is
// not hearth's.
func (f *Files) Own(p string) bool {
	f.mu.Lock()
	was, ok := f.settled[p]
	f.mu.Unlock()
	return ok && was == stat(p)
}

// poll is the fallback past the watch limit: compare the watched files'
// metadata every PollEvery and report what differs.
func (f *Files) poll(prev map[string]fingerprint) {
	t := time.NewTicker(f.PollEvery)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		cur := f.snapshot()
		f.mu.Lock()
		settled := f.settled
		f.mu.Unlock()
		for p, fp := range cur {
			was, seen := prev[p]
			if !seen {
				was, seen = settled[p]
			}
			// A target new to the watch set is no change; a new file
			// in the source work tree is.
			if (seen && was != fp) || (!seen && f.inSource(p)) {
				f.send(Event{Path: p, InSource: f.inSource(p)})
			}
		}
		for p := range prev {
			if _, ok := cur[p]; !ok {
				f.send(Event{Path: p, InSource: f.inSource(p)})
			}
		}
		prev = cur
	}
}

var _ Source = (*Files)(nil)
