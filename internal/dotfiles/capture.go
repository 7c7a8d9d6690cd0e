package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// CaptureReport says what Capture took from home.
type CaptureReport struct {
	Captured    []*Change     `json:"captured"`
	Held        []*Change     `json:"held"`
	Unsupported []Unsupported `json:"unsupported"`
	Warnings    []string      `json:"warnings,omitempty"`
	// Displaced lists source contents that home's version replaced because
	// both had overlapping edits (only with Options.KeepBothOnOverlap).
	Displaced []Displaced `json:"displaced,omitempty"`
	// SourcePaths are the changed source files (slash paths relative to
	// Options.SourceDir; both names of a rename) for the syncer to commit.
	SourcePaths []string `json:"source_paths"`
}

// Capture copies home edits of plain managed files back into the source
// (chezmoi's re-add): the content, and a mode change as an attribute rename.
// Templates, symlinks and encrypted files edited in home, targets deleted
// in home, and targets changed on both sides are held: reported, never
// overwritten, never propagated. The records then say home was captured,
// so a following Apply may update those targets again.
func Capture(ctx context.Context, opts Options) (*CaptureReport, error) {
	p, err := makePlan(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p.execCapture(ctx)
}

// execCapture performs the capture half of a plan.
func (p *plan) execCapture(ctx context.Context) (*CaptureReport, error) {
	rep := &CaptureReport{Held: p.held, Unsupported: p.st.Unsupported(), Warnings: p.warnings,
		Captured: []*Change{}, SourcePaths: []string{}}
	p.sweepIfInterrupted()
	errs := p.recordAdoptions()
	if len(p.capture) > 0 {
		if err := p.beginWrites(); err != nil {
			return rep, fmt.Errorf("dotfiles: mark the run as writing: %w", err)
		}
	}
	for _, c := range p.capture {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := p.captureOne(c); err != nil {
			errs = append(errs, fmt.Errorf("capture %s into %s: %w", c.Target, c.Source, err))
			continue
		}
		rep.Captured = append(rep.Captured, c)
		if c.displaced != nil && p.st.opts.KeepDisplaced == nil {
			rep.Displaced = append(rep.Displaced, Displaced{Target: c.Target, Source: c.Source, Content: c.displaced})
		}
		rep.SourcePaths = append(rep.SourcePaths, c.Source)
		if c.NewSource != "" {
			rep.SourcePaths = append(rep.SourcePaths, c.NewSource)
		}
		p.st.opts.logger().Info("dotfiles: captured home edit", "target", c.Target, "source", c.Source)
	}
	slices.Sort(rep.SourcePaths)
	if err := p.recs.save(); err != nil {
		errs = append(errs, err)
	} else if len(p.capture) > 0 {
		p.endWrites()
	}
	return rep, errors.Join(errs...)
}

// Displaced is a source version that a captured home edit replaced.
type Displaced struct {
	Target string `json:"target"`
	Source string `json:"source"` // slash path relative to Options.SourceDir, before any rename
	// Content is never encoded: it may be private.
	Content []byte `json:"-"`
}

// captureOne writes the home content over the source file, renames it when
// the attributes changed, and records home as captured. The content is
// written before the rename so a crash between the two leaves a valid
// source (old attributes, new content) that the next capture finishes.
// Every path is resolved below the work tree without following a symlink:
// a link swapped into the source is refused, never written through.
func (p *plan) captureOne(c *Change) error {
	o := &p.st.opts
	st, err := p.st.work.Stat(c.Source)
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("source %s is no longer a regular file", c.Source)
	}
	if c.displaced != nil && o.KeepDisplaced != nil {
		// Kept first: between the write below and the caller's commit the
		// displaced version would otherwise exist only in history, and a
		// kill there leaves the next commit undoing it without a trace.
		if err := o.KeepDisplaced(c.Source, c.displaced); err != nil {
			return fmt.Errorf("keep the source's overlapping version first: %w", err)
		}
	}
	uid, gid := -1, -1
	if o.Owner != nil && o.Chown == nil {
		uid, gid = o.Owner.UID, o.Owner.GID
	}
	if err := p.st.work.WriteFile(c.Source, c.sourceContent(), fs.FileMode(st.Mode&0o777), uid, gid); err != nil {
		return err
	}
	if o.Chown != nil {
		if err := o.chown(filepath.Join(o.SourceDir, filepath.FromSlash(c.Source))); err != nil {
			return err
		}
	}
	if c.NewSource != "" {
		if err := p.st.work.Rename(c.Source, c.NewSource); errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("rename to %s: a source entry with that name exists", c.NewSource)
		} else if err != nil {
			return err
		}
	}
	if err := p.recs.putBase(c.act.contents); err != nil {
		return err
	}
	r := c.act.asRecord(c.Source)
	if c.NewSource != "" {
		r.Source = c.NewSource
	}
	p.recs.targets[c.Target] = r
	return nil
}
