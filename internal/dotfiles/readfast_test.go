package dotfiles

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// readFast runs as root over a user's home: it must not follow a target
// swapped for a link, block on a FIFO, read a file other than the one
// inspected, or allocate whatever size a sparse file claims.
func TestReadFastRefusesWhatIsNotTheInspectedRegularFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "root-only")
	writeFile(t, secret, "secret\n", 0o600)
	plain := filepath.Join(dir, "plain")
	writeFile(t, plain, "hello\n", 0o644)
	if data, err := readFast(plain, nil); err != nil || string(data) != "hello\n" {
		t.Fatalf("plain file = %q, %v", data, err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if _, err := readFast(link, nil); !errors.Is(err, errNotRegular) {
		t.Errorf("symlink: err = %v, want errNotRegular", err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := readFast(fifo, nil); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, errNotRegular) {
			t.Errorf("fifo: err = %v, want errNotRegular", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("readFast blocked on a FIFO")
	}

	// Inspected, then replaced by another file: refused.
	fi, err := os.Lstat(plain)
	if err != nil {
		t.Fatal(err)
	}
	want := fi.Sys().(*syscall.Stat_t)
	if err := os.Rename(secret, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := readFast(plain, want); !errors.Is(err, errNotRegular) {
		t.Errorf("replaced file: err = %v, want errNotRegular", err)
	}

	sparse := filepath.Join(dir, "sparse")
	writeFile(t, sparse, "", 0o644)
	if err := os.Truncate(sparse, maxFileSize+1); err != nil {
		t.Fatal(err)
	}
	if _, err := readFast(sparse, nil); err == nil {
		t.Error("a file over the size limit was read")
	}
}
