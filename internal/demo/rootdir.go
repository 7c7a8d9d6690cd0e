package demo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// checkRootDir makes the fleet dir safe for root to work in: root writes
// a remote, homes and state there, so a directory another user controls on
// the way (they could swap a component for a link to /etc between two
// writes) is refused before anything is created, and the dir is checked
// again once it exists. Other users run the demo with their own rights.
func checkRootDir(dir string, create bool) error {
	if os.Geteuid() != 0 {
		if create {
			return os.MkdirAll(dir, 0o755)
		}
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if create {
		existing := abs
		for {
			if _, err := os.Lstat(existing); err == nil || !errors.Is(err, fs.ErrNotExist) {
				break
			}
			existing = filepath.Dir(existing)
		}
		if err := refuseForeign(dir, existing); err != nil {
			return err
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
	}
	return refuseForeign(dir, abs)
}

func refuseForeign(dir, p string) error {
	if err := safefile.CheckOwnedPath(p); err != nil {
		return fmt.Errorf("demo --dir %s: refusing to run the demo there as root: %w; pick a directory only root can change (or run the demo as that user)", dir, err)
	}
	return nil
}
