package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
)

// MergeInput is what a three-way merge of one target needs: what hearth
// last wrote (the base), home (ours) and what the source renders
// (theirs).
type MergeInput struct {
	Target string
	Source string
	// Base is nil when hearth keeps no copy of what it last wrote (a
	// template or encrypted target whose home and source both changed, or
	// a target it never wrote): every difference is then a conflict.
	Base      []byte
	Ours      []byte
	Theirs    []byte
	Perm      fs.FileMode // home's
	Sensitive bool
}

// MergeInputs reads the three versions of a file target.
func MergeInputs(ctx context.Context, opts Options, target string) (*MergeInput, error) {
	t, err := RenderTarget(ctx, opts, target)
	if err != nil {
		return nil, err
	}
	if t.Kind != KindFile {
		return nil, fmt.Errorf("%s: a %s, only files are merged", t.Path, t.Kind)
	}
	abs := filepath.Join(opts.TargetDir, filepath.FromSlash(t.Path))
	a, err := readActual(abs)
	if err != nil {
		return nil, err
	}
	if a.kind != KindFile {
		return nil, fmt.Errorf("%s: not a regular file in home", t.Path)
	}
	if err := a.load(abs, opts.maxFileSize()); err != nil {
		return nil, err
	}
	in := &MergeInput{Target: t.Path, Source: t.Source, Ours: a.contents, Theirs: t.Contents, Perm: a.perm, Sensitive: t.Sensitive}
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return nil, err
	}
	if rec, ok := recs.targets[t.Path]; ok && rec.Kind == KindFile {
		// The side that still holds what hearth wrote is the base; else
		// the stored copy, kept for plain files.
		switch {
		case rec.SHA256 == t.sum():
			in.Base = t.Contents
		case rec.SHA256 == a.sum:
			in.Base = a.contents
		default:
			in.Base, _ = recs.base(rec.SHA256)
		}
	}
	return in, nil
}

// WriteHome replaces the file target in home with b (mode perm), without
// recording it: to hearth it is a home edit, captured (or held) by the
// next round like any other. Targets hearth refuses to manage are
// refused here too, and so is a way through a symlink out of home.
func WriteHome(opts Options, target string, b []byte, perm fs.FileMode) error {
	g := newGuard(&opts)
	if r := g.refuse(target); r != "" {
		return fmt.Errorf("%s: %s", target, r)
	}
	abs := filepath.Join(opts.TargetDir, filepath.FromSlash(target))
	if err := checkNoEscape(opts.TargetDir, abs); err != nil {
		return err
	}
	var bt batch
	if err := writeUnsynced(abs, b, perm, &bt); err != nil {
		return err
	}
	if err := bt.flush(nil); err != nil {
		return errors.Join(fmt.Errorf("%s: make the write durable", target), err)
	}
	return nil
}
