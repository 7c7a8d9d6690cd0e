package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/safefile"
	"golang.org/x/sys/unix"
)

// Holder describes the process that holds a job lock; it is written into the
// lock file after the lock is taken so that a waiting run can say who it is.
type Holder struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// Lock is an exclusive per-job lock on <state_dir>/<job>.lock.
type Lock struct {
	f    *os.File
	path string
}

// ErrLocked is returned (wrapped, with the holder) when the wait runs out.
var ErrLocked = errors.New("locked by another run")

// LockJobs are the locks hearth's jobs take (apply and resolve take sync's),
// the only names `hearth lock` accepts.
var LockJobs = []string{"sync", "upgrade", "golden", "secrets"}

// lockPoll is how often a waiting run tries the lock again.
const lockPoll = 50 * time.Millisecond

// maxHolder bounds what is read back from a lock file.
const maxHolder = 64 << 10

// AcquireLock takes the exclusive lock for job, polling until wait elapses.
// The kernel drops a flock when its holder dies, so a killed run never leaves
// a lock behind. The state dir must be safe (see CheckDir), and the lock
// file is opened without following a link and never truncated on open: a
// link planted there must not make root write another file.
func AcquireLock(ctx context.Context, dir, job string, wait time.Duration, command string) (*Lock, error) {
	if job == "" || strings.HasPrefix(job, ".") || strings.ContainsAny(job, "/\\\x00") {
		return nil, fmt.Errorf("lock name %q is not a plain name", job)
	}
	if err := CheckDir(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, job+".lock")
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(lockPoll)
	defer tick.Stop()
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("job %s: %w: %s (waited %s; lock file %s)", job, ErrLocked, describeHolder(path), wait, path)
		case <-tick.C:
		}
	}
	h := Holder{PID: os.Getpid(), Command: command, Since: time.Now().UTC()}
	data, _ := json.Marshal(h)
	// Written through the locked file itself, not atomically: only a waiting
	// run reads it, and only to describe the holder.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt(append(data, '\n'), 0)
	}
	return &Lock{f: f, path: path}, nil
}

// openLockFile opens (creating) a lock file that must be a regular file of
// ours with one link: not a symlink, FIFO or hard link to someone's file.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("lock file %s is a symlink; refusing to follow it (remove it: hearth recreates it)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular():
		err = fmt.Errorf("lock file %s is not a regular file (%s); refusing it (remove it: hearth recreates it)", path, fi.Mode().Type())
	case st != nil && st.Nlink != 1:
		err = fmt.Errorf("lock file %s has %d hard links; refusing it (remove it: hearth recreates it)", path, st.Nlink)
	case st != nil && int(st.Uid) != os.Geteuid():
		err = fmt.Errorf("lock file %s is owned by uid %d, not by this user (uid %d); refusing it (remove it: hearth recreates it)", path, st.Uid, os.Geteuid())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.f.Close() // closing the only descriptor drops the flock
}

func describeHolder(path string) string {
	data, err := safefile.Read(path, maxHolder, nil)
	if err != nil {
		return "holder unknown"
	}
	var h Holder
	if json.Unmarshal(data, &h) != nil || h.PID == 0 {
		return "holder unknown"
	}
	cmd := strings.TrimSpace(h.Command)
	if cmd == "" {
		cmd = "hearth"
	}
	return fmt.Sprintf("held by pid %d (%s) since %s", h.PID, cmd, h.Since.Format(time.RFC3339))
}
