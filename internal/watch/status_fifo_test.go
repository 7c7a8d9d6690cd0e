package watch

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestReadStatusRefusesAFIFO: root's `hearth status` reads the watcher's
// status from the state dir even when another user controls it (it warns
// and shows the rest). A FIFO planted there as watcher.json hung it for
// good; it must be an error at once.
func TestReadStatusRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, StatusFile), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := ReadStatus(dir)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a FIFO read as the watcher's status")
		}
	case <-time.After(30 * time.Second): // a hang detector, not a timing claim
		t.Fatal("ReadStatus blocked on a FIFO")
	}
}
