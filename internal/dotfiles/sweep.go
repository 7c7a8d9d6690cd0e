package dotfiles

import (
	"errors"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"os"
	"path/filepath"
	"strings"
)

// A write is a temporary file renamed over its target (state.WriteFileAtomic
// names it ".<name>.tmp-<digits>" beside the target, <name> shortened by
// safefile.TempBase when long). A run killed between
// the two leaves the temporary file behind, in home or in the source, where
// it would show up as a stray dotfile (and, in the source, be committed).
// So a run that is about to write marks it in a file beside the state file,
// and removes the mark when its records are saved; the next plan that finds
// the mark sweeps such leftovers next to every target and source file. Runs
// hold the sync lock, so no other hearth write is in flight.

func (p *plan) writingMark() string { return p.st.opts.StatePath + ".writing" }

// beginWrites sets the mark before the first write of a run.
func (p *plan) beginWrites() error {
	if err := os.MkdirAll(filepath.Dir(p.writingMark()), 0o700); err != nil {
		return err
	}
	return os.WriteFile(p.writingMark(), nil, 0o600)
}

// endWrites clears the mark once the records describe every write.
func (p *plan) endWrites() {
	_ = os.Remove(p.writingMark())
}

// sweepIfInterrupted removes leftover temporary files when the last run
// was interrupted while writing. Only runs that write call it (under the
// sync lock); diff and status never remove anything.
func (p *plan) sweepIfInterrupted() {
	if removed := p.sweep(); len(removed) > 0 {
		p.st.opts.logger().Warn("dotfiles: removed temporary files an interrupted run left", "files", removed)
	}
}

func (p *plan) sweep() []string {
	if _, err := os.Stat(p.writingMark()); err != nil {
		return nil
	}
	dirs := map[string]map[string]bool{} // dir -> base names written there
	add := func(abs string) {
		d, b := filepath.Split(abs)
		if dirs[d] == nil {
			dirs[d] = map[string]bool{}
		}
		// Temps are named from TempBase (a long name shortened), or
		// from the whole name by an older hearth.
		dirs[d][b] = true
		dirs[d][safefile.TempBase(b)] = true
	}
	for _, t := range p.targets {
		add(p.abs(t.Path))
		if t.Source != "" {
			add(filepath.Join(p.st.opts.SourceDir, filepath.FromSlash(t.Source)))
		}
	}
	for name := range p.recs.targets {
		add(p.abs(name))
	}
	var removed []string
	for d, names := range dirs {
		entries, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if base, ok := tempOf(e.Name()); ok && names[base] && e.Type().IsRegular() {
				if err := os.Remove(filepath.Join(d, e.Name())); err == nil || errors.Is(err, os.ErrNotExist) {
					removed = append(removed, filepath.Join(d, e.Name()))
				}
			}
		}
	}
	p.endWrites()
	return removed
}

// tempOf returns the name whose temporary file name is, if it is one.
func tempOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	i := strings.LastIndex(rest, ".tmp-")
	if i <= 0 {
		return "", false
	}
	digits := rest[i+len(".tmp-"):]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return rest[:i], true
}
