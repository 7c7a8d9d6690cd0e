package bootcount

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// DefaultESPCandidates are the mount points searched when boot.esp is unset.
var DefaultESPCandidates = []string{"/boot", "/efi", "/boot/efi"}

// ESP is an EFI system partition (or XBOOTLDR) mounted at Dir. Every access
// goes through an os.Root, so no link on it leads outside.
type ESP struct {
	Dir      string
	StoreDir string // for Entry.System; empty: /nix/store
}

// FindESP returns configured when set (it must hold loader/entries), or the
// first of candidates that does.
func FindESP(configured string, candidates []string) (string, error) {
	if configured != "" {
		if err := hasEntries(configured); err != nil {
			return "", fmt.Errorf("boot.esp %s: %w", configured, err)
		}
		return configured, nil
	}
	for _, c := range candidates {
		if hasEntries(c) == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("no ESP with %s found in %v (set boot.esp)", EntriesDir, candidates)
}

func hasEntries(dir string) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	fi, err := r.Lstat(EntriesDir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", EntriesDir)
	}
	return nil
}

func (e ESP) storeDir() string {
	if e.StoreDir == "" {
		return "/nix/store"
	}
	return e.StoreDir
}

func (e ESP) open() (*os.Root, error) {
	r, err := os.OpenRoot(e.Dir)
	if err != nil {
		return nil, fmt.Errorf("ESP %s: %w", e.Dir, err)
	}
	return r, nil
}

// Entries lists the entry files, in the loader's order (Sort). Files whose
// name is not a valid entry name, and anything but regular files, are
// skipped and returned as problems: one bad name never hides the rest.
func (e ESP) Entries() ([]Entry, []string, error) {
	r, err := e.open()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	d, err := r.Open(EntriesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("ESP %s: %w", e.Dir, err)
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("ESP %s: %s: %w", e.Dir, EntriesDir, err)
	}
	sort.Strings(names)
	var entries []Entry
	var problems []string
	for _, name := range names {
		if filepath.Ext(name) != ".conf" {
			continue
		}
		rel := EntriesDir + "/" + name
		ent, err := e.read(r, rel, name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", filepath.Join(e.Dir, rel), err))
			continue
		}
		entries = append(entries, ent)
	}
	Sort(entries)
	return entries, problems, nil
}

func (e ESP) read(r *os.Root, rel, name string) (Entry, error) {
	fi, err := r.Lstat(rel)
	if err != nil {
		return Entry{}, err
	}
	if !fi.Mode().IsRegular() {
		return Entry{}, errors.New("not a regular file (links are not followed)")
	}
	id, counted, left, done, err := ParseName(name)
	if err != nil {
		return Entry{}, err
	}
	ent := Entry{File: name, ID: id, Counted: counted, TriesLeft: left, TriesDone: done}
	if fi.Size() > 64<<10 {
		return Entry{}, fmt.Errorf("entry of %d bytes is too large", fi.Size())
	}
	data, err := r.ReadFile(rel)
	if err != nil {
		return Entry{}, err
	}
	ent.parseBody(data, e.storeDir())
	return ent, nil
}

// Lookup finds the entry with id.
func (e ESP) Lookup(id string) (Entry, error) {
	entries, _, err := e.Entries()
	if err != nil {
		return Entry{}, err
	}
	var found []Entry
	for _, ent := range entries {
		if ent.ID == id {
			found = append(found, ent)
		}
	}
	switch len(found) {
	case 0:
		return Entry{}, fmt.Errorf("ESP %s: boot entry %s: %w", e.Dir, id, fs.ErrNotExist)
	case 1:
		return found[0], nil
	}
	// Two files for one id: a rename interrupted on a file system whose
	// rename is not atomic. The counted one is the one being assessed.
	for _, f := range found {
		if f.Counted {
			return f, nil
		}
	}
	return found[0], nil
}

// BySystem returns the entries that boot storePath, in the loader's order.
func BySystem(entries []Entry, storePath string) []Entry {
	var out []Entry
	for _, e := range entries {
		if e.System == storePath {
			out = append(out, e)
		}
	}
	return out
}
