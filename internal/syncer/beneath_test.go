package syncer

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Paths beneath a work tree are never resolved through a link: reads see
// nothing there, removals and writes leave what lies beyond untouched.
func TestBeneathNeverFollowsLinks(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(outside, "x"), []byte("outside\n"), 0o600))
	must(os.Symlink(outside, filepath.Join(root, "dirlink")))
	must(os.Symlink(filepath.Join(outside, "x"), filepath.Join(root, "filelink")))
	must(os.MkdirAll(filepath.Join(root, "d"), 0o755))
	must(os.WriteFile(filepath.Join(root, "d", "f"), []byte("in tree\n"), 0o644))
	must(syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644))

	cases := []struct {
		rel      string
		data     string
		link, ok bool
	}{
		{"d/f", "in tree\n", false, true},
		{"dirlink/x", "", false, false},
		{"filelink", filepath.Join(outside, "x"), true, true},
		{"fifo", "", false, false},
		{"d", "", false, false},
		{"missing/f", "", false, false},
		{"d/f/below-a-file", "", false, false},
	}
	for _, tc := range cases {
		data, link, ok, err := readBeneath(root, tc.rel)
		if err != nil || string(data) != tc.data || link != tc.link || ok != tc.ok {
			t.Errorf("readBeneath(%s) = %q, link %v, ok %v, %v; want %q, %v, %v", tc.rel, data, link, ok, err, tc.data, tc.link, tc.ok)
		}
	}
	for _, rel := range []string{"dirlink/x", "filelink"} {
		must(removeBeneath(root, rel))
	}
	if _, err := os.Lstat(filepath.Join(root, "filelink")); !os.IsNotExist(err) {
		t.Errorf("the link itself was not removed: %v", err)
	}
	if err := writeBeneath(root, "dirlink/y", []byte("no"), 0o644); err == nil {
		t.Errorf("writeBeneath through a link succeeded")
	}
	if err := writeBeneath(root, "../escape", []byte("no"), 0o644); err == nil {
		t.Errorf("writeBeneath of ../escape succeeded")
	}
	must(writeBeneath(root, "new/dir/f", []byte("new\n"), 0o640))
	if b, err := os.ReadFile(filepath.Join(root, "new/dir/f")); err != nil || string(b) != "new\n" {
		t.Errorf("writeBeneath new/dir/f: %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "x")); err != nil || string(b) != "outside\n" {
		t.Errorf("the file beyond the links changed: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("files appeared beyond the link: %v", entries)
	}
}
