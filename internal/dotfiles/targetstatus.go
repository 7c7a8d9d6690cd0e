package dotfiles

import (
	"context"
	"fmt"
	"os"
	"path"
)

// TargetStatus is one target in chezmoi's two-column status. Written
// compares what hearth last wrote there (its record) with home; Apply
// compares home with what the source renders. Each is " " (no
// difference), "A" (added), "D" (deleted) or "M" (modified).
type TargetStatus struct {
	Target  string `json:"target"`
	Source  string `json:"source,omitempty"`
	Kind    Kind   `json:"kind,omitempty"`
	Written string `json:"written"`
	Apply   string `json:"apply"`
	// Problem is why the target cannot be rendered (it is held).
	Problem string `json:"problem,omitempty"`
}

// TargetStatuses compares records, home and the source for every target
// (limited to Options.Only when set) and returns those with a difference
// in either column, in target order. Nothing is written.
func TargetStatuses(ctx context.Context, opts Options) ([]TargetStatus, error) {
	st, err := Load(ctx, opts)
	if err != nil {
		return nil, err
	}
	if st.whole != nil {
		return nil, fmt.Errorf("%s: %s", st.whole.Source, st.whole.Reason)
	}
	recs, err := loadRecords(opts.StatePath)
	if err != nil {
		return nil, err
	}
	all, err := st.Targets()
	if err != nil {
		return nil, err
	}
	limit := st.opts.maxFileSize()
	out := []TargetStatus{}
	for _, t := range all {
		if t.unknown || !st.opts.selected(t.Path) {
			continue
		}
		a, err := readActualLimit(homePath(st, t.Path), limit)
		if err != nil {
			out = append(out, TargetStatus{Target: t.Path, Source: t.Source, Kind: t.Kind, Written: " ", Apply: " ", Problem: err.Error()})
			continue
		}
		ts := TargetStatus{Target: t.Path, Source: t.Source, Kind: t.Kind, Written: writtenColumn(recs, t.Path, a), Apply: applyColumn(t, a), Problem: t.Problem}
		if ts.Written != " " || ts.Apply != " " || ts.Problem != "" {
			out = append(out, ts)
		}
		if t.Kind == KindDir && t.Exact && t.Problem == "" && a.kind == KindDir {
			out = append(out, exactExtras(st, t)...)
		}
	}
	return out, nil
}

func homePath(st *SourceState, target string) string {
	return st.opts.TargetDir + "/" + target
}

// writtenColumn: has home changed since hearth last wrote the target?
// A target hearth never wrote has nothing to compare with.
func writtenColumn(recs *records, target string, a actual) string {
	rec, ok := recs.targets[target]
	switch {
	case !ok:
		return " "
	case !a.exists:
		return "D"
	case !a.matchesRecord(rec):
		return "M"
	}
	return " "
}

// applyColumn: what would apply do to home, holds aside?
func applyColumn(t *Target, a actual) string {
	switch {
	case t.Problem != "":
		return " "
	case t.Absent:
		if a.exists {
			return "D"
		}
		return " "
	case !a.exists:
		return "A"
	case t.Create, a.matchesTarget(t):
		return " "
	}
	return "M"
}

// exactExtras are the entries of an exact_ directory that apply would
// remove.
func exactExtras(st *SourceState, t *Target) []TargetStatus {
	ents, err := os.ReadDir(homePath(st, t.Path))
	if err != nil {
		return nil
	}
	g := newGuard(&st.opts)
	var out []TargetStatus
	for _, e := range ents {
		child := path.Join(t.Path, e.Name())
		if st.known[child] || st.Ignored(child) || g.touches(child) {
			continue
		}
		out = append(out, TargetStatus{Target: child, Kind: kindOf(e.Type()), Written: " ", Apply: "D"})
	}
	return out
}
