package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
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
	fl   *flock.Flock
	path string
}

// ErrLocked is returned (wrapped, with the holder) when the wait runs out.
var ErrLocked = errors.New("locked by another run")

// AcquireLock takes the exclusive lock for job, polling until wait elapses.
// The kernel drops a flock when its holder dies, so a killed run never leaves
// a lock behind.
func AcquireLock(ctx context.Context, dir, job string, wait time.Duration, command string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, job+".lock")
	fl := flock.New(path)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 50*time.Millisecond)
	if !ok {
		if err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return nil, fmt.Errorf("job %s: %w: %s (waited %s; lock file %s)", job, ErrLocked, describeHolder(path), wait, path)
	}
	h := Holder{PID: os.Getpid(), Command: command, Since: time.Now().UTC()}
	data, _ := json.Marshal(h)
	// Written through the locked file itself, not atomically: only a waiting
	// run reads it, and only to describe the holder.
	if f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o644); err == nil {
		_, _ = f.Write(append(data, '\n'))
		f.Close()
	}
	return &Lock{fl: fl, path: path}, nil
}

// Unlock releases the lock.
func (l *Lock) Unlock() error {
	if l == nil {
		return nil
	}
	return l.fl.Unlock()
}

func describeHolder(path string) string {
	data, err := os.ReadFile(path)
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
