package dotfiles

import (
	"context"
	"fmt"
	"path/filepath"
)

// ManagedEntry is one target the source state manages, as `hearth
// managed` lists it: read from the source names alone, nothing rendered.
type ManagedEntry struct {
	Target    string `json:"target"` // slash path relative to the target dir
	Source    string `json:"source"` // slash path relative to the source dir
	Type      string `json:"type"`   // dir, file or symlink
	Template  bool   `json:"template,omitempty"`
	Encrypted bool   `json:"encrypted,omitempty"`
	Exact     bool   `json:"exact,omitempty"`
	Create    bool   `json:"create,omitempty"`
}

// Managed lists the entries of the source state for this host (after
// .chezmoiignore), in target order, limited to Options.Only when set.
func Managed(ctx context.Context, opts Options) ([]ManagedEntry, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	out := []ManagedEntry{}
	for _, e := range st.entries {
		if !st.opts.selected(e.Target) {
			continue
		}
		m := ManagedEntry{Target: e.Target, Source: e.Source}
		switch {
		case e.IsDir:
			m.Type, m.Exact = string(KindDir), e.Dir.Exact
		case e.File.Type == FileSymlink:
			m.Type, m.Template = string(KindSymlink), e.File.Template
		default:
			m.Type, m.Template, m.Encrypted, m.Create = string(KindFile), e.File.Template, e.File.Encrypted, e.File.Type == FileCreate
		}
		out = append(out, m)
	}
	return out, nil
}

// RenderTarget renders one target as apply would write it: its contents
// (files) or link (symlinks) with mode and sensitivity. A target the
// source does not manage, or cannot render, is an error naming it.
func RenderTarget(ctx context.Context, opts Options, target string) (*Target, error) {
	target = filepath.ToSlash(filepath.Clean(target))
	opts.Only = []string{target}
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	e := st.byTarget[target]
	if e == nil {
		return nil, fmt.Errorf("%s: not managed", target)
	}
	st.entries = []*Entry{e} // render only this one
	ts, err := st.Targets()
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("%s: source %s skipped (see hearth diff for unsupported entries)", target, e.Source)
	}
	t := ts[0]
	switch {
	case t.Problem != "":
		return nil, fmt.Errorf("%s: %s", target, t.Problem)
	case t.unknown:
		return nil, fmt.Errorf("%s: rendering needs a command this run may not run", target)
	}
	if err := st.load(t); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return t, nil
}
