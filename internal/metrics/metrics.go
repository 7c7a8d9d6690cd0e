// Package metrics renders hearth's state as a Prometheus textfile (for
// node_exporter's textfile collector): it reads the status records and
// boot.json from the state dir, so the file always describes what is on disk
// rather than what one process happened to see.
package metrics

import (
	"fmt"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/state"
)

// Write renders the metrics of stateDir and replaces file atomically, so a
// scraper never reads half a file.
func Write(file, stateDir string) error {
	if !filepath.IsAbs(file) {
		return fmt.Errorf("metrics file %q: not an absolute path", file)
	}
	data, err := Render(stateDir)
	if err != nil {
		return fmt.Errorf("metrics file %s: %w", file, err)
	}
	if err := state.WriteFileAtomic(file, data, 0o644); err != nil {
		return fmt.Errorf("metrics file %s: %w", file, err)
	}
	return nil
}

// Render returns the metrics of stateDir in the Prometheus text format
// (version 0.0.4).
func Render(stateDir string) ([]byte, error) {
	return encode(collect(stateDir))
}
