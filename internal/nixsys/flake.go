package nixsys

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FlakeUpdate updates every input of the flake in the work tree dir and
// writes dir/flake.lock (nix flake update). Committing the lock is the
// caller's business; nix 2.8 stages a newly created flake.lock itself.
func (n *Nix) FlakeUpdate(ctx context.Context, dir string, log io.Writer) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("flake update %q: not an absolute path", dir)
	}
	// Without flake.nix, nix searches the parent directories for one and
	// would update some other flake.
	if _, err := os.Stat(filepath.Join(dir, "flake.nix")); err != nil {
		return fmt.Errorf("flake update %s: %w", dir, err)
	}
	if _, err := n.run(ctx, n.timeout, log, "nix", "flake", "update", filepath.Clean(dir)); err != nil {
		return fmt.Errorf("flake update %s: %w", dir, err)
	}
	return nil
}
