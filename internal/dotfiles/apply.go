package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"github.com/hearth-fleet/hearth/internal/safefile"
	"maps"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/trash"
)

// ApplyReport says what Apply did.
type ApplyReport struct {
	Changes     []*Change     `json:"changes"`     // performed on home
	Held        []*Change     `json:"held"`        // left alone, with reasons
	Unsupported []Unsupported `json:"unsupported"` // skipped source entries
	Warnings    []string      `json:"warnings,omitempty"`
	// Writes counts every change made to home (files, links, dirs, modes,
	// removals); a no-op apply has 0.
	Writes int `json:"writes"`
	// Trashed is what home held that hearth had not written and this
	// apply removed or overwrote: moved into the trash, restorable.
	Trashed []trash.Entry `json:"trashed"`
	// Scripts are the run_ scripts this apply ran, in order, with how
	// each ended (see ScriptRun); a failed one blocked nothing.
	Scripts []ScriptRun `json:"scripts,omitempty"`
}

// Apply makes home match the source state for this host, one target at a
// time, writing only what differs. A target is changed only while it still
// holds what hearth last wrote (or captured), so a home edit made at any
// time, even during a sync round, is never overwritten: it is held and
// reported (Options.Force overrides). A source entry with an error (a
// template error, a bad name, an oversized file) is held, never written.
func Apply(ctx context.Context, opts Options) (*ApplyReport, error) {
	p, err := makePlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p.execApply(ctx)
}

// execApply performs the apply half of a plan.
func (p *plan) execApply(ctx context.Context) (*ApplyReport, error) {
	rep := &ApplyReport{Held: p.held, Unsupported: p.st.Unsupported(), Warnings: p.warnings, Changes: []*Change{}, Trashed: []trash.Entry{}}
	defer rep.detach()
	for _, c := range p.capture {
		h := *c
		h.Action, h.Reason = ActHold, ReasonEdited+"; capture takes it into the source"
		h.NewMode, h.NewSource = "", ""
		rep.Held = append(rep.Held, &h)
	}
	p.recs.durable = p.st.opts.durable
	errs := p.recordAdoptions()
	// What hearth wrote before this run, including records about to be
	// dropped: exact_ removals unlink only what these describe. Only a run
	// that changes home needs it (a copy of 50,000 records is megabytes).
	var wrote map[string]record
	if len(p.apply) > 0 {
		wrote = maps.Clone(p.recs.targets)
	}
	for _, k := range p.drop {
		delete(p.recs.targets, k)
	}
	p.sweepIfInterrupted()
	log := p.st.opts.logger()
	if len(p.apply) > 0 {
		if err := p.beginWrites(); err != nil {
			return rep, fmt.Errorf("dotfiles: mark the run as writing: %w", err)
		}
		if err := p.recs.markPending(p.fileWrites()); err != nil {
			return rep, fmt.Errorf("dotfiles: list the files about to be written: %w", err)
		}
	}
	var dirModes []*Change
	written := map[string]bool{}
	scripts := p.newScriptRunner()
	scripts.until(ctx, PhaseBefore, "")
	for _, c := range p.apply {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		scripts.until(ctx, PhaseDuring, c.Target)
		now, ok := p.stillAsPlanned(c)
		if !ok {
			h := *c
			h.Action, h.Reason = ActHold, ReasonRaced
			rep.Held = append(rep.Held, &h)
			continue
		}
		kept, err := p.keepUnwritten(c, now, wrote)
		if err != nil {
			h := *c
			h.Action, h.Reason = ActHold, fmt.Sprintf("%s: %v", ReasonNotKept, err)
			rep.Held = append(rep.Held, &h)
			log.Warn("dotfiles: held", "target", c.Target, "reason", h.Reason)
			continue
		}
		if kept != nil {
			rep.Trashed = append(rep.Trashed, *kept)
			log.Warn("dotfiles: moved into the trash", "target", c.Target, "id", kept.ID, "reason", kept.Reason)
		}
		if err := p.perform(c, kept != nil); err != nil {
			errs = append(errs, fmt.Errorf("apply %s (source %s): %w", c.Target, c.Source, err))
			continue
		}
		if c.Kind == KindDir && (c.Action == ActMkdir || c.Action == ActChmod) {
			dirModes = append(dirModes, c)
		}
		written[c.Target] = true
		rep.Writes++
		rep.Changes = append(rep.Changes, c)
		log.Info("dotfiles: applied", "target", c.Target, "action", string(c.Action))
	}
	// Directory modes go last, deepest first, so a readonly_ directory is
	// still writable while its contents are written.
	for i := len(dirModes) - 1; i >= 0; i-- {
		c := dirModes[i]
		if err := os.Chmod(p.abs(c.Target), c.t.Perm); err != nil {
			errs = append(errs, fmt.Errorf("apply %s (source %s): %w", c.Target, c.Source, err))
			continue
		}
		p.recs.unsynced.touched(p.abs(c.Target))
	}
	for _, c := range p.removeEmptyDirs() {
		rep.Writes++
		rep.Changes = append(rep.Changes, c)
	}
	rep.Warnings = append(rep.Warnings, p.syncGitRepos(ctx)...)
	scripts.until(ctx, PhaseAfter, "")
	rep.Scripts = scripts.runs
	// Records are saved even after a failed step, so what was written is
	// known; save makes the writes durable first.
	if err := p.recs.save(); err != nil {
		errs = append(errs, err)
		return rep, errors.Join(errs...)
	}
	if len(p.apply) > 0 {
		p.endWrites()
	}
	// A pending write this run planned and did not make (failed, held,
	// cut short) stays pending: its file may still be torn.
	unmade := map[string]bool{}
	for _, t := range p.fileWrites() {
		unmade[t] = !written[t]
	}
	if err := p.recs.clearPending(func(t string) bool { return p.st.opts.selected(t) && !unmade[t] }); err != nil {
		errs = append(errs, err)
	}
	return rep, errors.Join(errs...)
}

// detach lets the plan go once the report is made: its changes pointed at
// every target and entry, which a caller printing a report of a 50,000-file
// first apply would otherwise keep alive.
func (r *ApplyReport) detach() {
	for _, cs := range [][]*Change{r.Changes, r.Held} {
		for _, c := range cs {
			c.t, c.act = nil, &absent
		}
	}
}

// fileWrites lists the targets this apply writes file contents to.
func (p *plan) fileWrites() []string {
	var out []string
	for _, c := range p.apply {
		if c.Action == ActWrite {
			out = append(out, c.Target)
		}
	}
	return out
}

// stillAsPlanned re-reads a target just before changing it, so an edit
// made since the plan was read is held instead of overwritten, and returns
// what is there. (A race window remains between this read and the rename;
// it is a few system calls wide instead of the whole run.)
func (p *plan) stillAsPlanned(c *Change) (actual, bool) {
	if c.Action == ActMkdir && !c.act.exists || c.Kind == KindDir && c.Action == ActChmod {
		return actual{}, true
	}
	now, err := readActual(p.abs(c.Target))
	if err != nil {
		return actual{}, false
	}
	if c.Action == ActRemove && c.t.Entry == nil {
		// exact_ removals only know the kind of what they remove.
		return now, now.exists && now.kind == c.act.kind
	}
	return now, now.same(*c.act)
}

// perform carries out one apply change and updates the records. trashed
// says the target's old content was moved into the trash already.
func (p *plan) perform(c *Change, trashed bool) error {
	abs := p.abs(c.Target)
	if p.realRoot == "" {
		r, err := filepath.EvalSymlinks(p.st.opts.TargetDir)
		if err != nil {
			return fmt.Errorf("resolve target dir %s: %w", p.st.opts.TargetDir, err)
		}
		p.realRoot = r
	}
	if err := checkBeneath(p.st.opts.TargetDir, p.realRoot, abs); err != nil {
		return err
	}
	t := c.t
	b := &p.recs.unsynced
	dirPerm := 0o777 &^ p.st.opts.umask()
	switch c.Action {
	case ActMkdir:
		if c.act.exists && !trashed {
			// The file or link hearth wrote (replaceable): never followed.
			if err := os.Remove(abs); err != nil {
				return err
			}
		}
		delete(p.recs.targets, c.Target) // the record of that file
		// Owner-writable for now; the final mode is set after the contents.
		if err := os.Mkdir(abs, 0o700); err != nil {
			return err
		}
		b.touched(abs)
		return p.st.opts.chown(abs)
	case ActChmod:
		if t.Kind == KindDir {
			return nil // set with the other directory modes, last
		}
		if err := os.Chmod(abs, t.Perm); err != nil {
			return err
		}
		b.touched(abs)
	case ActWrite:
		if err := p.clearReplacedDir(c, abs, trashed); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(abs), dirPerm); err != nil {
			return err
		}
		if t.lazy {
			// A plain file is copied from the source, never held whole.
			if err := p.copyFromSource(abs, t); err != nil {
				return err
			}
		} else if err := writeUnsynced(abs, t.Contents, t.Perm, b); err != nil {
			return err
		}
		if err := p.st.opts.chown(abs); err != nil {
			return err
		}
	case ActSymlink:
		if err := p.clearReplacedDir(c, abs, trashed); err != nil {
			return err
		}
		if err := writeSymlink(abs, t.Link, dirPerm, b); err != nil {
			return err
		}
		if err := p.st.opts.chown(abs); err != nil {
			return err
		}
	case ActRemove:
		if !trashed {
			if err := os.RemoveAll(abs); err != nil {
				return err
			}
			b.touched(abs)
		}
		delete(p.recs.targets, c.Target)
		return nil
	}
	if t.Kind != KindDir && !t.Create {
		if keepsBase(t) && !t.lazy { // a copied file stored its base as it went
			if err := p.recs.putBase(t.Contents); err != nil {
				return err
			}
		}
		p.recs.targets[c.Target] = targetRecord(t)
	}
	return nil
}

// writeSymlink replaces abs with a symlink atomically: make it under a
// temporary name beside abs, then rename over.
func writeSymlink(abs, link string, dirPerm os.FileMode, b *batch) error {
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return err
	}
	// A fixed name (runs hold the sync lock), so a leftover of a killed run
	// is replaced rather than piling up.
	tmp := filepath.Join(dir, "."+safefile.TempBase(filepath.Base(abs))+".hearth-link")
	_ = os.Remove(tmp) // a leftover from a killed run
	if err := os.Symlink(link, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	b.touched(abs)
	return nil
}

// recordAdoptions records the targets that home already holds as desired,
// as if hearth had written them. Capture does it too: a record left stale
// by a run killed after writing a source but before saving its records
// would otherwise make that target look edited on both sides once a merge
// changes its source, and hold it instead of updating it.
func (p *plan) recordAdoptions() []error {
	for k, r := range p.adopt {
		p.recs.targets[k] = r
	}
	var errs []error
	for _, b := range p.adoptBases {
		if err := p.recs.putBase(b); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
