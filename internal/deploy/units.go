package deploy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hearth-fleet/hearth/internal/health"
)

// unitDir is where a NixOS generation keeps its systemd units.
const unitDir = "etc/systemd/system"

// UnitDiff says which units exist in the old and the new generation.
type UnitDiff struct {
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Kept    []string `json:"kept,omitempty"`
}

// listUnits returns the unit names of a generation ("" or missing: none).
func listUnits(storePath string) ([]string, error) {
	if storePath == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(filepath.Join(storePath, unitDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("units of %s: %w", storePath, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

func diffUnits(oldPath, newPath string) (UnitDiff, error) {
	old, err := listUnits(oldPath)
	if err != nil {
		return UnitDiff{}, err
	}
	cur, err := listUnits(newPath)
	if err != nil {
		return UnitDiff{}, err
	}
	var d UnitDiff
	for _, u := range cur {
		if slices.Contains(old, u) {
			d.Kept = append(d.Kept, u)
		} else {
			d.Added = append(d.Added, u)
		}
	}
	for _, u := range old {
		if !slices.Contains(cur, u) {
			d.Removed = append(d.Removed, u)
		}
	}
	return d, nil
}

// checkRequiredUnits refuses a generation that lacks a unit named by a
// required health check: after activation that check could never pass.
func checkRequiredUnits(storePath string, checks []health.Check) error {
	var missing []string
	for _, c := range checks {
		if !c.Required || c.Unit == "" {
			continue
		}
		u := c.Unit
		if u != filepath.Base(u) || u == "." || u == ".." || strings.HasPrefix(u, "-") {
			return fmt.Errorf("health check %q: invalid unit name %q", c.Name, u)
		}
		if _, err := os.Lstat(filepath.Join(storePath, unitDir, u)); err != nil {
			missing = append(missing, u)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s has no %s in %s", ErrPrecheck, storePath, strings.Join(missing, ", "), unitDir)
	}
	return nil
}
