package trash

import (
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Purge deletes the entries with these ids for good. The trash is never
// emptied by itself: it grows with every item moved into it.
func (t Trash) Purge(ids ...string) ([]Entry, error) {
	var out []Entry
	for _, id := range ids {
		e, err := t.Find(id)
		if err != nil {
			return out, err
		}
		if e.ID != id {
			// Find also matches paths; purging takes ids only, so a typo
			// never deletes the newest item of some path.
			return out, &fs.PathError{Op: "purge", Path: id, Err: fs.ErrNotExist}
		}
		if err := removeEntry(t.entryDir(id)); err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// PurgeOlder deletes the entries trashed before now minus age.
func (t Trash) PurgeOlder(age time.Duration, now time.Time) ([]Entry, error) {
	all, err := t.List()
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, e := range all {
		if e.Time.Before(now.Add(-age)) {
			if err := removeEntry(t.entryDir(e.ID)); err != nil {
				return out, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// removeEntry deletes an entry dir, first making its directories writable
// (a trashed readonly_ directory would stop the removal otherwise). Only
// directories are changed, never through a link: WalkDir does not follow.
func removeEntry(dir string) error {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
