package dotfiles

import (
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Apply writes every file (a temporary file renamed over the target) with
// no fsync, then makes the whole batch durable at once: one syncfs(2) per
// filesystem touched (home, and the state dir's base store), before the
// records are saved. An fsync per file made a first apply of 10,000 small
// files take minutes.
//
// A power cut before that sync may leave a renamed file empty or full of
// zeros (delayed allocation: ext4 flushes data before a rename over an
// existing file, not for a new one). The records still describe the old
// content then, so such a file would look like a home edit, and a capture
// would commit the emptied file over the source on every host. So before
// its first write Apply durably lists the files it is about to write (the
// pending file, see pending.go); a listed file found empty or all zeros
// is taken as torn and written again instead of captured.

// durability is the sync primitive; tests substitute a counter.
type durability interface {
	// syncFS flushes the whole filesystem holding dir.
	syncFS(dir string) error
	// fsync flushes one file or directory.
	fsync(path string) error
}

type osDurability struct{}

func (osDurability) syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}

func (osDurability) fsync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// fewPaths is the size of a batch that is synced path by path.
const fewPaths = 16

// manyPaths is how many paths a batch lists for fsync one by one; past it
// the list is dropped (a first apply of 50,000 files held 50,000 paths)
// and a failed syncfs falls back to sync(2).
const manyPaths = 1024

// batch collects paths written without fsync.
type batch struct {
	paths []string          // written files and changed directories
	dirs  map[string]bool   // directories seen
	devs  map[uint64]string // one directory per filesystem
	// overflow: more than manyPaths were touched; paths is no longer kept.
	overflow bool
}

// touched notes a written file, link or directory entry at path.
func (b *batch) touched(path string) {
	b.list(path)
	dir := filepath.Dir(path)
	if b.dirs[dir] {
		return
	}
	if b.dirs == nil {
		b.dirs, b.devs = map[string]bool{}, map[uint64]string{}
	}
	b.dirs[dir] = true
	b.list(dir)
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err == nil {
		if _, ok := b.devs[uint64(st.Dev)]; !ok {
			b.devs[uint64(st.Dev)] = dir
		}
	}
}

func (b *batch) list(path string) {
	switch {
	case b.overflow:
	case len(b.paths) >= manyPaths:
		b.paths, b.overflow = nil, true
	default:
		b.paths = append(b.paths, path)
	}
}

// flush makes every touched path durable: syncfs per filesystem, or for a
// small batch, or where syncfs fails, an fsync of every touched file and
// directory.
func (b *batch) flush(d durability) error {
	if len(b.paths) == 0 && !b.overflow {
		return nil
	}
	if d == nil {
		d = osDurability{}
	}
	// A few paths are cheaper to fsync one by one than a whole filesystem
	// that may hold other programs' unwritten data.
	oneByOne := (!b.overflow && len(b.paths) <= fewPaths) || len(b.devs) == 0
	for _, dir := range b.devs {
		if oneByOne {
			break
		}
		if err := d.syncFS(dir); err != nil {
			oneByOne = true
		}
	}
	if oneByOne && b.overflow {
		// Too many paths to have kept: flush every filesystem.
		unix.Sync()
	} else if oneByOne {
		var errs []error
		for _, p := range b.paths {
			if err := d.fsync(p); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, fmt.Errorf("fsync %s: %w", p, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
	}
	*b = batch{}
	return nil
}

// writeUnsynced replaces path with data through a temporary file renamed
// over it, like state.WriteFileAtomic but leaving durability to the batch.
// The temporary name is the one sweep.go recognises.
func writeUnsynced(path string, data []byte, perm os.FileMode, b *batch) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+safefile.TempBase(filepath.Base(path))+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	cerr := tmp.Chmod(perm)
	if err := errors.Join(werr, cerr, tmp.Close()); err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	b.touched(path)
	return nil
}
