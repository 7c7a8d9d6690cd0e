package trash

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/state"
	"golang.org/x/sys/unix"
)

// Move moves root/rel into the trash and returns its entry. The order
// survives a kill at any point: the entry's meta.json is durable before the
// item moves, and the original is removed only once the item is in the
// trash (a rename does both at once; across filesystems the copy is
// fsynced before the original goes). A path under a symlink, or one that
// does not exist, is an error and nothing moves.
func (t Trash) Move(root, rel, reason string) (Entry, error) {
	parent, base, err := openParent(root, rel, false)
	if err != nil {
		return Entry{}, err
	}
	defer parent.Close()
	orig := filepath.Join(root, filepath.FromSlash(rel))
	src := inDir(parent, base)
	fi, err := os.Lstat(src)
	if err != nil {
		return Entry{}, fmt.Errorf("trash %s: %w", orig, unwrapPath(err))
	}
	if pfi, err := parent.Stat(); err == nil && fi.IsDir() && deviceOf(pfi) != deviceOf(fi) {
		return Entry{}, fmt.Errorf("trash %s: a mount point; left in place", orig)
	}
	bytes, err := survey(src, fi)
	if err != nil {
		return Entry{}, fmt.Errorf("trash %s: %w", orig, err)
	}
	e := Entry{
		ID: newID(), Root: filepath.Clean(root), Path: filepath.ToSlash(filepath.Clean(rel)),
		Time: time.Now().UTC(), Reason: reason, Kind: kindOf(fi.Mode()),
		Mode: fmt.Sprintf("%04o", uint32(fi.Mode().Perm())), Bytes: bytes,
	}
	dir := t.entryDir(e.ID)
	if err := t.ensureDir(); err != nil {
		return Entry{}, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return Entry{}, fmt.Errorf("trash dir %s: %w", dir, err)
	}
	b, _ := json.MarshalIndent(e, "", "  ")
	if err := state.WriteFileAtomic(filepath.Join(dir, metaName), append(b, '\n'), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return Entry{}, err
	}
	if err := moveItem(parent, base, dir); err != nil {
		_ = os.RemoveAll(dir) // the original is still in place
		return Entry{}, fmt.Errorf("move %s into the trash: %w", orig, err)
	}
	if err := state.SyncDir(dir); err != nil {
		return e, err
	}
	if err := parent.Sync(); err != nil {
		return e, fmt.Errorf("fsync dir %s: %w", filepath.Dir(orig), err)
	}
	return e, nil
}

// moveItem renames base in parent to the entry dir's item, or copies and
// then removes it when they are on different filesystems.
func moveItem(parent *os.File, base, entryDir string) error {
	dst := filepath.Join(entryDir, itemName)
	err := unix.Renameat(int(parent.Fd()), base, unix.AT_FDCWD, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp := dst + ".partial"
	_ = os.RemoveAll(tmp)
	src := inDir(parent, base)
	if err := copyTree(src, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	if err := state.SyncDir(entryDir); err != nil {
		return err
	}
	return os.RemoveAll(src)
}

// unwrapPath drops the /proc/self/fd path from an error; callers name the
// real path.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ensureDir creates the trash directory, 0700, and refuses one that is a
// symlink, belongs to someone else or is writable by others: whoever
// controlled it would receive, or could swap, what hearth keeps there.
func (t Trash) ensureDir() error {
	if err := os.MkdirAll(t.Dir, 0o700); err != nil {
		return fmt.Errorf("trash dir %s: %w", t.Dir, err)
	}
	fi, err := os.Lstat(t.Dir)
	if err != nil {
		return fmt.Errorf("trash dir %s: %w", t.Dir, err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("trash dir %s is not a directory (a symlink is never followed)", t.Dir)
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("trash dir %s belongs to uid %d, not to uid %d running hearth", t.Dir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("trash dir %s is writable by others (mode %04o)", t.Dir, fi.Mode().Perm())
	}
	return nil
}

func newID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405.000000Z") + "-" + hex.EncodeToString(b[:])
}

func kindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	}
	return "other"
}

// survey counts the bytes of regular files at or under p, without
// following links, and refuses a directory with a mount point inside: a
// copy would pull in another filesystem, and purging the entry later would
// delete that filesystem's files.
func survey(p string, fi fs.FileInfo) (int64, error) {
	if !fi.IsDir() {
		if fi.Mode().IsRegular() {
			return fi.Size(), nil
		}
		return 0, nil
	}
	dev := deviceOf(fi)
	var n int64
	err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		i, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() && deviceOf(i) != dev {
			return fmt.Errorf("%s is a mount point; left in place", strings.TrimPrefix(q, p+"/"))
		}
		if d.Type().IsRegular() {
			n += i.Size()
		}
		return nil
	})
	return n, err
}

func deviceOf(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}
