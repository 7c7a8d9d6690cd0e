package dotfiles

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// actual is what is at a target path in home right now.
type actual struct {
	exists   bool
	kind     Kind // "" for other file types (sockets, devices)
	perm     fs.FileMode
	contents []byte
	sum      string
	link     string
}

// readActual inspects abs without following a final symlink. A file
// replaced between the look and the read (an editor saving by rename) is
// looked at once more.
func readActual(abs string) (actual, error) {
	a, err := inspect(abs)
	if errors.Is(err, safefile.ErrNotRegular) {
		a, err = inspect(abs)
	}
	return a, err
}

func inspect(abs string) (actual, error) {
	fi, err := os.Lstat(abs)
	// ENOTDIR: a parent is a file, so nothing can be at abs.
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return actual{}, nil
	}
	if err != nil {
		return actual{}, fmt.Errorf("inspect %s: %w", abs, err)
	}
	a := actual{exists: true, perm: fi.Mode().Perm()}
	switch {
	case fi.Mode().IsRegular():
		a.kind = KindFile
		st, _ := fi.Sys().(*syscall.Stat_t)
		if a.contents, err = readFast(abs, st); err != nil {
			return actual{}, fmt.Errorf("read %s: %w", abs, err)
		}
		a.sum = hashBytes(a.contents)
	case fi.Mode()&fs.ModeSymlink != 0:
		a.kind = KindSymlink
		if a.link, err = os.Readlink(abs); err != nil {
			return actual{}, fmt.Errorf("readlink %s: %w", abs, err)
		}
	case fi.IsDir():
		a.kind = KindDir
	}
	return a, nil
}

// matchesRecord reports whether home still holds what hearth last wrote.
func (a actual) matchesRecord(r record) bool {
	if !a.exists || a.kind != r.Kind {
		return false
	}
	switch a.kind {
	case KindFile:
		return a.sum == r.SHA256 && a.perm == r.Mode
	case KindSymlink:
		return a.link == r.Link
	}
	return true
}

// matchesTarget reports whether home already holds the desired state.
func (a actual) matchesTarget(t *Target) bool {
	if !a.exists || a.kind != t.Kind {
		return false
	}
	switch t.Kind {
	case KindFile:
		return a.perm == t.Perm && bytes.Equal(a.contents, t.Contents)
	case KindSymlink:
		return a.link == t.Link
	case KindDir:
		return a.perm == t.Perm
	}
	return false
}

// asRecord is the record describing what is at the target now.
func (a actual) asRecord(source string) record {
	return record{Kind: a.kind, SHA256: a.sum, Mode: a.perm, Link: a.link, Source: source}
}

// targetRecord is the record for a target once written.
func targetRecord(t *Target) record {
	switch t.Kind {
	case KindFile:
		return record{Kind: KindFile, SHA256: hashBytes(t.Contents), Mode: t.Perm, Source: t.Source}
	case KindSymlink:
		return record{Kind: KindSymlink, Link: t.Link, Source: t.Source}
	}
	return record{Kind: t.Kind, Source: t.Source}
}

// same reports whether two observations of a target agree.
func (a actual) same(b actual) bool {
	return a.exists == b.exists && a.kind == b.kind && a.perm == b.perm && a.sum == b.sum && a.link == b.link
}
