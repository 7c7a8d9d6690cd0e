package dotfiles

import (
	"strings"

	"github.com/hearth-fleet/hearth/internal/textdiff"
)

// hunk replaces base lines [start, end) with lines.
type hunk struct {
	start, end int
	lines      []string
}

// hunks lists the changes that turn base into b.
func hunks(base, b []string) []hunk {
	var out []hunk
	var cur *hunk
	ai := 0
	for _, o := range textdiff.Ops(base, b) {
		if o.Kind == ' ' {
			if cur != nil {
				out = append(out, *cur)
				cur = nil
			}
			ai++
			continue
		}
		if cur == nil {
			cur = &hunk{start: ai, end: ai}
		}
		if o.Kind == '-' {
			ai++
			cur.end = ai
		} else {
			cur.lines = append(cur.lines, o.Line)
		}
	}
	if cur != nil {
		out = append(out, *cur)
	}
	return out
}

func sameHunk(a, b hunk) bool {
	return a.start == b.start && a.end == b.end && strings.Join(a.lines, "") == strings.Join(b.lines, "")
}

// merge3 merges two edits of base line by line, like a merge tool with
// no context rules: changes from both sides apply when they neither
// overlap nor touch; identical changes count once. ok is false on a
// conflict, and then nothing is merged.
func merge3(base, ours, theirs []byte) (merged []byte, ok bool) {
	b := textdiff.SplitLines(string(base))
	x, y := hunks(b, textdiff.SplitLines(string(ours))), hunks(b, textdiff.SplitLines(string(theirs)))
	var all []hunk
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case j == len(y):
			all = append(all, x[i])
			i++
			continue
		case i == len(x):
			all = append(all, y[j])
			j++
			continue
		}
		hx, hy := x[i], y[j]
		switch {
		case sameHunk(hx, hy):
			all = append(all, hx)
			i++
			j++
		case hx.start <= hy.end && hy.start <= hx.end:
			return nil, false // overlapping or touching: a real conflict
		case hx.start < hy.start:
			all = append(all, hx)
			i++
		default:
			all = append(all, hy)
			j++
		}
	}
	var sb strings.Builder
	pos := 0
	for _, h := range all {
		for ; pos < h.start; pos++ {
			sb.WriteString(b[pos])
		}
		for _, l := range h.lines {
			sb.WriteString(l)
		}
		pos = h.end
	}
	for ; pos < len(b); pos++ {
		sb.WriteString(b[pos])
	}
	return []byte(sb.String()), true
}

// mergeHomeEdit merges home's uncaptured edit of the target named name
// with the source's change, both against base. Insertions both made at one
// place (both appended, say) are all kept, as the sync's own merge keeps
// them, except in files structured by name. Home's go last: not captured
// yet, home's edit was saved after the round that brought the source's
// change began, and that change was made before it was pushed. (A capture
// skipped after a crash can leave an older home edit: its lines still stay
// live, only their order may be off.)
func mergeHomeEdit(name string, base, home, source []byte) ([]byte, bool) {
	if !textdiff.StructuredByName(name) {
		if out, ok := textdiff.UnionInsertions(base, source, home, -1); ok {
			return out, true
		}
	}
	return merge3(base, home, source)
}
