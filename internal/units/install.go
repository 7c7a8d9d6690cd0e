package units

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/state"
)

// Install writes units into dir (created if missing), each atomically.
// It does not enable or start them: that is the caller's systemctl call.
func Install(dir string, units []Unit) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("install dir %q: not an absolute path", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install dir %s: %w", dir, err)
	}
	for _, u := range units {
		if u.Name != filepath.Base(u.Name) || u.Name == "." || u.Name == ".." {
			return fmt.Errorf("unit name %q: not a plain file name", u.Name)
		}
		if err := state.WriteFileAtomic(filepath.Join(dir, u.Name), []byte(u.Content), 0o644); err != nil {
			return fmt.Errorf("install %s: %w", u.Name, err)
		}
	}
	return nil
}
