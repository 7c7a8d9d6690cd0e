package cli_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// victimWatch reports every open, read, write or change of a victim file
// and every open or change of a victim dir (listing it counts), by
// anyone, through inotify: a read through a link that leaves no trace in
// content is still seen. The test itself opens no victim until the end.
type victimWatch struct {
	fd    int
	paths map[int32]string
}

const (
	victimFileEvents = unix.IN_OPEN | unix.IN_ACCESS | unix.IN_MODIFY | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	victimDirEvents  = unix.IN_OPEN | unix.IN_CREATE | unix.IN_DELETE | unix.IN_MOVED_FROM | unix.IN_MOVED_TO | unix.IN_ATTRIB | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
)

// watchVictims watches every entry under root; nil when inotify is not
// available (the content checks still run).
func watchVictims(t *testing.T, root string) *victimWatch {
	fd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC)
	if err != nil {
		t.Logf("inotify unavailable (%v): victim reads are seen only when their content shows up", err)
		return nil
	}
	w := &victimWatch{fd: fd, paths: map[int32]string{}}
	t.Cleanup(func() { unix.Close(fd) })
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mask := uint32(victimFileEvents)
		if d.IsDir() {
			mask = victimDirEvents
		}
		wd, err := unix.InotifyAddWatch(fd, p, mask|unix.IN_DONT_FOLLOW)
		if err != nil {
			return fmt.Errorf("inotify watch %s: %w", p, err)
		}
		w.paths[int32(wd)] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// events drains what happened to the victims since the last call.
func (w *victimWatch) events(t *testing.T) []string {
	if w == nil {
		return nil
	}
	var out []string
	buf := make([]byte, 64<<10)
	for {
		n, err := unix.Read(w.fd, buf)
		if errors.Is(err, unix.EAGAIN) {
			return out
		}
		if err != nil {
			t.Fatalf("inotify read: %v", err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			wd := int32(binary.NativeEndian.Uint32(buf[off:]))
			mask := binary.NativeEndian.Uint32(buf[off+4:])
			nameLen := int(binary.NativeEndian.Uint32(buf[off+12:]))
			name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+nameLen]), "\x00")
			off += unix.SizeofInotifyEvent + nameLen
			if mask&unix.IN_IGNORED != 0 {
				continue
			}
			out = append(out, fmt.Sprintf("%s %s", filepath.Join(w.paths[wd], name), inotifyMask(mask)))
		}
	}
}

func inotifyMask(m uint32) string {
	var names []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{
		{unix.IN_OPEN, "open"}, {unix.IN_ACCESS, "read"}, {unix.IN_MODIFY, "write"}, {unix.IN_ATTRIB, "attrib"},
		{unix.IN_CREATE, "create"}, {unix.IN_DELETE, "delete"}, {unix.IN_MOVED_FROM, "moved-from"},
		{unix.IN_MOVED_TO, "moved-to"}, {unix.IN_DELETE_SELF, "delete-self"}, {unix.IN_MOVE_SELF, "move-self"},
	} {
		if m&b.bit != 0 {
			names = append(names, b.name)
		}
	}
	return strings.Join(names, "|")
}
