package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"text/template"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

// Templates renders text with a source state's data, variables, shared
// templates and functions without loading its entries: for init's config
// template, execute-template and data.
type Templates struct {
	s *SourceState
}

// OpenTemplates opens opts.SourceDir for rendering. With sourceData the
// data is the .chezmoidata files with Options.Data over them (what every
// entry sees); without, Options.Data alone (what chezmoi init gives the
// config template). A source dir that does not exist yet renders with
// the variables and Options.Data only.
func OpenTemplates(ctx context.Context, opts Options, sourceData bool) (*Templates, error) {
	s, err := newSourceState(ctx, opts)
	if err != nil {
		return nil, err
	}
	opts = s.opts
	s.root = opts.SourceDir
	data := map[string]any{}
	if opts.Data != nil {
		data = deepCopyMap(opts.Data)
	}
	var shared map[string]string
	if s.work, err = safefile.OpenDir(opts.SourceDir); err == nil {
		if err := s.readRoot(); err != nil {
			return nil, err
		}
		if sourceData {
			if data, err = s.readData(); err != nil {
				return nil, err
			}
		}
		if shared, err = s.readSharedTemplates(); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("source dir: %w", err)
	}
	if s.r, err = newRenderer(ctx, &s.opts, s, data, chezmoiVars(&s.opts, s.root), shared); err != nil {
		// A broken shared template fails only the templates that use it.
		s.opts.logger().Warn("dotfiles: shared templates unavailable", "err", err)
		s.r, _ = newRenderer(ctx, &s.opts, s, data, chezmoiVars(&s.opts, s.root), nil)
	}
	return &Templates{s: s}, nil
}

// Root is the source root (after .chezmoiroot).
func (t *Templates) Root() string { return t.s.root }

// Funcs adds (or replaces) template functions, before any Render.
func (t *Templates) Funcs(fm template.FuncMap) { t.s.r.base.Funcs(fm) }

// Data is the whole template data: the data and .chezmoi.
func (t *Templates) Data() map[string]any {
	d := deepCopyMap(t.s.r.data)
	d["chezmoi"] = maps.Clone(t.s.r.vars)
	if t.s.opts.HearthVars != nil {
		d["hearth"] = maps.Clone(t.s.opts.HearthVars)
	}
	return d
}

// Render executes text as the template name (a path relative to the
// source root, for error messages and .chezmoi.sourceFile).
func (t *Templates) Render(name string, text []byte) ([]byte, error) {
	out, _, err := t.s.r.render(filepath.ToSlash(name), "", text)
	return out, err
}
