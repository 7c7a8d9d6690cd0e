package nixsys

import (
	"fmt"
	"path/filepath"
	"strings"
)

// checkStorePath refuses anything that is not a top-level store path, so a
// profile or activation can never be pointed outside the store.
func (n *Nix) checkStorePath(p string) error {
	if p != filepath.Clean(p) || filepath.Dir(p) != n.storeDir || strings.HasPrefix(filepath.Base(p), ".") {
		return fmt.Errorf("%q is not a store path in %s", p, n.storeDir)
	}
	return nil
}

// StorePath resolves link (a profile, a generation link, /run/booted-system…)
// through every symlink to the top-level store path it names. Generations are
// identified by this path, never by their number.
func (n *Nix) StorePath(link string) (string, error) {
	resolved, err := filepath.EvalSymlinks(link)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", link, err)
	}
	store, err := filepath.EvalSymlinks(n.storeDir)
	if err != nil {
		return "", fmt.Errorf("resolve store dir %s: %w", n.storeDir, err)
	}
	rel, err := filepath.Rel(store, resolved)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("resolve %s: %s is not in the nix store %s", link, resolved, n.storeDir)
	}
	top, _, _ := strings.Cut(rel, string(filepath.Separator))
	return filepath.Join(n.storeDir, top), nil
}
