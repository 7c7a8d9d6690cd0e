package state

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func startLocker(t *testing.T, dir, job string) (*exec.Cmd, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", dir, job)
	cmd.Env = append(os.Environ(), "HEARTH_STATE_CHILD=locker")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("locker did not take the lock: %q %v", line, err)
	}
	release := func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("locker: %v", err)
		}
	}
	return cmd, release
}

// TestLockContentionAcrossProcesses: while another process holds the job
// lock, a second acquirer waits its bounded time and fails naming the holder;
// once the holder releases, it succeeds.
func TestLockContentionAcrossProcesses(t *testing.T) {
	dir := tempDir(t)
	holder, release := startLocker(t, dir, "sync")
	_, err := AcquireLock(context.Background(), dir, "sync", 200*time.Millisecond, "hearth sync")
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("want ErrLocked while held, got %v", err)
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(holder.Process.Pid)) || !strings.Contains(err.Error(), "test-locker") {
		t.Fatalf("error does not say who holds the lock: %v", err)
	}
	// Another job's lock is independent.
	other, err := AcquireLock(context.Background(), dir, "upgrade", time.Second, "hearth upgrade")
	if err != nil {
		t.Fatalf("independent job lock: %v", err)
	}
	other.Unlock()
	release()
	l, err := AcquireLock(context.Background(), dir, "sync", 5*time.Second, "hearth sync")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l.Unlock()
}

// TestLockReleasedWhenHolderKilled: a SIGKILLed holder leaves no stale lock.
func TestLockReleasedWhenHolderKilled(t *testing.T) {
	dir := tempDir(t)
	holder, _ := startLocker(t, dir, "sync")
	_ = holder.Process.Kill()
	_ = holder.Wait()
	l, err := AcquireLock(context.Background(), dir, "sync", 5*time.Second, "hearth sync")
	if err != nil {
		t.Fatalf("lock of a killed holder not released: %v", err)
	}
	l.Unlock()
}

// TestStateDirThroughAUsersLinkRefused: a state dir path under a sticky
// dir (/tmp) that a user planted as a link to a directory of their
// choosing is refused, not followed.
func TestStateDirThroughAUsersLinkRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to give the link to uid 65534; CI runs tests as root")
	}
	dir := t.TempDir()
	sticky := filepath.Join(dir, "tmp")
	if err := os.Mkdir(sticky, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sticky, os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(sticky, "hearth-state")
	if err := os.Symlink(victim, stateDir); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(stateDir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	if err := CheckDir(stateDir); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
		t.Fatalf("CheckDir through a user's link: %v, want a refusal naming the link's owner", err)
	}
	if entries, _ := os.ReadDir(victim); len(entries) != 0 {
		t.Errorf("the link's target got %d entries", len(entries))
	}
}
