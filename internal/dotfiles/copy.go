package dotfiles

import (
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"io"
	"os"
	"path/filepath"
)

// copyFromSource writes the plain file target t at abs by streaming its
// source through a temporary file renamed over abs, and stores the merge
// base the same way when t is capturable and the base store lacks it: a
// 200 MB dotfile costs a 64 KiB buffer, not 200 MB, and is read once.
// What was read must hash to what the plan hashed; a source changed
// since is not written (errChanged), and nothing is renamed.
func (p *plan) copyFromSource(abs string, t *Target) error {
	b := &p.recs.unsynced
	out, err := os.CreateTemp(filepath.Dir(abs), "."+safefile.TempBase(filepath.Base(abs))+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", abs, err)
	}
	temps := []*os.File{out}
	defer func() {
		for _, f := range temps {
			f.Close()
			_ = os.Remove(f.Name()) // gone once renamed
		}
	}()
	var w io.Writer = out
	basePath := ""
	if capturable(t) {
		if basePath = filepath.Join(p.recs.baseDir(), t.hash); fileExists(basePath) {
			basePath = ""
		} else {
			if err := os.MkdirAll(p.recs.baseDir(), 0o700); err != nil {
				return fmt.Errorf("base store %s: %w", p.recs.baseDir(), err)
			}
			bf, err := os.CreateTemp(p.recs.baseDir(), "."+t.hash+".tmp-*")
			if err != nil {
				return fmt.Errorf("base store: %w", err)
			}
			temps = append(temps, bf)
			w = io.MultiWriter(out, bf)
		}
	}
	sum, _, err := p.st.work.CopyTo(t.Entry.contentPath(), w, p.st.opts.maxFileSize())
	if err != nil {
		return fmt.Errorf("read source %s: %w", t.Source, err)
	}
	if sum != t.hash {
		return fmt.Errorf("read source %s: %w", t.Source, errChanged)
	}
	if err := out.Chmod(t.Perm); err != nil {
		return fmt.Errorf("write %s: %w", abs, err)
	}
	for _, f := range temps {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	if err := os.Rename(out.Name(), abs); err != nil {
		return fmt.Errorf("write %s: %w", abs, err)
	}
	b.touched(abs)
	if basePath != "" {
		// The base is an aid to merging: a failure to keep it costs a
		// later merge, not this write.
		if err := os.Rename(temps[1].Name(), basePath); err != nil && !errors.Is(err, os.ErrExist) {
			p.st.opts.logger().Warn("dotfiles: could not store a merge base", "target", t.Path, "err", err)
		} else {
			b.touched(basePath)
		}
	}
	return nil
}
