package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/hearth-fleet/hearth/internal/state"
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
		if c.displaced != nil {
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
func (p *plan) captureOne(c *Change) error {
	src := filepath.Join(p.st.opts.SourceDir, filepath.FromSlash(c.Source))
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if err := state.WriteFileAtomic(src, c.sourceContent(), fi.Mode().Perm()); err != nil {
		return err
	}
	if err := p.st.opts.chown(src); err != nil {
		return err
	}
	if c.NewSource != "" {
		dst := filepath.Join(p.st.opts.SourceDir, filepath.FromSlash(c.NewSource))
		if _, err := os.Lstat(dst); err == nil {
			return fmt.Errorf("rename to %s: a source entry with that name exists", c.NewSource)
		}
		if err := os.Rename(src, dst); err != nil {
			return err
		}
		if err := state.SyncDir(filepath.Dir(dst)); err != nil {
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
