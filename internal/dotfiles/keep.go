package dotfiles

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/trash"
)

// keepUnwritten moves what home holds at c's target into the trash before
// c removes or overwrites it, unless it is exactly what hearth last wrote
// there (wrote: the records as they were before this run). So exact_
// unlinks only its own files, and apply --force never destroys a file
// that existed before hearth or was edited since. It returns the entry,
// or nil when nothing needed keeping.
func (p *plan) keepUnwritten(c *Change, now actual, wrote map[string]record) (*trash.Entry, error) {
	switch c.Action {
	case ActWrite, ActSymlink, ActRemove:
	case ActMkdir:
		if !now.exists || now.kind == KindDir {
			return nil, nil
		}
	default:
		return nil, nil
	}
	// A modify_ result was computed from what home holds: writing it
	// loses nothing the script did not see.
	if c.Action == ActWrite && c.t != nil && c.t.modify {
		return nil, nil
	}
	if !now.exists || c.Reason == ReasonTorn || p.wroteAll(c.Target, now, wrote) {
		return nil, nil
	}
	e, err := p.st.opts.trash().Move(p.st.opts.TargetDir, filepath.FromSlash(c.Target), trashReason(c))
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func trashReason(c *Change) string {
	what := "overwritten by hearth apply"
	if c.Action == ActRemove {
		what = "removed by hearth apply"
	}
	s := fmt.Sprintf("%s (source %s)", what, c.Source)
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

// wroteAll reports whether home's target is what hearth last wrote: a file
// or link matching its record, or a directory all of whose files and links
// do (a directory hearth created and filled, now dropped from exact_).
func (p *plan) wroteAll(target string, now actual, wrote map[string]record) bool {
	if now.kind != KindDir {
		rec, ok := wrote[target]
		return ok && now.matchesRecord(rec)
	}
	root := p.abs(target)
	all := true
	// WalkDir never follows a symlink; a link inside is judged as a link.
	err := filepath.WalkDir(root, func(abs string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, abs)
		// The record first: an unrecorded file is not read at all.
		rec, ok := wrote[path.Join(target, filepath.ToSlash(rel))]
		if ok {
			a, err := readActual(abs)
			if err != nil {
				return err
			}
			ok = a.matchesRecord(rec)
		}
		if !ok {
			all = false
			return filepath.SkipAll
		}
		return nil
	})
	return err == nil && all
}
