package dotfiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The base store keeps the content hearth last wrote to (or captured from)
// each capturable target, named by its sha256, beside the state file.
// When home and source both changed, that content is the merge base that
// lets Capture merge the two instead of holding the target for a human.
// Only plain files are kept (never templates or encrypted files), 0600 in
// a 0700 directory: the same bytes home already holds.

func (r *records) baseDir() string { return r.path + ".bases" }

// capturable reports whether home edits of t can go back into the source.
func capturable(t *Target) bool {
	return t.Kind == KindFile && t.Entry != nil && !t.Entry.IsDir && t.Entry.File.Type == FileRegular &&
		!t.Entry.File.Template && !t.Entry.File.Encrypted && !t.external
}

// putBase stores content under its hash unless it is there already.
func (r *records) putBase(content []byte) error {
	dir := r.baseDir()
	p := filepath.Join(dir, hashBytes(content))
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("base store %s: %w", dir, err)
	}
	return writeUnsynced(p, content, 0o600, &r.unsynced)
}

// base returns the stored content with this hash, verified.
func (r *records) base(sum string) ([]byte, bool) {
	if sum == "" {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(r.baseDir(), sum))
	if err != nil || hashBytes(b) != sum {
		return nil, false
	}
	return b, true
}

// pruneBases removes stored bases no record refers to any more.
func (r *records) pruneBases() error {
	ents, err := os.ReadDir(r.baseDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("base store %s: %w", r.baseDir(), err)
	}
	used := map[string]bool{}
	for _, rec := range r.targets {
		used[rec.SHA256] = true
	}
	var errs []error
	for _, e := range ents {
		if !used[e.Name()] {
			if err := os.Remove(filepath.Join(r.baseDir(), e.Name())); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
