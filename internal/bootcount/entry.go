// Package bootcount is the boot loader's view of a generation: Boot Loader
// Spec entries on the ESP whose file names carry a tries counter
// (systemd-boot's automatic boot assessment, `<id>+LEFT[-DONE].conf`), the
// loader's EFI variables that say which entry booted, and GRUB's grubenv
// counter. It renames entries (count, bless, mark bad) durably and never
// follows a link out of the ESP.
package bootcount

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// EntriesDir is where type #1 entries live, relative to the ESP.
const EntriesDir = "loader/entries"

// Entry is one boot entry file.
type Entry struct {
	File      string `json:"file"` // file name in loader/entries
	ID        string `json:"id"`   // file name without counter and .conf
	Counted   bool   `json:"counted"`
	TriesLeft int    `json:"tries_left"` // meaningful when Counted
	TriesDone int    `json:"tries_done"`
	Title     string `json:"title,omitempty"`
	Version   string `json:"version,omitempty"`
	SortKey   string `json:"sort_key,omitempty"`
	// System is the NixOS system store path the entry boots (the directory of
	// its init= parameter); empty when it names none.
	System string `json:"system,omitempty"`
}

// Bad reports whether the loader treats the entry as bad: counted, no tries left.
func (e Entry) Bad() bool { return e.Counted && e.TriesLeft == 0 }

// State is a word for reports: "blessed" (no counter), "counting", "bad".
func (e Entry) State() string {
	switch {
	case !e.Counted:
		return "blessed"
	case e.TriesLeft == 0:
		return "bad"
	}
	return "counting"
}

// ParseName splits an entry file name into id and counter. It refuses names
// that are not plain entry names (no path, no leading dot, a small safe
// alphabet), so a crafted name can never steer a rename.
func ParseName(file string) (id string, counted bool, left, done int, err error) {
	base, ok := strings.CutSuffix(file, ".conf")
	if !ok {
		return "", false, 0, 0, fmt.Errorf("boot entry %q: not a .conf file", file)
	}
	id = base
	if i := strings.LastIndexByte(base, '+'); i >= 0 {
		id = base[:i]
		counter := base[i+1:]
		l, d, hasDone := strings.Cut(counter, "-")
		if left, err = parseCount(l); err != nil {
			return "", false, 0, 0, fmt.Errorf("boot entry %q: tries left: %w", file, err)
		}
		if hasDone {
			if done, err = parseCount(d); err != nil {
				return "", false, 0, 0, fmt.Errorf("boot entry %q: tries done: %w", file, err)
			}
		}
		counted = true
	}
	if err := ValidID(id); err != nil {
		return "", false, 0, 0, fmt.Errorf("boot entry %q: %w", file, err)
	}
	return id, counted, left, done, nil
}

func parseCount(s string) (int, error) {
	if s == "" || len(s) > 4 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a small decimal number", s)
	}
	return strconv.Atoi(s)
}

// ValidID refuses entry ids hearth will not rename: empty, dotted, with a
// path separator, a counter sign or characters outside [A-Za-z0-9._@-].
func ValidID(id string) error {
	if id == "" || id[0] == '.' || len(id) > 200 {
		return fmt.Errorf("invalid entry id %q", id)
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-', c == '@':
		default:
			return fmt.Errorf("invalid entry id %q: character %q", id, c)
		}
	}
	return nil
}

// FileName is the entry file name for id with the given counter; a negative
// left means no counter.
func FileName(id string, left, done int) string {
	switch {
	case left < 0:
		return id + ".conf"
	case done > 0:
		return fmt.Sprintf("%s+%d-%d.conf", id, left, done)
	}
	return fmt.Sprintf("%s+%d.conf", id, left)
}

// parseBody reads the keys hearth reports from an entry's content.
func (e *Entry) parseBody(data []byte, storeDir string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, _ := strings.Cut(line, " ")
		val = strings.TrimSpace(val)
		switch key {
		case "title":
			e.Title = val
		case "version":
			e.Version = val
		case "sort-key":
			e.SortKey = val
		case "options":
			for _, o := range strings.Fields(val) {
				if p, ok := strings.CutPrefix(o, "init="); ok {
					if dir := path.Dir(p); path.Dir(dir) == storeDir {
						e.System = dir
					}
				}
			}
		}
	}
}
