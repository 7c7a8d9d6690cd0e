package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/safefile"
	"github.com/hearth-fleet/hearth/internal/state"
)

// StatusFile is the watcher's status in the state dir.
const StatusFile = "watcher.json"

// Status is what `hearth status` shows of a running watcher.
type Status struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// LastRound is the last round the watcher ran.
	LastRound      *RoundStatus `json:"last_round,omitempty"`
	LastPoll       time.Time    `json:"last_poll,omitzero"`
	LastPollResult string       `json:"last_poll_result,omitempty"`
	NextPoll       time.Time    `json:"next_poll,omitzero"`
	// Offline: the remote did not answer the last poll or round; polls
	// are backing off.
	Offline        bool `json:"offline"`
	TargetsWatched int  `json:"targets_watched"`
	// RoundsToday counts rounds started on Day (local time).
	RoundsToday     int    `json:"rounds_today"`
	Day             string `json:"day"`
	PollingFallback bool   `json:"polling_fallback"`
	// Stale is set by the reader: the pid is no longer alive.
	Stale bool `json:"stale"`
}

// RoundStatus is one round the watcher ran.
type RoundStatus struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Reason   string    `json:"reason"`
	Result   string    `json:"result"`
	Error    string    `json:"error,omitempty"`
}

func (s *Status) countRound(started, finished time.Time, reason, result string, err error) {
	rs := &RoundStatus{Started: started.UTC(), Finished: finished.UTC(), Reason: reason, Result: result}
	if err != nil {
		rs.Error = err.Error()
	}
	s.LastRound = rs
	day := started.Local().Format(time.DateOnly)
	if s.Day != day {
		s.Day, s.RoundsToday = day, 0
	}
	s.RoundsToday++
}

// WriteStatus replaces the status file atomically.
func WriteStatus(stateDir string, s Status) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return state.WriteFileAtomic(filepath.Join(stateDir, StatusFile), append(data, '\n'), 0o644)
}

// maxStatusFile bounds what is read back.
const maxStatusFile = 64 << 10

// ReadStatus reads the status file; nil, nil when no watcher ever ran.
// Stale is set when its pid is gone; rounds today is 0 on another day.
func ReadStatus(stateDir string) (*Status, error) {
	p := filepath.Join(stateDir, StatusFile)
	// Without blocking or following a link: root's status may read a
	// state dir another user controls, who could put a FIFO here.
	data, err := safefile.Read(p, maxStatusFile, nil)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s Status
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	s.Stale = !alive(s.PID)
	if s.Day != time.Now().Format(time.DateOnly) {
		s.RoundsToday = 0
	}
	return &s, nil
}

// alive: signal 0 reaches the pid, or it exists but belongs to another
// user (root's status reading a user's watcher is not told EPERM lies).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
