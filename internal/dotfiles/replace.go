package dotfiles

import (
	"io/fs"
	"os"
	"path/filepath"
)

// replaceable reports whether home's entry at target, of another kind
// than the source now wants, may be replaced: it is exactly what hearth
// last wrote there (a directory: all of its files and links), so nothing
// of the user's is lost, or apply runs with Force (what is replaced then
// goes into the trash first, keepUnwritten). A remote that turned a file
// into a directory, or back, would otherwise hold the target for good.
func (p *plan) replaceable(target string, a actual) bool {
	switch {
	case a.kind != KindFile && a.kind != KindSymlink && a.kind != KindDir:
		return false
	case p.st.opts.Force:
		return true
	case a.kind == KindDir:
		// A directory where hearth recorded a file is the user's change of
		// type; one that holds no file hearth wrote is not hearth's.
		if _, ok := p.recs.targets[target]; ok || !holdsAFile(p.abs(target)) {
			return false
		}
	}
	return p.wroteAll(target, a, p.recs.targets)
}

// holdsAFile reports whether anything but directories lies below dir.
func holdsAFile(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return err
	})
	return found
}

// clearReplacedDir removes the directory a file or link replaces (see
// replaceable), unless it went into the trash already. RemoveAll unlinks
// links inside, never what they point at.
func (p *plan) clearReplacedDir(c *Change, abs string, trashed bool) error {
	if trashed || c.act.kind != KindDir || c.Reason != ReasonReplacesDir && c.Reason != "forced" {
		return nil
	}
	if err := os.RemoveAll(abs); err != nil {
		return err
	}
	p.recs.unsynced.touched(abs)
	return nil
}
