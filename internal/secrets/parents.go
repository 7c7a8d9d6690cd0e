package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// checkParents refuses a root or generations dir whose parent another user
// could write to: they could swap the root symlink for one to secrets of
// their own, or the generations dir between its checks and its chmod. A
// sticky parent is allowed (nobody can rename what root made in it). A
// parent not created yet is judged by its nearest existing ancestor.
func (l layout) checkParents() error {
	for _, p := range []string{filepath.Dir(l.root), filepath.Dir(l.gens)} {
		dir := p
		for {
			if _, err := os.Lstat(dir); err == nil || !errors.Is(err, fs.ErrNotExist) || filepath.Dir(dir) == dir {
				break
			}
			dir = filepath.Dir(dir)
		}
		if err := safefile.CheckOwnedPath(dir); err != nil {
			return fmt.Errorf("secrets root %s: refusing to install under %s: %w", l.root, p, err)
		}
	}
	return nil
}
