package chezmoicompat

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is what the comparison looks at for one path under a home.
type Entry struct {
	Type    string // file, dir, symlink or other
	Perm    fs.FileMode
	Content []byte // files only
	Link    string // symlinks only
}

// Tree maps slash paths relative to the home to their entries.
type Tree map[string]Entry

// Snapshot reads every entry below root without following links. Paths
// for which skip returns true (and, for dirs, their subtrees) are left out.
func Snapshot(root string, skip func(rel string) bool) (Tree, error) {
	t := Tree{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel := filepath.ToSlash(p[len(root)+1:])
		if skip != nil && skip(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := Entry{Perm: info.Mode().Perm()}
		switch {
		case info.Mode().IsRegular():
			e.Type = "file"
			if e.Content, err = os.ReadFile(p); err != nil {
				return err
			}
		case info.IsDir():
			e.Type = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			// A link's own permission bits mean nothing on Linux.
			e.Type, e.Perm = "symlink", 0
			if e.Link, err = os.Readlink(p); err != nil {
				return err
			}
		default:
			e.Type = "other"
		}
		t[rel] = e
		return nil
	})
	return t, err
}

// Difference is one path whose entries differ between two trees.
type Difference struct {
	Path string
	What string // e.g. "only in chezmoi", "content", "perm 0600 vs 0644"
}

// Compare lists, sorted by path, how hearth's tree differs from chezmoi's,
// and the number of distinct paths in both.
func Compare(chezmoi, hearth Tree) (diffs []Difference, entries int) {
	paths := map[string]bool{}
	for p := range chezmoi {
		paths[p] = true
	}
	for p := range hearth {
		paths[p] = true
	}
	for p := range paths {
		c, inC := chezmoi[p]
		h, inH := hearth[p]
		var what []string
		switch {
		case !inH:
			what = append(what, "only in chezmoi ("+c.Type+")")
		case !inC:
			what = append(what, "only in hearth ("+h.Type+")")
		case c.Type != h.Type:
			what = append(what, "type "+c.Type+" vs "+h.Type)
		default:
			if c.Perm != h.Perm {
				what = append(what, fmt.Sprintf("perm %04o vs %04o", c.Perm, h.Perm))
			}
			if !bytes.Equal(c.Content, h.Content) {
				what = append(what, fmt.Sprintf("content %q vs %q", clip(c.Content), clip(h.Content)))
			}
			if c.Link != h.Link {
				what = append(what, fmt.Sprintf("link %q vs %q", c.Link, h.Link))
			}
		}
		if len(what) > 0 {
			diffs = append(diffs, Difference{Path: p, What: strings.Join(what, ", ")})
		}
	}
	sort.Slice(diffs, func(i, j int) bool { return diffs[i].Path < diffs[j].Path })
	return diffs, len(paths)
}

// clip shortens content for a failure message.
func clip(b []byte) string {
	const max = 60
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
