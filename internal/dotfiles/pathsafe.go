package dotfiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// errEscapes is wrapped by every refusal to touch a path outside its root.
var errEscapes = errors.New("escapes its root directory")

// within joins rel under root and refuses results outside root.
func within(root, rel string) (string, error) {
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("%q: absolute path %w", rel, errEscapes)
	}
	p := filepath.Join(root, rel)
	if !isWithin(root, p) {
		return "", fmt.Errorf("%q %w", rel, errEscapes)
	}
	return p, nil
}

// inWorkTree resolves a template's relative path name against the source
// root: like chezmoi it may leave the root (.chezmoiroot) for a file
// elsewhere in the repository ("../shared/a"), but never the work tree.
func inWorkTree(work, root, name string) (string, error) {
	if filepath.IsAbs(name) {
		return "", fmt.Errorf("%q: absolute path %w", name, errEscapes)
	}
	p := filepath.Join(root, filepath.FromSlash(name))
	if !isWithin(work, p) {
		return "", fmt.Errorf("%q leaves the source work tree: %w", name, errEscapes)
	}
	return p, nil
}

// isWithin reports whether p is root or below it (lexically).
func isWithin(root, p string) bool {
	r, err := filepath.Rel(root, p)
	if err != nil {
		return false
	}
	return r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator))
}

// validTargetName rejects names that would step outside the parent
// directory once the attributes are stripped (dot_. becomes "..").
func validTargetName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") {
		return fmt.Errorf("target name %q %w", name, errEscapes)
	}
	return nil
}

// checkNoEscape refuses to write below a path whose parent directories,
// resolved through symlinks, leave the target root: hearth never writes
// through a symlink that points outside home.
func checkNoEscape(root, abs string) error {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("resolve target dir %s: %w", root, err)
	}
	return checkBeneath(root, realRoot, abs)
}

// checkBeneath is checkNoEscape with root already resolved (realRoot): an
// apply resolves it once, not once per file.
func checkBeneath(root, realRoot, abs string) error {
	parent := filepath.Dir(abs)
	real, err := filepath.EvalSymlinks(parent)
	if errors.Is(err, os.ErrNotExist) {
		// Resolve the longest existing ancestor instead; what is missing
		// will be created as real directories.
		for p := parent; p != root && isWithin(root, p); p = filepath.Dir(p) {
			if r, err2 := filepath.EvalSymlinks(p); err2 == nil {
				real, err = r, nil
				break
			}
		}
		if err != nil {
			real, err = realRoot, nil
		}
	}
	if err != nil {
		return fmt.Errorf("resolve %s: %w", parent, err)
	}
	if !isWithin(realRoot, real) {
		return fmt.Errorf("%s: parent resolves to %s, which %w", abs, real, errEscapes)
	}
	return nil
}

func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}
