package textdiff

import (
	"slices"
	"strings"
)

// hunk is one side's change to the base: lines [start, start+del) of the
// base replaced by ins. del == 0 is a pure insertion before line start.
type hunk struct {
	start, del int
	ins        []string
	theirs     bool
}

// UnionInsertions merges three versions of a text whose only overlapping
// change is both sides inserting lines at the same place in the base (both
// appended, say). Both insertions are kept, the older edit's first (order
// < 0: ours is older, > 0: theirs; on a tie the text decides, so every
// host merging the pair writes the same result). An insertion found whole
// and in one piece inside the other's (identical, or the same line plus
// more) is kept once, inside the other. Changes of one side only are applied as they are. ok is false
// for anything else — a deleted or changed line next to or under the other
// side's change — and when no insertions needed joining: the caller merges
// as before.
func UnionInsertions(base, ours, theirs []byte, order int) (out []byte, ok bool) {
	eol := lineEnding(base, ours, theirs)
	b, o, t := splitNormal(base, eol), splitNormal(ours, eol), splitNormal(theirs, eol)
	hunks := append(hunksOf(b, o, false), hunksOf(b, t, true)...)
	slices.SortStableFunc(hunks, func(x, y hunk) int { return x.start - y.start })

	var lines []string
	pos := 0
	last := lastFromBase
	joined := false // at least one pair of insertions was unioned
	for i := 0; i < len(hunks); {
		// A cluster is a run of hunks whose base ranges overlap or touch.
		j, end := i+1, hunks[i].start+hunks[i].del
		for j < len(hunks) && hunks[j].start <= end {
			end = max(end, hunks[j].start+hunks[j].del)
			j++
		}
		cluster := hunks[i:j]
		lines = append(lines, b[pos:cluster[0].start]...)
		switch {
		case len(cluster) == 1:
			h := cluster[0]
			lines = append(lines, h.ins...)
			pos = h.start + h.del
			last = sideOf(h, len(h.ins) > 0)
		case len(cluster) == 2 && cluster[0].theirs != cluster[1].theirs &&
			cluster[0].del == 0 && cluster[1].del == 0 && cluster[0].start == cluster[1].start:
			first, second := cluster[0], cluster[1]
			if first.theirs {
				first, second = second, first // ours, theirs
			}
			if order > 0 || order == 0 && slices.Compare(second.ins, first.ins) < 0 {
				first, second = second, first
			}
			switch {
			case slices.Equal(first.ins, second.ins):
				lines = append(lines, first.ins...)
				last = lastFromBoth
			case containsRun(first.ins, second.ins):
				lines = append(lines, first.ins...)
				last = sideOf(first, true)
			case containsRun(second.ins, first.ins):
				lines = append(lines, second.ins...)
				last = sideOf(second, true)
			default:
				lines = append(append(lines, first.ins...), second.ins...)
				last = sideOf(second, true)
			}
			pos = first.start
			joined = true
		default:
			return nil, false
		}
		i = j
	}
	if !joined {
		return nil, false // nothing for this merge to add over git's
	}
	lines = append(lines, b[pos:]...)
	if pos < len(b) {
		last = lastFromBase
	}
	res := strings.Join(lines, "")
	if res != "" && !endsWithNewline(last, base, ours, theirs) {
		res = strings.TrimSuffix(res, eol)
	}
	return []byte(res), true
}

// containsRun reports whether small occurs in big as consecutive lines.
func containsRun(big, small []string) bool {
	for i := 0; i+len(small) <= len(big); i++ {
		if slices.Equal(big[i:i+len(small)], small) {
			return true
		}
	}
	return false
}

// Where the merged text's last line came from.
const (
	lastFromBase = iota
	lastFromOurs
	lastFromTheirs
	lastFromBoth
)

func sideOf(h hunk, inserted bool) int {
	switch {
	case !inserted:
		return lastFromBase
	case h.theirs:
		return lastFromTheirs
	}
	return lastFromOurs
}

// endsWithNewline decides the merged text's final newline, which the
// line comparison ignored: the side whose line ends the text says; for a
// base line, a side that added or dropped the final newline says.
func endsWithNewline(last int, base, ours, theirs []byte) bool {
	nl := func(b []byte) bool { return len(b) == 0 || b[len(b)-1] == '\n' }
	switch last {
	case lastFromOurs:
		return nl(ours)
	case lastFromTheirs:
		return nl(theirs)
	case lastFromBoth:
		return nl(ours) || nl(theirs)
	}
	if nl(ours) != nl(base) {
		return nl(ours)
	}
	return nl(theirs)
}

// lineEnding is the text's line ending, CRLF when the first line break
// found (base first) is one.
func lineEnding(texts ...[]byte) string {
	for _, t := range texts {
		if i := strings.IndexByte(string(t), '\n'); i >= 0 {
			if i > 0 && t[i-1] == '\r' {
				return "\r\n"
			}
			return "\n"
		}
	}
	return "\n"
}

// splitNormal splits a text into lines, giving a last line without a line
// ending one: appending to a text without a final newline then shows as
// an insertion, not as a change of its last line.
func splitNormal(b []byte, eol string) []string {
	lines := SplitLines(string(b))
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += eol
	}
	return lines
}

// hunksOf turns the line diff of base and side into hunks.
func hunksOf(base, side []string, theirs bool) []hunk {
	var out []hunk
	var cur *hunk
	for _, op := range Ops(base, side) {
		if op.Kind == ' ' {
			cur = nil
			continue
		}
		if cur == nil {
			out = append(out, hunk{start: op.AI, theirs: theirs})
			cur = &out[len(out)-1]
		}
		if op.Kind == '-' {
			cur.del++
		} else {
			cur.ins = append(cur.ins, op.Line)
		}
	}
	return out
}
