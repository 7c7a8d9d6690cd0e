// Package textdiff renders unified diffs of small text files (Myers).
package textdiff

import (
	"fmt"
	"strings"
)

// maxDiffLines bounds the Myers search; larger inputs show as one hunk
// replacing everything, which is correct, only less precise.
const maxDiffLines = 20000

// Unified returns a unified diff (3 lines of context) turning a into b,
// or "" when they are equal. Labels go on the ---/+++ lines.
func Unified(labelA, labelB string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	x, y := splitLines(string(a)), splitLines(string(b))
	ops := diffOps(x, y)
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", labelA, labelB)
	const ctx = 3
	for i := 0; i < len(ops); {
		// Find the next change.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-ctx, 0)
		// Extend the hunk while changes are within 2*ctx of each other.
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
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

type diffOp struct {
	kind byte // ' ', '-', '+'
	line string
	ai   int // line index in a (for ' ' and '-')
	bi   int // line index in b (for ' ' and '+')
}

func writeHunk(sb *strings.Builder, ops []diffOp) {
	var na, nb int
	sa, sbi := -1, -1
	for _, o := range ops {
		if o.kind != '+' {
			na++
			if sa < 0 {
				sa = o.ai
			}
		}
		if o.kind != '-' {
			nb++
			if sbi < 0 {
				sbi = o.bi
			}
		}
	}
	// An empty side is numbered by the line before it (unified diff rule).
	if sa < 0 {
		sa = ops[0].ai - 1
	}
	if sbi < 0 {
		sbi = ops[0].bi - 1
	}
	fmt.Fprintf(sb, "@@ -%s +%s @@\n", hunkRange(sa, na), hunkRange(sbi, nb))
	for _, o := range ops {
		sb.WriteByte(o.kind)
		sb.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
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

// splitLines splits keeping the newlines; a last line without one stays.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// diffOps computes an edit script with Myers' O(ND) algorithm.
func diffOps(a, b []string) []diffOp {
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
func replaceAll(a, b []string) []diffOp {
	ops := make([]diffOp, 0, len(a)+len(b))
	for i, l := range a {
		ops = append(ops, diffOp{kind: '-', line: l, ai: i, bi: 0})
	}
	for j, l := range b {
		ops = append(ops, diffOp{kind: '+', line: l, ai: len(a), bi: j})
	}
	return ops
}

// backtrack walks the saved V arrays from (n, m) back to (0, 0).
func backtrack(a, b []string, trace [][]int, off, dEnd int) []diffOp {
	x, y := len(a), len(b)
	var rev []diffOp
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
			rev = append(rev, diffOp{kind: ' ', line: a[x], ai: x, bi: y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, diffOp{kind: '+', line: b[y], ai: x, bi: y})
		} else {
			x--
			rev = append(rev, diffOp{kind: '-', line: a[x], ai: x, bi: y})
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}
