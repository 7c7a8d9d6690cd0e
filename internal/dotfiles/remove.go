package dotfiles

import (
	"os"
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"golang.org/x/sys/unix"
)

// remove_ entries and .chezmoiremove patterns name home paths to remove,
// as in chezmoi. They follow exact_'s rules: what matches hearth's record
// is unlinked, anything else (a file hearth never wrote, or edited since)
// is moved into the trash, restorable with hearth trash restore; a mount
// point is held. A managed target, an ignored path and a refused path
// (the source, the state dir, .git) are never removed.

// removeSet is one .chezmoiremove file: its source path and the target
// dir its patterns are relative to.
type removeSet struct {
	source, dir string
	captureOnly string // its directory's .chezmoiignore failed: nothing is removed
}

// ReasonRemoveSource says why a remove_ entry or a .chezmoiremove pattern
// removes a path.
const (
	ReasonRemoveEntry    = "remove_ entry"
	ReasonRemovePatterns = "listed in .chezmoiremove"
)

// planRemovals plans the removals. desired are the managed targets,
// heldDirs the held directories (nothing below them is touched).
func (p *plan) planRemovals(desired map[string]bool, heldDirs []string) {
	st := p.st
	var removed []string
	consider := func(target, source, reason string) {
		switch {
		case !st.opts.selected(target), desired[target], st.Ignored(target), under(target, heldDirs),
			slices.Contains(removed, target), under(target, removed), p.guard.touches(target):
			return
		}
		if r := p.guard.refuse(target); r != "" {
			return
		}
		a, err := readActual(p.abs(target))
		if err != nil {
			p.warnings = append(p.warnings, "remove "+target+": "+err.Error())
			return
		}
		if !a.exists {
			return
		}
		removed = append(removed, target)
		t := &Target{Path: target, Source: source, Kind: a.kind}
		if a.kind == "" {
			p.hold(t, a, "not a file, directory or symlink; not removed")
			return
		}
		p.add(&p.apply, t, a, ActRemove, reason)
	}
	for _, e := range st.removes {
		if e.captureOnly != "" {
			p.held = append(p.held, &Change{Target: e.Target, Source: e.Source, Action: ActHold, Reason: e.captureOnly})
			continue
		}
		consider(e.Target, e.Source, ReasonRemoveEntry)
	}
	for _, rs := range st.removeSets {
		if rs.captureOnly != "" {
			p.held = append(p.held, &Change{Target: path.Join(rs.dir, ".chezmoiremove"), Source: rs.source, Action: ActHold, Reason: rs.captureOnly})
			continue
		}
		targets, err := st.removeMatches(rs)
		if err != nil {
			p.held = append(p.held, &Change{Target: path.Join(rs.dir, ".chezmoiremove"), Source: rs.source, Action: ActHold,
				Reason: "nothing removed: " + err.Error()})
			continue
		}
		for _, t := range targets {
			consider(t, rs.source, ReasonRemovePatterns)
		}
	}
}

// removeMatches renders one .chezmoiremove file (always a template, as
// in chezmoi) and lists the home paths its patterns match, without
// following a symlink on the way.
func (s *SourceState) removeMatches(rs removeSet) ([]string, error) {
	b, err := s.work.ReadFile(rs.source, s.opts.maxFileSize())
	if err != nil {
		return nil, err
	}
	if s.tmplProblem != "" {
		return nil, errString(s.tmplProblem)
	}
	out, _, err := s.r.render(rs.source, path.Join(rs.dir, ".chezmoiremove"), b)
	if err != nil {
		return nil, err
	}
	set := &IgnoreSet{}
	if err := set.ParseIgnore(rs.source, rs.dir, string(out)); err != nil {
		return nil, err
	}
	patterns := slices.Collect(func(yield func(string) bool) {
		for p := range set.include.literal {
			if !yield(p) {
				return
			}
		}
		for _, l := range set.include.byFirst {
			for _, p := range l {
				if !yield(p) {
					return
				}
			}
		}
		for _, p := range set.include.wild {
			if !yield(p) {
				return
			}
		}
	})
	home := os.DirFS(s.opts.TargetDir)
	var matches []string
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, globMeta) {
			if _, err := os.Lstat(s.opts.TargetDir + "/" + pat); err == nil {
				matches = append(matches, pat)
			}
			continue
		}
		m, err := doublestar.Glob(home, pat, doublestar.WithNoFollow())
		if err != nil {
			return nil, err
		}
		matches = append(matches, m...)
	}
	var evals int
	matches = slices.DeleteFunc(matches, func(m string) bool { return set.exclude.match(m, &evals) })
	slices.Sort(matches)
	return slices.Compact(matches), nil
}

type errString string

func (e errString) Error() string { return string(e) }

// removeEmptyDirs removes the remove_ directories that are empty once
// everything else is applied, deepest first, as chezmoi does; one still
// holding anything (managed or not) stays. An empty directory holds
// nothing to lose.
func (p *plan) removeEmptyDirs() []*Change {
	held := map[string]bool{}
	for _, c := range p.held {
		held[c.Target] = true
	}
	var out []*Change
	for i := len(p.targets) - 1; i >= 0; i-- {
		t := p.targets[i]
		if t.Kind != KindDir || t.Entry == nil || !t.Entry.Dir.Remove || t.Problem != "" || held[t.Path] || t.Entry.captureOnly != "" {
			continue
		}
		abs := p.abs(t.Path)
		if checkNoEscape(p.st.opts.TargetDir, abs) != nil {
			continue
		}
		if fi, err := os.Lstat(abs); err != nil || !fi.IsDir() {
			continue
		}
		if err := unix.Rmdir(abs); err != nil {
			continue // not empty, or gone: nothing to do
		}
		p.recs.unsynced.touched(abs)
		out = append(out, &Change{Target: t.Path, Source: t.Source, Action: ActRemove, Kind: KindDir, Reason: "remove_ directory, empty"})
	}
	return out
}
