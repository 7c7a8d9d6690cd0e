package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hearth-fleet/hearth/internal/state"
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
	rep := &ApplyReport{Held: p.held, Unsupported: p.st.Unsupported(), Warnings: p.warnings, Changes: []*Change{}}
	for _, c := range p.capture {
		h := *c
		h.Action, h.Reason = ActHold, ReasonEdited+"; capture takes it into the source"
		h.NewMode, h.NewSource = "", ""
		rep.Held = append(rep.Held, &h)
	}
	errs := p.recordAdoptions()
	for _, k := range p.drop {
		delete(p.recs.targets, k)
	}
	p.sweepIfInterrupted()
	log := p.st.opts.logger()
	if len(p.apply) > 0 {
		if err := p.beginWrites(); err != nil {
			return rep, fmt.Errorf("dotfiles: mark the run as writing: %w", err)
		}
	}
	var dirModes []*Change
	for _, c := range p.apply {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if !p.stillAsPlanned(c) {
			h := *c
			h.Action, h.Reason = ActHold, ReasonRaced
			rep.Held = append(rep.Held, &h)
			continue
		}
		if err := p.perform(c); err != nil {
			errs = append(errs, fmt.Errorf("apply %s (source %s): %w", c.Target, c.Source, err))
			continue
		}
		if c.Kind == KindDir && (c.Action == ActMkdir || c.Action == ActChmod) {
			dirModes = append(dirModes, c)
		}
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
		}
	}
	// Records are saved even after a failed step, so what was written is known.
	if err := p.recs.save(); err != nil {
		errs = append(errs, err)
	} else if len(p.apply) > 0 {
		p.endWrites()
	}
	return rep, errors.Join(errs...)
}

// stillAsPlanned re-reads a target just before changing it, so an edit
// made since the plan was read is held instead of overwritten. (A race
// window remains between this read and the rename; it is a few system
// calls wide instead of the whole run.)
func (p *plan) stillAsPlanned(c *Change) bool {
	if c.Action == ActMkdir || c.Kind == KindDir && c.Action == ActChmod {
		return true
	}
	now, err := readActual(p.abs(c.Target))
	if err != nil {
		return false
	}
	if c.Action == ActRemove && c.t.Entry == nil {
		// exact_ removals only know the kind of what they remove.
		return now.exists && now.kind == c.act.kind
	}
	return now.same(c.act)
}

// perform carries out one apply change and updates the records.
func (p *plan) perform(c *Change) error {
	abs := p.abs(c.Target)
	if err := checkNoEscape(p.st.opts.TargetDir, abs); err != nil {
		return err
	}
	t := c.t
	switch c.Action {
	case ActMkdir:
		// Owner-writable for now; the final mode is set after the contents.
		if err := os.Mkdir(abs, 0o700); err != nil {
			return err
		}
		return p.st.opts.chown(abs)
	case ActChmod:
		if t.Kind == KindDir {
			return nil // set with the other directory modes, last
		}
		if err := os.Chmod(abs, t.Perm); err != nil {
			return err
		}
	case ActWrite:
		if err := os.MkdirAll(filepath.Dir(abs), 0o777&^p.st.opts.umask()); err != nil {
			return err
		}
		if err := state.WriteFileAtomic(abs, t.Contents, t.Perm); err != nil {
			return err
		}
		if err := p.st.opts.chown(abs); err != nil {
			return err
		}
	case ActSymlink:
		if err := writeSymlink(abs, t.Link, 0o777&^p.st.opts.umask()); err != nil {
			return err
		}
		if err := p.st.opts.chown(abs); err != nil {
			return err
		}
	case ActRemove:
		if err := os.RemoveAll(abs); err != nil {
			return err
		}
		delete(p.recs.targets, c.Target)
		return state.SyncDir(filepath.Dir(abs))
	}
	if t.Kind != KindDir && !t.Create {
		if capturable(t) {
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
func writeSymlink(abs, link string, dirPerm os.FileMode) error {
	dir := filepath.Dir(abs)
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return err
	}
	// A fixed name (runs hold the sync lock), so a leftover of a killed run
	// is replaced rather than piling up.
	tmp := filepath.Join(dir, "."+filepath.Base(abs)+".hearth-link")
	_ = os.Remove(tmp) // a leftover from a killed run
	if err := os.Symlink(link, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, abs); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return state.SyncDir(dir)
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
