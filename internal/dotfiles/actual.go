package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"syscall"
	"time"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// actual is what is at a target path in home right now.
type actual struct {
	exists bool
	kind   Kind // "" for other file types (sockets, devices)
	perm   fs.FileMode
	size   int64
	sum    string // of a file up to the size limit
	link   string
	mtime  time.Time // when home's file was last modified
	// contents of a file, read only when needed (load): a capture, a
	// merge or a diff. Planning compares by size and hash, streamed.
	contents []byte
	loaded   bool
}

// readActual inspects abs without following a final symlink. A file
// replaced between the look and the read (an editor saving by rename) is
// looked at once more.
func readActual(abs string) (actual, error) { return readActualLimit(abs, math.MaxInt64) }

// readActualLimit is readActual that does not hash a file over limit
// bytes (it is held; its sum stays empty).
func readActualLimit(abs string, limit int64) (actual, error) {
	a, err := inspect(abs, limit)
	if errors.Is(err, safefile.ErrNotRegular) {
		a, err = inspect(abs, limit)
	}
	return a, err
}

// load reads the contents of the file a describes, checking that they
// are still what was hashed.
func (a *actual) load(abs string, limit int64) error {
	if a.loaded || a.kind != KindFile {
		return nil
	}
	b, err := readFast(abs, limit)
	if err != nil {
		return fmt.Errorf("read %s: %w", abs, err)
	}
	if hashBytes(b) != a.sum {
		return fmt.Errorf("read %s: %w", abs, errChanged)
	}
	a.contents, a.loaded = b, true
	return nil
}

var errChanged = errors.New("changed while being read")

func inspect(abs string, limit int64) (actual, error) {
	fi, err := os.Lstat(abs)
	// ENOTDIR: a parent is a file, so nothing can be at abs.
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return actual{}, nil
	}
	if err != nil {
		return actual{}, fmt.Errorf("inspect %s: %w", abs, err)
	}
	a := actual{exists: true, perm: fi.Mode().Perm(), mtime: fi.ModTime()}
	switch {
	case fi.Mode().IsRegular():
		a.kind = KindFile
		a.size = fi.Size()
		if a.size > limit {
			break
		}
		st, _ := fi.Sys().(*syscall.Stat_t)
		if a.sum, a.size, err = safefile.Hash(abs, st); err != nil {
			return actual{}, fmt.Errorf("read %s: %w", abs, err)
		}
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
		return a.perm == t.Perm && a.size == t.size && a.sum == t.sum()
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
		return record{Kind: KindFile, SHA256: t.sum(), Mode: t.Perm, Source: t.Source}
	case KindSymlink:
		return record{Kind: KindSymlink, Link: t.Link, Source: t.Source}
	}
	return record{Kind: t.Kind, Source: t.Source}
}

// same reports whether two observations of a target agree.
func (a actual) same(b actual) bool {
	return a.exists == b.exists && a.kind == b.kind && a.perm == b.perm && a.size == b.size && a.sum == b.sum && a.link == b.link
}
