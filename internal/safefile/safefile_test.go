package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Read runs as root over a user's home: it must not follow a target
// swapped for a link, block on a FIFO, read a file other than the one
// inspected, or allocate whatever size a sparse file claims.
func TestReadRefusesWhatIsNotTheInspectedRegularFile(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "root-only")
	writeFile(t, secret, "secret\n", 0o600)
	plain := filepath.Join(dir, "plain")
	writeFile(t, plain, "hello\n", 0o644)
	if data, err := read(plain, nil); err != nil || string(data) != "hello\n" {
		t.Fatalf("plain file = %q, %v", data, err)
	}

	link := filepath.Join(dir, "link")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	if _, err := read(link, nil); !errors.Is(err, ErrNotRegular) {
		t.Errorf("symlink: err = %v, want ErrNotRegular", err)
	}

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := read(fifo, nil); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("fifo: err = %v, want ErrNotRegular", err)
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
	if _, err := read(plain, want); !errors.Is(err, ErrNotRegular) {
		t.Errorf("replaced file: err = %v, want ErrNotRegular", err)
	}

	sparse := filepath.Join(dir, "sparse")
	writeFile(t, sparse, "", 0o644)
	if err := os.Truncate(sparse, limit+1); err != nil {
		t.Fatal(err)
	}
	if _, err := read(sparse, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the size limit: err = %v, want ErrTooLarge", err)
	}
	if _, err := read(filepath.Join(dir, "missing"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

const limit = 1 << 20

func read(path string, want *syscall.Stat_t) ([]byte, error) { return Read(path, limit, want) }

func writeFile(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
}
