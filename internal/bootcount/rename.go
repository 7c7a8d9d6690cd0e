package bootcount

import (
	"errors"
	"fmt"
	"os"
)

// Count gives the entry id a tries counter of n (1 to 999) unless it has
// one already: a counted entry is being assessed and keeps its tries, a bad
// one stays bad. It returns the entry as it is now.
func (e ESP) Count(id string, n int) (Entry, error) {
	if n < 1 || n > 999 {
		return Entry{}, fmt.Errorf("boot entry %s: tries %d out of range 1..999", id, n)
	}
	ent, err := e.Lookup(id)
	if err != nil {
		return Entry{}, err
	}
	if ent.Counted {
		return ent, nil
	}
	return e.rename(ent, n, 0)
}

// Bless drops the counter: the loader boots the entry like any other from
// now on. An uncounted entry is left alone.
func (e ESP) Bless(id string) (Entry, error) {
	ent, err := e.Lookup(id)
	if err != nil {
		return Entry{}, err
	}
	if !ent.Counted {
		return ent, nil
	}
	return e.rename(ent, -1, 0)
}

// MarkBad sets the tries left to 0, keeping the tries done, so the loader
// sorts the entry last and never picks it by itself again, without spending
// another boot on it. An entry already bad is left alone.
func (e ESP) MarkBad(id string) (Entry, error) {
	ent, err := e.Lookup(id)
	if err != nil {
		return Entry{}, err
	}
	if ent.Bad() {
		return ent, nil
	}
	return e.rename(ent, 0, ent.TriesDone)
}

// rename moves ent to its name with the new counter in one rename(2), so a
// crash leaves either name, each a valid entry; the file and then the
// directory are synced so the new name survives a power cut (vfat included).
func (e ESP) rename(ent Entry, left, done int) (Entry, error) {
	r, err := e.open()
	if err != nil {
		return Entry{}, err
	}
	defer r.Close()
	from := EntriesDir + "/" + ent.File
	to := FileName(ent.ID, left, done)
	if err := syncPath(r, from); err != nil {
		return Entry{}, fmt.Errorf("ESP %s: sync %s: %w", e.Dir, from, err)
	}
	if _, err := r.Lstat(EntriesDir + "/" + to); err == nil {
		return Entry{}, fmt.Errorf("ESP %s: cannot rename %s: %s exists", e.Dir, ent.File, to)
	} else if !errors.Is(err, os.ErrNotExist) {
		return Entry{}, fmt.Errorf("ESP %s: %w", e.Dir, err)
	}
	if err := r.Rename(from, EntriesDir+"/"+to); err != nil {
		return Entry{}, fmt.Errorf("ESP %s: rename %s to %s: %w", e.Dir, ent.File, to, err)
	}
	if err := syncPath(r, EntriesDir); err != nil {
		return Entry{}, fmt.Errorf("ESP %s: sync %s: %w", e.Dir, EntriesDir, err)
	}
	ent.File, ent.Counted, ent.TriesLeft, ent.TriesDone = to, left >= 0, max(left, 0), done
	return ent, nil
}

func syncPath(r *os.Root, rel string) error {
	f, err := r.Open(rel)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
