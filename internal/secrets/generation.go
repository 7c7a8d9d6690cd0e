package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/state"
	"golang.org/x/sys/unix"
)

// genDirMode lets owners reach their files by name while nobody else can
// list which secrets a host has.
const genDirMode = 0o751

// oldGenMode locks a generation that is no longer live: kept for the
// operator's rollback, but nobody else may read what it holds, since a
// secret's mode or owner may have been tightened (or the secret removed)
// since.
const oldGenMode = 0o700

// tmpPrefix marks a generation still being written (or left by a crash).
const tmpPrefix = ".tmp-"

// markerName marks a generations dir as hearth's. sops-nix makes the same
// shape (/run/secrets -> /run/secrets.d/N), so the shape alone does not say
// whose it is, and taking over another tool's root would drop its secrets.
const markerName = ".hearth-generations"

// layout is the on-disk shape: Root -> GenerationsDir/N.
type layout struct {
	root, gens string
}

// current returns the live generation's number, or 0 when Root does not
// exist. It refuses a Root that hearth did not make: a real file or
// directory, or a symlink to anything but a numbered generation in gens.
func (l layout) current() (int, error) {
	fi, err := os.Lstat(l.root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("secrets root %s: %w", l.root, err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return 0, fmt.Errorf("secrets root %s exists and is not a symlink made by hearth; refusing to replace it: %s", l.root, l.wayOut())
	}
	target, err := os.Readlink(l.root)
	if err != nil {
		return 0, fmt.Errorf("secrets root %s: %w", l.root, err)
	}
	abs := target
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(filepath.Dir(l.root), abs)
	}
	abs = filepath.Clean(abs)
	n, ok := genNumber(filepath.Base(abs))
	if filepath.Dir(abs) != l.gens || !ok {
		return 0, fmt.Errorf("secrets root %s is a symlink to %s, not to a generation in %s; refusing to replace it: %s", l.root, target, l.gens, l.wayOut())
	}
	if err := l.checkMarker(); err != nil {
		return 0, err
	}
	return n, nil
}

// wayOut tells the user how to let hearth install when the root is not its.
func (l layout) wayOut() string {
	return fmt.Sprintf("if another tool (e.g. sops-nix) manages it, set secrets.root to another path, "+
		"or move %s (and %s) away once every secret it holds is in hearth's config", l.root, l.gens)
}

// checkMarker refuses a generations dir without hearth's marker, unless it
// holds no generation at all (a crash right after creating it).
func (l layout) checkMarker() error {
	if _, err := os.Lstat(filepath.Join(l.gens, markerName)); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("secrets generations dir %s: %w", l.gens, err)
	}
	ns, err := l.generations()
	if err != nil {
		return err
	}
	if len(ns) > 0 {
		return fmt.Errorf("secrets generations dir %s was not made by hearth (no %s in it); refusing to take it over: %s; "+
			"if an earlier hearth made it, create the marker: touch %s",
			l.gens, markerName, l.wayOut(), filepath.Join(l.gens, markerName))
	}
	return nil
}

// writeMarker marks the generations dir as hearth's.
func (l layout) writeMarker() error {
	p := filepath.Join(l.gens, markerName)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return fmt.Errorf("secrets generations dir: marker: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("secrets generations dir: marker: %w", err)
	}
	return state.SyncDir(l.gens)
}

func genNumber(name string) (int, bool) {
	if name == "" || name[0] == '0' || strings.TrimLeft(name, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(name)
	return n, err == nil
}

func (l layout) genPath(n int) string { return filepath.Join(l.gens, strconv.Itoa(n)) }

// ensureGens creates the generations dir, or checks that an existing one is
// a real directory owned by us that nobody else can write into (else a
// local user could plant a generation).
func (l layout) ensureGens() error {
	if err := mkdirAllExact(filepath.Dir(l.gens), 0o755); err != nil {
		return fmt.Errorf("secrets generations dir: %w", err)
	}
	if err := mkdirExact(l.gens, genDirMode); err != nil {
		return fmt.Errorf("secrets generations dir: %w", err)
	}
	fi, err := os.Lstat(l.gens)
	if err != nil {
		return fmt.Errorf("secrets generations dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("secrets generations dir %s is not a directory (symlink or file); refusing", l.gens)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("secrets generations dir %s is writable by group or others (mode %#o); refusing", l.gens, uint32(fi.Mode().Perm()))
	}
	if uid, ok := fileUID(fi); ok && uid != os.Geteuid() {
		return fmt.Errorf("secrets generations dir %s is owned by uid %d, not by us; refusing", l.gens, uid)
	}
	// An earlier install under a restrictive umask left it 0700: owners
	// could not reach their secrets through it.
	if fi.Mode().Perm() != genDirMode {
		if err := os.Chmod(l.gens, genDirMode); err != nil {
			return fmt.Errorf("secrets generations dir: %w", err)
		}
	}
	if _, err := os.Lstat(filepath.Join(l.gens, markerName)); err == nil {
		return nil
	}
	if err := l.checkMarker(); err != nil {
		return err
	}
	return l.writeMarker()
}

// generations lists the numbered generations, oldest first.
func (l layout) generations() ([]int, error) {
	ents, err := os.ReadDir(l.gens)
	if err != nil {
		return nil, fmt.Errorf("secrets generations dir: %w", err)
	}
	var ns []int
	for _, e := range ents {
		if n, ok := genNumber(e.Name()); ok && e.IsDir() {
			ns = append(ns, n)
		}
	}
	sort.Ints(ns)
	return ns, nil
}

// publish makes a finished temp dir generation n: its files flushed, mode
// 0751, renamed into place, and the rename made durable.
func (l layout) publish(tmp string, n int) (string, error) {
	if err := os.Chmod(tmp, genDirMode); err != nil {
		return "", fmt.Errorf("secrets generation: %w", err)
	}
	if err := syncFS(tmp); err != nil {
		return "", err
	}
	dst := l.genPath(n)
	if err := os.Rename(tmp, dst); err != nil {
		return "", fmt.Errorf("secrets generation %s: %w", dst, err)
	}
	if err := state.SyncDir(l.gens); err != nil {
		return "", err
	}
	return dst, nil
}

// syncFS flushes the file system holding dir with one syncfs(2) instead of
// an fsync per secret: hundreds of fsyncs cost seconds on a disk, and on
// the usual tmpfs /run both are free.
func syncFS(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// switchTo points Root at generation dir gen with one rename, so a reader
// sees the old generation or the new one, never neither.
func (l layout) switchTo(gen string) error {
	dir := filepath.Dir(l.root)
	if err := mkdirAllExact(dir, 0o755); err != nil {
		return fmt.Errorf("secrets root: %w", err)
	}
	for i := 0; ; i++ {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d-%d", filepath.Base(l.root), os.Getpid(), i))
		err := os.Symlink(gen, tmp)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return fmt.Errorf("secrets root %s: %w", l.root, err)
		}
		if err := os.Rename(tmp, l.root); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("secrets root %s: switch: %w", l.root, err)
		}
		return state.SyncDir(dir)
	}
}

// lockOlder makes every generation but the live one oldGenMode, as prune
// leaves them; only a kill between switch and prune leaves one open, or
// one between publish's chmod and rename a temp one.
func (l layout) lockOlder(live int, log *slog.Logger) {
	if fi, err := os.Lstat(filepath.Join(l.gens, markerName)); err != nil || !fi.Mode().IsRegular() {
		return // not hearth's generations: none of its business
	}
	ns, err := l.generations()
	if err != nil {
		return // no generations dir yet, or one the install will refuse
	}
	for _, n := range ns {
		p := l.genPath(n)
		fi, err := os.Lstat(p)
		if n == live || err != nil || !fi.IsDir() || fi.Mode().Perm() == oldGenMode {
			continue
		}
		if err := lockGen(p); err != nil {
			log.Warn("could not lock an older secrets generation", "generation", p, "err", err)
			continue
		}
		log.Warn("locked an older secrets generation an interrupted install left open", "generation", p)
	}
	// A kill between publish's chmod and its rename leaves a temp
	// generation 0751; only the prune of a successful install removes it.
	ents, err := os.ReadDir(l.gens)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) || !e.IsDir() {
			continue
		}
		p := filepath.Join(l.gens, e.Name())
		if fi, err := os.Lstat(p); err != nil || fi.Mode().Perm() == oldGenMode {
			continue
		}
		if err := lockGen(p); err != nil {
			log.Warn("could not lock a secrets generation an interrupted install left", "generation", p, "err", err)
		}
	}
}

// prune removes leftovers of interrupted runs and all but the newest keep
// generations; the live one is never removed. The kept older ones are
// locked to oldGenMode.
func (l layout) prune(keep, live int) ([]string, error) {
	ents, err := os.ReadDir(l.gens)
	if err != nil {
		return nil, fmt.Errorf("secrets generations dir: %w", err)
	}
	var errs []error
	var removed []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			p := filepath.Join(l.gens, e.Name())
			if err := os.RemoveAll(p); err != nil {
				errs = append(errs, err)
				continue
			}
			removed = append(removed, p)
		}
	}
	ns, err := l.generations()
	if err != nil {
		return removed, err
	}
	for i, n := range ns {
		if n == live {
			continue
		}
		p := l.genPath(n)
		if i >= len(ns)-keep {
			if err := lockGen(p); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, p)
	}
	if len(errs) > 0 {
		return removed, fmt.Errorf("prune secrets generations: %w", errors.Join(errs...))
	}
	return removed, nil
}

// lockGen locks generation dir p and every directory in it to oldGenMode:
// a process of another user already standing in one of its subdirectories
// (its working directory) would otherwise keep reading the values there
// by name. Links are never followed; the generation is root's alone.
func lockGen(p string) error {
	if err := os.Chmod(p, oldGenMode); err != nil {
		return err
	}
	return filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if q == p || !d.IsDir() {
			return nil
		}
		return os.Chmod(q, oldGenMode)
	})
}
