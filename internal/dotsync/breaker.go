package dotsync

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
)

// A capture renders and reads the whole source before the round fetches.
// A source that makes hearth die there (a runtime crash on what a remote
// committed, or a hang the unit's deadline kills) would die the same way
// in every later round, and the remote's fix would never be fetched. So a
// capture runs with a mark beside the state; a round that finds the mark
// left behind skips its capture once (home edits wait for the next
// round: apply holds them, nothing is lost) and goes on to fetch, merge
// and push. A capture stopped by SIGINT or SIGTERM keeps its mark too:
// the unit's deadline ends a capture that is merely slow (modify_ scripts
// near their timeout) gracefully, and clearing the mark then would start
// every later round in the same capture.

// slowCapture is how long a capture must have run for a signal that stops
// it to keep its mark: far below any unit deadline, far above a capture of
// an ordinary source (well under a second).
const slowCapture = 5 * time.Second

// errCaptureSkipped is the round's capture problem when it was skipped.
var errCaptureSkipped = errors.New("capture skipped: the last one did not finish (killed, or it died on what the source holds); the next round captures again")

func captureMark(cfg *config.Config) string {
	return filepath.Join(cfg.StateDir, "dotfiles-capture.running")
}

// lastCaptureDied reports whether the previous capture left its mark,
// clearing it.
func lastCaptureDied(cfg *config.Config) bool {
	p := captureMark(cfg)
	if _, err := os.Lstat(p); err != nil {
		return false
	}
	_ = os.Remove(p)
	return true
}

// markCapture sets the mark; the returned func clears it.
func markCapture(cfg *config.Config) (func(), error) {
	p := captureMark(cfg)
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		return nil, err
	}
	return func() { _ = os.Remove(p) }, nil
}
