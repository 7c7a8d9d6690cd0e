package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDirNeverFollowsLinks: reads and writes below a Dir refuse a path
// through a symlinked directory, a final symlink (writes replace it), a
// path leaving the root, and a FIFO (at once, never blocking); the files
// the links point at are never read or changed. Both with openat2 and with
// the component walk used where the kernel lacks it. Readlink reads a final
// link but never one on the way.
func TestDirNeverFollowsLinks(t *testing.T) {
	for _, walk := range []bool{false, true} {
		name := "openat2"
		if walk {
			name = "walk"
		}
		t.Run(name, func(t *testing.T) {
			noOpenat2.Store(walk)
			defer noOpenat2.Store(false)
			root, outside := t.TempDir(), t.TempDir()
			victim := filepath.Join(outside, "victim")
			if err := os.WriteFile(victim, []byte("secret"), 0o600); err != nil {
				t.Fatal(err)
			}
			must(t, os.Mkdir(filepath.Join(root, "real"), 0o755))
			must(t, os.WriteFile(filepath.Join(root, "real", "f"), []byte("ok"), 0o644))
			must(t, os.Symlink(outside, filepath.Join(root, "linkdir")))
			must(t, os.Symlink(victim, filepath.Join(root, "real", "link")))
			must(t, syscall.Mkfifo(filepath.Join(root, "fifo"), 0o600))
			d, err := OpenDir(root)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if b, err := d.ReadFile("real/f", 100); err != nil || string(b) != "ok" {
				t.Fatalf("plain read: %q, %v", b, err)
			}
			if l, err := d.Readlink("real/link"); err != nil || l != victim {
				t.Errorf("readlink of a final link: %q, %v; want %q", l, err, victim)
			}
			must(t, os.Symlink("x", filepath.Join(outside, "inner")))
			if _, err := d.Readlink("linkdir/inner"); !errors.Is(err, ErrLink) {
				t.Errorf("readlink through a linked dir: %v, want ErrLink", err)
			}
			for _, rel := range []string{"linkdir/victim", "real/link", "../" + filepath.Base(outside) + "/victim"} {
				if _, err := d.ReadFile(rel, 100); !errors.Is(err, ErrLink) {
					t.Errorf("read %s: %v, want ErrLink", rel, err)
				}
			}
			if _, err := d.ReadDir("linkdir"); !errors.Is(err, ErrLink) {
				t.Errorf("readdir through a link: %v, want ErrLink", err)
			}
			if _, err := d.Sub("linkdir"); !errors.Is(err, ErrLink) {
				t.Errorf("sub of a link: %v, want ErrLink", err)
			}
			if _, err := d.ReadFile("fifo", 100); !errors.Is(err, ErrNotRegular) {
				t.Errorf("read a FIFO: %v, want ErrNotRegular", err)
			}
			if err := d.WriteFile("linkdir/victim", []byte("pwned"), 0o644, -1, -1); !errors.Is(err, ErrLink) {
				t.Errorf("write through a linked dir: %v, want ErrLink", err)
			}
			if err := d.WriteFile("real/link", []byte("new"), 0o644, -1, -1); err != nil {
				t.Fatalf("write over a final link: %v", err)
			}
			if fi, err := os.Lstat(filepath.Join(root, "real", "link")); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("the final link was not replaced by a file: %v %v", fi, err)
			}
			if b, _ := os.ReadFile(victim); string(b) != "secret" {
				t.Errorf("victim changed: %q", b)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
