// Package textdiff renders unified diffs of small text files (Myers), and
// joins two sides' insertions at one place of a three-way line merge.
package textdiff

import (
	"fmt"
	"strings"

	"github.com/hearth-fleet/hearth/internal/termsafe"
)

// maxDiffLines bounds the Myers search; larger inputs show as one hunk
// replacing everything, which is correct, only less precise.
const maxDiffLines = 20000

// Unified returns a unified diff (3 lines of context) turning a into b,
// or "" when they are equal. Labels go on the ---/+++ lines, quoted when
// they hold a control character.
func Unified(labelA, labelB string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	x, y := SplitLines(string(a)), SplitLines(string(b))
	ops := Ops(x, y)
	var sb strings.Builder
	// Labels are file names, which may hold a newline or an escape sequence.
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", termsafe.Quote(labelA), termsafe.Quote(labelB))
	const ctx = 3
	for i := 0; i < len(ops); {
		// Find the next change.
		for i < len(ops) && ops[i].Kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-ctx, 0)
		// Extend the hunk while changes are within 2*ctx of each other.
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].Kind != ' ' {
				end = j
			} else if j-end > 2*ctx {
				break
			}
		}
		stop := min(end+ctx+1, len(ops))
		writeHunk(&sb, ops[start:stop])
		i = stop
	}
	return sb.String()
}

// Op is one step of an edit script: keep (' '), delete ('-') or insert ('+') a line.
type Op struct {
	Kind byte // ' ', '-', '+'
	Line string
	AI   int // line index in a (for ' ' and '-')
	BI   int // line index in b (for ' ' and '+')
}

func writeHunk(sb *strings.Builder, ops []Op) {
	var na, nb int
	sa, sbi := -1, -1
	for _, o := range ops {
		if o.Kind != '+' {
			na++
			if sa < 0 {
				sa = o.AI
			}
		}
		if o.Kind != '-' {
			nb++
			if sbi < 0 {
				sbi = o.BI
			}
		}
	}
	// An empty side is numbered by the line before it (unified diff rule).
	if sa < 0 {
		sa = ops[0].AI - 1
	}
	if sbi < 0 {
		sbi = ops[0].BI - 1
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(sa, na), hunkRange(sbi, nb))
	for _, o := range ops {
		sb.WriteByte(o.Kind)
		sb.WriteString(o.Line)
		if !strings.HasSuffix(o.Line, "\n") {
			sb.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// SplitLines splits s into lines keeping the newlines; a last line without one stays.
func SplitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Ops computes an edit script turning a into b with Myers' O(ND) algorithm.
func Ops(a, b []string) []Op {
	n, m := len(a), len(b)
	if n+m > maxDiffLines {
		return replaceAll(a, b)
	}
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		if (d+1)*len(v) > maxTraceInts {
			return replaceAll(a, b)
		}
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, off, d)
			}
		}
	}
	return nil
}

// maxTraceInts bounds the memory of the Myers trace (8M ints).
const maxTraceInts = 8 << 20

// replaceAll is the trivial edit script: delete all of a, insert all of b.
func replaceAll(a, b []string) []Op {
	ops := make([]Op, 0, len(a)+len(b))
	for i, l := range a {
		ops = append(ops, Op{Kind: '-', Line: l, AI: i, BI: 0})
	}
	for j, l := range b {
		ops = append(ops, Op{Kind: '+', Line: l, AI: len(a), BI: j})
	}
	return ops
}

// backtrack walks the saved V arrays from (n, m) back to (0, 0).
func backtrack(a, b []string, trace [][]int, off, dEnd int) []Op {
	x, y := len(a), len(b)
	var rev []Op
	for d := dEnd; d >= 0; d-- {
		v := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := v[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, Op{Kind: ' ', Line: a[x], AI: x, BI: y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, Op{Kind: '+', Line: b[y], AI: x, BI: y})
		} else {
			x--
			rev = append(rev, Op{Kind: '-', Line: a[x], AI: x, BI: y})
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
