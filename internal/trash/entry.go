package trash

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Dir is the trash directory inside a state dir.
func Dir(stateDir string) string { return filepath.Join(stateDir, "trash") }

// Trash is a trash directory.
type Trash struct{ Dir string }

// Entry describes one trashed item.
type Entry struct {
	ID     string    `json:"id"`
	Root   string    `json:"root"` // the directory Path is relative to (home)
	Path   string    `json:"path"` // slash path relative to Root
	Time   time.Time `json:"time"`
	Reason string    `json:"reason"`
	Kind   string    `json:"kind"` // file, dir, symlink or other
	Mode   string    `json:"mode"` // permission bits, octal
	Bytes  int64     `json:"bytes"`
	// Incomplete: the move into the trash was interrupted before the item
	// arrived; the original was never removed, so nothing is missing.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Original is the absolute path the item came from.
func (e Entry) Original() string { return filepath.Join(e.Root, filepath.FromSlash(e.Path)) }

const (
	metaName = "meta.json"
	itemName = "item"
)

func (t Trash) entryDir(id string) string { return filepath.Join(t.Dir, id) }

// List returns every entry, oldest first. A missing trash is empty.
// Directories without a readable meta.json (a move killed before it wrote
// one) are skipped: they never hold an item.
func (t Trash) List() ([]Entry, error) {
	ents, err := os.ReadDir(t.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return []Entry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("trash %s: %w", t.Dir, err)
	}
	out := []Entry{}
	for _, d := range ents {
		if !d.IsDir() {
			continue
		}
		e, err := t.read(d.Name())
		if err != nil {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (t Trash) read(id string) (Entry, error) {
	var e Entry
	b, err := os.ReadFile(filepath.Join(t.entryDir(id), metaName))
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("trash entry %s: %w", id, err)
	}
	if e.ID != id {
		return e, fmt.Errorf("trash entry %s: meta.json names %q", id, e.ID)
	}
	if _, err := os.Lstat(filepath.Join(t.entryDir(id), itemName)); err != nil {
		e.Incomplete = true
	}
	return e, nil
}

// Find returns the entry with this id or, failing that, the newest complete
// entry whose original path is p (absolute, or relative to its root).
func (t Trash) Find(p string) (Entry, error) {
	all, err := t.List()
	if err != nil {
		return Entry{}, err
	}
	for _, e := range all {
		if e.ID == p {
			return e, nil
		}
	}
	clean := filepath.Clean(p)
	for i := len(all) - 1; i >= 0; i-- {
		e := all[i]
		if !e.Incomplete && (e.Original() == clean || e.Path == filepath.ToSlash(clean)) {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("%w: no trash entry has the id or original path %q (see hearth trash list)", os.ErrNotExist, p)
}

// Summary counts the entries and their bytes, for status.
func (t Trash) Summary() (count int, bytes int64, err error) {
	all, err := t.List()
	for _, e := range all {
		if !e.Incomplete {
			count++
			bytes += e.Bytes
		}
	}
	return count, bytes, err
}
