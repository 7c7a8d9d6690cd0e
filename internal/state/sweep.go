package state

import (
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SweepTemps removes the temporary files WriteFileAtomic leaves beside the
// files names in dir when a run is killed before its rename. Call it
// holding the lock under which those files are written, so no live write's
// temp file goes. It returns what it removed.
func SweepTemps(dir string, names ...string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("sweep %s: %w", dir, err)
	}
	var removed []string
	var errs []error
	for _, e := range entries {
		for _, n := range names {
			if !slices.ContainsFunc(safefile.TempPrefixes(n), func(p string) bool { return strings.HasPrefix(e.Name(), p) }) {
				continue
			}
			// Remove unlinks a link itself, never what it points at.
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			} else {
				removed = append(removed, p)
			}
			break
		}
	}
	return removed, errors.Join(errs...)
}
