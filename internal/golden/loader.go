package golden

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/bootcount"
)

// DefaultGCRootDir holds hearth's GC roots: a symlink to a store path in it
// keeps that path through nix-collect-garbage.
const DefaultGCRootDir = "/nix/var/nix/gcroots/hearth"

// candidateRoot is the GC root of the generation the loader is assessing.
const candidateRoot = "boot-candidate"

// BootLoader is the boot loader's assessment of generations;
// *bootcount.Loader implements it. nil Options.Loader: no loader counting.
type BootLoader interface {
	View(system string) (bootcount.View, error)
	Count(system, golden string) (bootcount.View, error)
	Bless(system string) (bootcount.View, error)
	MarkBad(system string) (bootcount.View, error)
}

// assessed reports whether the loader is counting the boot of this entry:
// its counter is on (tries left, or this was the last try).
func assessed(v bootcount.View) bool { return v.State == "counting" || v.State == "bad" }

// CountCandidate gives the entry of storePath (a generation just deployed,
// to be booted) a tries counter, so a boot that never reaches hearth's check
// (kernel panic, initrd failure, a hang with a watchdog) is retried by the
// loader at most boot.max_attempts times, then the loader falls back. The
// candidate gets a GC root until it is blessed or marked bad.
func CountCandidate(ctx context.Context, opts Options, storePath string) (bootcount.View, error) {
	r, err := newRunner(opts)
	if err != nil {
		return bootcount.View{}, err
	}
	if r.o.Loader == nil {
		return bootcount.View{Loader: bootcount.KindNone}, nil
	}
	st, _, err := r.load()
	if err != nil {
		return bootcount.View{}, err
	}
	if storePath == st.Golden {
		// Deploying golden again (a rollback): its entry never counts.
		return r.o.Loader.View(storePath)
	}
	v, err := r.o.Loader.Count(storePath, st.Golden)
	if err != nil {
		return v, fmt.Errorf("boot counting: %w", err)
	}
	// Only an entry actually counted needs its generation kept.
	if err := r.addCandidateRoot(storePath); err != nil {
		return v, err
	}
	st.Loader = &v
	if err := r.save(st); err != nil {
		return v, err
	}
	r.o.Logger.Info("boot entry counted", "system", storePath, "entry", v.Entry, "tries_left", v.TriesLeft, "fallback", v.Fallback)
	for _, w := range v.Warnings {
		r.o.Logger.Warn("boot counting: " + w)
	}
	return v, nil
}

// addCandidateRoot points <GCRootDir>/boot-candidate at storePath, replacing
// it in one rename so a crash leaves the old root or the new one.
func (r *runner) addCandidateRoot(storePath string) error {
	if !isStorePath(storePath, r.o.Nix.StoreDir()) {
		return fmt.Errorf("GC root: %q is not a store path in %s", storePath, r.o.Nix.StoreDir())
	}
	if err := os.MkdirAll(r.o.GCRootDir, 0o755); err != nil {
		return fmt.Errorf("GC root: %w", err)
	}
	link := filepath.Join(r.o.GCRootDir, candidateRoot)
	tmp := link + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(storePath, tmp); err != nil {
		return fmt.Errorf("GC root: %w", err)
	}
	if err := os.Rename(tmp, link); err != nil {
		return fmt.Errorf("GC root: %w", err)
	}
	return syncDir(r.o.GCRootDir)
}

// dropCandidateRoot removes the candidate's GC root once the loader no
// longer assesses storePath (a root for another path is left alone).
func (r *runner) dropCandidateRoot(storePath string) error {
	link := filepath.Join(r.o.GCRootDir, candidateRoot)
	if target, err := os.Readlink(link); err != nil || target != storePath {
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return err
	}
	if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("GC root: %w", err)
	}
	return syncDir(r.o.GCRootDir)
}

// CandidateRoot is the store path the candidate GC root keeps ("" if none).
func CandidateRoot(opts Options) string {
	o, err := opts.withDefaults()
	if err != nil {
		return ""
	}
	target, _ := os.Readlink(filepath.Join(o.GCRootDir, candidateRoot))
	return target
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// loaderView reads the loader's view of system; errors are warnings, since
// the loader is a second line of defence and never blocks a verdict.
func (r *runner) loaderView(system string, out *Outcome) *bootcount.View {
	if r.o.Loader == nil {
		return nil
	}
	v, err := r.o.Loader.View(system)
	if err != nil {
		r.o.Logger.Warn("boot loader view", "system", system, "err", err)
		out.Warnings = append(out.Warnings, "boot loader: "+err.Error())
		return nil
	}
	return &v
}

// settleEntry blesses (good) or marks bad the entry of system once hearth
// has decided, and drops the candidate's GC root. Failures are logged: the
// decision stands (a rollback makes golden the loader's default anyway).
func (r *runner) settleEntry(system string, good bool) *bootcount.View {
	if r.o.Loader == nil {
		return nil
	}
	change, what := r.o.Loader.MarkBad, "marked bad"
	if good {
		change, what = r.o.Loader.Bless, "blessed"
	}
	v, err := change(system)
	r.effect("loader-entry")
	if err != nil {
		r.o.Logger.Error("boot loader entry not "+what, "system", system, "err", err)
		return &v
	}
	if v.Entry != "" || v.Loader == bootcount.KindGrub {
		r.o.Logger.Info("boot loader entry "+what, "system", system, "entry", v.Entry, "state", v.State)
	}
	if err := r.dropCandidateRoot(system); err != nil {
		r.o.Logger.Warn("could not drop the candidate's GC root", "err", err)
	}
	return &v
}
