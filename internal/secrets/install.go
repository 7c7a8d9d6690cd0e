package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// planned is one secret ready to be written.
type planned struct {
	spec  Spec
	value []byte
	own   ownership
}

// installed is what a generation holds for one name.
type installed struct {
	value    []byte
	mode     os.FileMode
	uid, gid int
}

// Install decrypts every configured secret and makes them live as a new
// generation under opts.Root. On any error before the switch nothing
// changes. A run where every secret, owner and mode is as already installed
// keeps the live generation. With no secret configured it changes nothing
// unless opts.AllowEmpty: a host migrating from another tool, or a config
// that lost its secrets by mistake, must not lose every installed secret.
// The caller holds the secrets lock.
func Install(ctx context.Context, opts Options) (Report, error) {
	o := opts.withDefaults()
	o.Secrets = slices.Clone(o.Secrets)
	if err := validate(&o); err != nil {
		return Report{}, err
	}
	if len(o.Secrets) == 0 && !o.AllowEmpty {
		rep := Report{NothingConfigured: true}
		// Only to say what is left in place; a root that is not hearth's
		// is none of its business here.
		if st, err := Installed(opts); err == nil {
			rep.Generation, rep.Unchanged = st.Generation, st.Secrets
		}
		o.Logger.Info("no secrets configured; nothing installed or removed", "generation", rep.Generation, "left", len(rep.Unchanged))
		return rep, nil
	}
	l := layout{root: o.Root, gens: o.GenerationsDir}
	if err := l.checkParents(); err != nil {
		return Report{}, err
	}
	cur, err := l.current()
	if err != nil {
		return Report{}, err
	}
	// A run killed between its switch and its prune left the generation
	// it replaced open (0751); lock it before anything here can fail.
	l.lockOlder(cur, o.Logger)
	uses, err := groupByFile(o.Secrets)
	if err != nil {
		return Report{}, err
	}
	plan := make([]planned, len(o.Secrets))
	for i, s := range o.Secrets {
		own, err := resolveOwner(o.Owners, s)
		if err != nil {
			return Report{}, err
		}
		plan[i] = planned{spec: s, own: own}
	}
	values := map[string][]byte{}
	if len(uses) > 0 { // with no secrets left, removing them needs no key
		ids, err := loadIdentities(o)
		if err != nil {
			return Report{}, err
		}
		if values, err = decryptAll(ctx, o.Decrypter, uses, ids); err != nil {
			return Report{}, err
		}
	}
	for i := range plan {
		plan[i].value = values[plan[i].spec.Name]
	}
	if err := l.ensureGens(); err != nil {
		return Report{}, err
	}
	var prev map[string]installed
	if cur != 0 {
		if prev, err = readGeneration(l.genPath(cur)); err != nil {
			return Report{}, err
		}
	}
	rep := diff(plan, prev)
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}

	live := cur
	if prev == nil || len(rep.Added)+len(rep.Changed)+len(rep.Removed) > 0 {
		if live, err = l.install(plan, o.Owners); err != nil {
			return Report{}, err
		}
		rep.Switched = true
	}
	rep.Generation = l.genPath(live)
	o.Logger.Info("secrets installed", "generation", rep.Generation, "switched", rep.Switched,
		"added", rep.Added, "changed", rep.Changed, "removed", rep.Removed, "unchanged", len(rep.Unchanged))

	var errs []error
	if rep.Pruned, err = l.prune(o.Keep, live); err != nil {
		errs = append(errs, err)
	}
	for _, unit := range unitsToRestart(plan, rep) {
		if err := o.Restarter.Restart(ctx, unit); err != nil {
			o.Logger.Warn("restart after secrets change failed", "unit", unit, "err", err)
			errs = append(errs, fmt.Errorf("restart %s: %w", unit, err))
			continue
		}
		rep.Restarted = append(rep.Restarted, unit)
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("secrets installed as %s, but: %w", rep.Generation, errors.Join(errs...))
	}
	return rep, nil
}

// install writes plan into a private temp dir, publishes it as the next
// generation and switches Root to it.
func (l layout) install(plan []planned, owners Owners) (int, error) {
	tmp, err := os.MkdirTemp(l.gens, tmpPrefix)
	if err != nil {
		return 0, fmt.Errorf("secrets generation: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	for _, p := range plan {
		if err := writeSecret(tmp, p, owners); err != nil {
			return 0, err
		}
	}
	ns, err := l.generations()
	if err != nil {
		return 0, err
	}
	next := 1
	if len(ns) > 0 {
		next = ns[len(ns)-1] + 1
	}
	gen, err := l.publish(tmp, next)
	if err != nil {
		return 0, err
	}
	ok = true
	if err := l.switchTo(gen); err != nil {
		// The new generation is complete but not live; the next prune
		// removes it if it stays unused.
		return 0, err
	}
	return next, nil
}

// writeSecret writes one file inside the private temp generation with its
// final owner and mode, so that it is complete before anyone can see it.
// publish makes all files durable at once.
func writeSecret(dir string, p planned, owners Owners) error {
	parts := strings.Split(p.spec.Name, "/")
	d := dir
	for _, seg := range parts[:len(parts)-1] {
		d = filepath.Join(d, seg)
		if err := os.Mkdir(d, genDirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return specErr(p.spec, "create directory: %w", err)
		}
		if err := os.Chmod(d, genDirMode); err != nil {
			return specErr(p.spec, "create directory: %w", err)
		}
	}
	path := filepath.Join(d, parts[len(parts)-1])
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return specErr(p.spec, "write: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(p.value); err != nil {
		return specErr(p.spec, "write: %w", err)
	}
	if p.own.uid != -1 || p.own.gid != -1 {
		if err := owners.Chown(path, p.own.uid, p.own.gid); err != nil {
			return specErr(p.spec, "chown to %s:%s: %w", p.spec.Owner, p.spec.Group, err)
		}
	}
	// After chown: chown may clear mode bits.
	if err := f.Chmod(p.spec.Mode); err != nil {
		return specErr(p.spec, "chmod: %w", err)
	}
	if err := f.Close(); err != nil {
		return specErr(p.spec, "write: %w", err)
	}
	return nil
}

// readGeneration returns what a generation holds, by secret name. A missing
// generation (dangling root) reads as empty.
// maxLiveSecret caps what is read back of an installed secret, as sops
// files are capped.
const maxLiveSecret = 64 << 20

// fileSys is the stat data of fi, for safefile.Read to check the file it
// opens is the one listed.
func fileSys(fi fs.FileInfo) *syscall.Stat_t {
	st, _ := fi.Sys().(*syscall.Stat_t)
	return st
}

func readGeneration(dir string) (map[string]installed, error) {
	out := map[string]installed{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		// A secret's owner may grow or swap their file in the live
		// generation: read it capped and without following links; one
		// that cannot be read so is taken as changed (absent).
		data, err := safefile.Read(path, maxLiveSecret, fileSys(fi))
		if errors.Is(err, safefile.ErrTooLarge) || errors.Is(err, safefile.ErrNotRegular) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		in := installed{value: data, mode: fi.Mode().Perm(), uid: -1, gid: -1}
		if uid, gid, ok := fileStat(fi); ok {
			in.uid, in.gid = uid, gid
		}
		out[filepath.ToSlash(rel)] = in
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read live secrets generation %s: %w", dir, err)
	}
	return out, nil
}

// diff sorts names into added, changed, unchanged and removed against the
// live generation. Owner ids left to the installer compare against our own.
func diff(plan []planned, prev map[string]installed) Report {
	var rep Report
	want := map[string]bool{}
	for _, p := range plan {
		name := p.spec.Name
		want[name] = true
		old, ok := prev[name]
		switch {
		case !ok:
			rep.Added = append(rep.Added, name)
		case !bytes.Equal(old.value, p.value) || old.mode != p.spec.Mode ||
			old.uid != effectiveID(p.own.uid, os.Geteuid()) || old.gid != effectiveID(p.own.gid, os.Getegid()):
			rep.Changed = append(rep.Changed, name)
		default:
			rep.Unchanged = append(rep.Unchanged, name)
		}
	}
	for name := range prev {
		if !want[name] {
			rep.Removed = append(rep.Removed, name)
		}
	}
	sort.Strings(rep.Removed)
	return rep
}

func effectiveID(id, self int) int {
	if id == -1 {
		return self
	}
	return id
}

// unitsToRestart lists, once each and sorted, the units of secrets that
// were added or changed.
func unitsToRestart(plan []planned, rep Report) []string {
	touched := map[string]bool{}
	for _, n := range rep.Added {
		touched[n] = true
	}
	for _, n := range rep.Changed {
		touched[n] = true
	}
	set := map[string]bool{}
	for _, p := range plan {
		if touched[p.spec.Name] {
			for _, u := range p.spec.RestartUnits {
				set[u] = true
			}
		}
	}
	units := make([]string, 0, len(set))
	for u := range set {
		units = append(units, u)
	}
	sort.Strings(units)
	return units
}
