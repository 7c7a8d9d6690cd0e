package trash

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func write(t *testing.T, p, s string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil {
		t.Fatal(err)
	}
}

// tree is a home with a file, a link out of home, and a directory holding
// a file and a link.
func tree(t *testing.T, home, outside string) {
	write(t, filepath.Join(outside, "victim"), "victim\n", 0o600)
	write(t, filepath.Join(home, "f"), "file\n", 0o640)
	if err := os.Symlink(filepath.Join(outside, "victim"), filepath.Join(home, "link")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, "d", "inner"), "inner\n", 0o600)
	if err := os.Symlink(filepath.Join(outside, "victim"), filepath.Join(home, "d", "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(home, "d"), 0o750); err != nil {
		t.Fatal(err)
	}
}

// check asserts home holds the tree again, links still links, and that
// nothing outside home was touched.
func check(t *testing.T, home, outside string) {
	t.Helper()
	for p, want := range map[string]string{"f": "file\n", "d/inner": "inner\n"} {
		b, err := os.ReadFile(filepath.Join(home, p))
		if err != nil || string(b) != want {
			t.Errorf("%s: %q %v", p, b, err)
		}
	}
	for p, perm := range map[string]os.FileMode{"f": 0o640, "d": 0o750, "d/inner": 0o600} {
		if fi, err := os.Lstat(filepath.Join(home, p)); err != nil || fi.Mode().Perm() != perm {
			t.Errorf("%s: mode %v, want %04o (%v)", p, fi.Mode(), perm, err)
		}
	}
	for _, p := range []string{"link", "d/out"} {
		if l, err := os.Readlink(filepath.Join(home, p)); err != nil || l != filepath.Join(outside, "victim") {
			t.Errorf("%s: not the original link: %q %v", p, l, err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(outside, "victim")); err != nil || string(b) != "victim\n" {
		t.Errorf("the link's target was touched: %q %v", b, err)
	}
}

// TestMoveRestoreRoundTrip moves a file, a link and a directory into the
// trash and back, on the same filesystem and (when /dev/shm is another
// one) across filesystems, never following a link.
func TestMoveRestoreRoundTrip(t *testing.T) {
	dirs := map[string]func(t *testing.T) string{"same filesystem": func(t *testing.T) string { return t.TempDir() }}
	var a, b syscall.Stat_t
	if syscall.Stat(os.TempDir(), &a) == nil && syscall.Stat("/dev/shm", &b) == nil && a.Dev != b.Dev {
		dirs["across filesystems"] = func(t *testing.T) string {
			d, err := os.MkdirTemp("/dev/shm", "trash-test-")
			if err != nil {
				t.Skip(err)
			}
			t.Cleanup(func() { os.RemoveAll(d) })
			return d
		}
	}
	for name, trashDir := range dirs {
		t.Run(name, func(t *testing.T) {
			home, outside := t.TempDir(), t.TempDir()
			tree(t, home, outside)
			tr := Trash{Dir: filepath.Join(trashDir(t), "trash")}
			for _, p := range []string{"f", "link", "d"} {
				e, err := tr.Move(home, p, "test")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Lstat(filepath.Join(home, p)); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s still in home after the move: %v", p, err)
				}
				if e.Original() != filepath.Join(home, p) {
					t.Errorf("original %s", e.Original())
				}
			}
			list, err := tr.List()
			if err != nil || len(list) != 3 {
				t.Fatalf("list: %v %v", list, err)
			}
			if n, bytes, _ := tr.Summary(); n != 3 || bytes != int64(len("file\n")+len("inner\n")) {
				t.Errorf("summary %d entries %d bytes", n, bytes)
			}
			for _, p := range []string{filepath.Join(home, "f"), "link", list[2].ID} {
				if _, err := tr.Restore(p, false); err != nil {
					t.Fatal(err)
				}
			}
			check(t, home, outside)
			if list, _ := tr.List(); len(list) != 0 {
				t.Errorf("restored entries left: %v", list)
			}
		})
	}
}

// TestRestoreRefusesOccupiedPath: a restore never replaces what is there
// now, unless forced, and then the occupant goes to the trash.
func TestRestoreRefusesOccupiedPath(t *testing.T) {
	home := t.TempDir()
	tr := Trash{Dir: filepath.Join(t.TempDir(), "trash")}
	write(t, filepath.Join(home, "f"), "old\n", 0o600)
	e, err := tr.Move(home, "f", "test")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, "f"), "new\n", 0o644)
	if _, err := tr.Restore(e.ID, false); !errors.Is(err, ErrOccupied) {
		t.Fatalf("restore over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(home, "f")); string(b) != "new\n" {
		t.Fatalf("refused restore changed the file: %q", b)
	}
	if _, err := tr.Restore(e.ID, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(home, "f")); string(b) != "old\n" {
		t.Fatalf("forced restore: %q", b)
	}
	list, _ := tr.List()
	if len(list) != 1 || list[0].Path != "f" {
		t.Fatalf("the replaced file is not in the trash: %+v", list)
	}
}

// TestNoPathThroughSymlinks: Move refuses a path under a symlinked
// directory, and Restore refuses to recreate a path whose parent became a
// symlink (it would write through it), creating missing parents instead.
func TestNoPathThroughSymlinks(t *testing.T) {
	home, outside := t.TempDir(), t.TempDir()
	write(t, filepath.Join(outside, "secret"), "s\n", 0o600)
	if err := os.Symlink(outside, filepath.Join(home, "sub")); err != nil {
		t.Fatal(err)
	}
	tr := Trash{Dir: filepath.Join(t.TempDir(), "trash")}
	if _, err := tr.Move(home, "sub/secret", "test"); err == nil {
		t.Fatal("moved a file through a symlinked directory")
	}
	if _, err := os.Stat(filepath.Join(outside, "secret")); err != nil {
		t.Fatalf("the file behind the link moved: %v", err)
	}
	if _, err := tr.Move(home, "../x", "test"); err == nil {
		t.Fatal("moved a path outside the root")
	}

	write(t, filepath.Join(home, "a", "b", "f"), "f\n", 0o600)
	e, err := tr.Move(home, "a/b/f", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(home, "a")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(home, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Restore(e.ID, true); err == nil {
		t.Fatal("restored through a symlinked parent")
	}
	if _, err := os.Lstat(filepath.Join(outside, "b")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("restore wrote behind the link: %v", err)
	}
	if err := os.Remove(filepath.Join(home, "a")); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Restore(e.ID, false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(home, "a", "b", "f")); err != nil || string(b) != "f\n" {
		t.Fatalf("restore into recreated parents: %q %v", b, err)
	}
}

// TestPurge deletes by id (never by path) and by age, including a trashed
// read-only directory.
func TestPurge(t *testing.T) {
	home := t.TempDir()
	tr := Trash{Dir: filepath.Join(t.TempDir(), "trash")}
	write(t, filepath.Join(home, "ro", "f"), "f\n", 0o400)
	if err := os.Chmod(filepath.Join(home, "ro"), 0o500); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(home, "g"), "g\n", 0o600)
	ro, err := tr.Move(home, "ro", "test")
	if err != nil {
		t.Fatal(err)
	}
	g, err := tr.Move(home, "g", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Purge("g"); err == nil {
		t.Error("purge took a path")
	}
	if _, err := tr.Purge(ro.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.PurgeOlder(time.Hour, g.Time); err != nil {
		t.Fatal(err)
	}
	if list, _ := tr.List(); len(list) != 1 || list[0].ID != g.ID {
		t.Fatalf("after purging one by id and none by age: %+v", list)
	}
	if gone, err := tr.PurgeOlder(time.Hour, g.Time.Add(2*time.Hour)); err != nil || len(gone) != 1 {
		t.Fatalf("purge by age: %v %v", gone, err)
	}
}

// TestRefusesForeignTrashDir: a trash dir that is a symlink or writable
// by others receives nothing.
func TestRefusesForeignTrashDir(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	write(t, filepath.Join(home, "f"), "f\n", 0o600)
	link := filepath.Join(t.TempDir(), "trash")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(t.TempDir(), "trash")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{link, open} {
		if _, err := (Trash{Dir: dir}).Move(home, "f", "test"); err == nil {
			t.Errorf("moved into %s", dir)
		}
	}
	if b, err := os.ReadFile(filepath.Join(home, "f")); err != nil || string(b) != "f\n" {
		t.Errorf("file moved: %q %v", b, err)
	}
}

// TestRefusesDirWithMountPoint: a mount point, or a directory with a
// filesystem mounted inside, is left in place: moving or copying it would take that
// filesystem along, and a purge would then delete its files.
func TestRefusesDirWithMountPoint(t *testing.T) {
	home := t.TempDir()
	mnt := filepath.Join(home, "d", "nas")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("skipping: cannot mount a tmpfs here (%v); needs root with CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() { _ = syscall.Unmount(mnt, syscall.MNT_DETACH) })
	write(t, filepath.Join(mnt, "data"), "on another filesystem\n", 0o600)
	tr := Trash{Dir: filepath.Join(t.TempDir(), "trash")}
	for _, p := range []string{"d", "d/nas"} {
		if _, err := tr.Move(home, p, "test"); err == nil {
			t.Fatalf("moved %s, a mount point or a directory holding one", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(mnt, "data")); err != nil || string(b) != "on another filesystem\n" {
		t.Fatalf("the mounted filesystem was touched: %q %v", b, err)
	}
}
