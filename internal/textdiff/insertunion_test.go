package textdiff

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestUnionInsertions(t *testing.T) {
	const base = "a\nb\nc\n"
	cases := []struct {
		name               string
		base, ours, theirs string
		order              int
		want               string // "" with ok false: left to git merge-file
		ok                 bool
	}{
		{name: "both append, ours older", base: base, ours: base + "o\n", theirs: base + "t\n", order: -1,
			want: base + "o\nt\n", ok: true},
		{name: "both append, theirs older", base: base, ours: base + "o\n", theirs: base + "t\n", order: 1,
			want: base + "t\no\n", ok: true},
		{name: "both append, same time: by text", base: base, ours: base + "z\n", theirs: base + "t\n",
			want: base + "t\nz\n", ok: true},
		{name: "both append several lines", base: base, ours: base + "o1\no2\n", theirs: base + "t1\n", order: -1,
			want: base + "o1\no2\nt1\n", ok: true},
		{name: "both insert after the same line", base: base, ours: "a\no\nb\nc\n", theirs: "a\nt\nb\nc\n", order: -1,
			want: "a\no\nt\nb\nc\n", ok: true},
		{name: "both insert at the start", base: base, ours: "o\n" + base, theirs: "t\n" + base, order: 1,
			want: "t\no\n" + base, ok: true},
		{name: "same line added on both", base: base, ours: base + "x\n", theirs: base + "x\n", order: -1,
			want: base + "x\n", ok: true},
		{name: "same lines added on both", base: base, ours: base + "x\ny\n", theirs: base + "x\ny\n", order: 1,
			want: base + "x\ny\n", ok: true},
		{name: "one append holds the other's line and more", base: base, ours: base + "x\n", theirs: base + "w\nx\ny\n", order: -1,
			want: base + "w\nx\ny\n", ok: true},
		{name: "one append is the start of the other's", base: base, ours: base + "x\ny\n", theirs: base + "x\n", order: -1,
			want: base + "x\ny\n", ok: true},
		{name: "appends sharing a first line, both kept whole", base: base, ours: base + "# a\nalias a\n", theirs: base + "# a\nalias b\n", order: -1,
			want: base + "# a\nalias a\n# a\nalias b\n", ok: true},
		{name: "empty base", base: "", ours: "o\n", theirs: "t\n", order: -1,
			want: "o\nt\n", ok: true},
		{name: "append plus an edit elsewhere on one side", base: base, ours: "A\nb\nc\no\n", theirs: base + "t\n", order: -1,
			want: "A\nb\nc\no\nt\n", ok: true},
		{name: "append plus a deletion elsewhere on the other side", base: base, ours: base + "o\n", theirs: "b\nc\nt\n", order: -1,
			want: "b\nc\no\nt\n", ok: true},
		{name: "one appends, one edits the last line", base: base, ours: base + "o\n", theirs: "a\nb\nC\n", order: -1},
		{name: "one appends, one deletes the last line", base: base, ours: base + "o\n", theirs: "a\nb\n", order: -1},
		{name: "insert against a deletion at that place", base: base, ours: "a\no\nb\nc\n", theirs: "a\nc\n", order: -1},
		{name: "same line changed on both", base: base, ours: "a\nB\nc\n", theirs: "a\nb2\nc\n", order: -1},
		{name: "inserts at different places (git merges these)", base: base, ours: "o\n" + base, theirs: base + "t\n", order: -1},
		{name: "no final newline, both append", base: "a\nb", ours: "a\nb\no\n", theirs: "a\nb\nt\n", order: -1,
			want: "a\nb\no\nt\n", ok: true},
		{name: "no final newline anywhere, both append", base: "a\nb", ours: "a\nb\no", theirs: "a\nb\nt", order: -1,
			want: "a\nb\no\nt", ok: true},
		{name: "no final newline, the newer append has one", base: "a\nb", ours: "a\nb\no", theirs: "a\nb\nt\n", order: -1,
			want: "a\nb\no\nt\n", ok: true},
		{name: "no final newline, the newer append has none", base: "a\nb", ours: "a\nb\no", theirs: "a\nb\nt\n", order: 1,
			want: "a\nb\nt\no", ok: true},
		{name: "insert at start, the other adds the final newline", base: "a\nb", ours: "o\na\nb", theirs: "t\na\nb\n", order: -1,
			want: "o\nt\na\nb\n", ok: true},
		{name: "CRLF, both append", base: "a\r\nb\r\n", ours: "a\r\nb\r\no\r\n", theirs: "a\r\nb\r\nt\r\n", order: -1,
			want: "a\r\nb\r\no\r\nt\r\n", ok: true},
		{name: "CRLF without final newline, both append", base: "a\r\nb", ours: "a\r\nb\r\no", theirs: "a\r\nb\r\nt", order: 1,
			want: "a\r\nb\r\nt\r\no", ok: true},
		{name: "one side converted to CRLF", base: "a\nb\n", ours: "a\r\nb\r\no\r\n", theirs: "a\nb\nt\n", order: -1},
		{name: "nothing inserted on one side", base: base, ours: base, theirs: base + "t\n", order: -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := UnionInsertions([]byte(c.base), []byte(c.ours), []byte(c.theirs), c.order)
			if ok != c.ok || string(got) != c.want {
				t.Fatalf("got %q, %v; want %q, %v", got, ok, c.want, c.ok)
			}
			// Merging from the other host's side (ours and theirs swapped,
			// the order with them) must give the same text.
			back, ok2 := UnionInsertions([]byte(c.base), []byte(c.theirs), []byte(c.ours), -c.order)
			if ok2 != ok || string(back) != string(got) {
				t.Fatalf("swapped sides: got %q, %v; want %q, %v", back, ok2, got, ok)
			}
		})
	}
}

// TestUnionInsertionsLosesNothing: for sides that only insert lines (at
// random places, from a small alphabet so that lines repeat), a union that
// succeeds holds each side's whole text in order, and both merge orders
// of the pair agree.
func TestUnionInsertionsLosesNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	line := func() string { return string(rune('a'+rng.IntN(4))) + "\n" }
	insert := func(base []string) []string {
		out := slices.Clone(base)
		for range 1 + rng.IntN(2) {
			at := rng.IntN(len(out) + 1)
			ins := make([]string, 1+rng.IntN(3))
			for i := range ins {
				ins[i] = line()
			}
			out = slices.Insert(out, at, ins...)
		}
		return out
	}
	joined := 0
	for range 3000 {
		base := make([]string, rng.IntN(6))
		for i := range base {
			base[i] = line()
		}
		ours, theirs := insert(base), insert(base)
		text := func(l []string) []byte { return []byte(strings.Join(l, "")) }
		got, ok := UnionInsertions(text(base), text(ours), text(theirs), rng.IntN(3)-1)
		if !ok {
			continue
		}
		joined++
		merged := SplitLines(string(got))
		for name, side := range map[string][]string{"base": base, "ours": ours, "theirs": theirs} {
			if !subsequence(side, merged) {
				t.Fatalf("%s %q is not kept in the merge %q (base %q, ours %q, theirs %q)", name, side, merged, base, ours, theirs)
			}
		}
	}
	if joined < 100 {
		t.Fatalf("only %d of 3000 random pairs were joined: the property was hardly tested", joined)
	}
}

func subsequence(small, big []string) bool {
	i := 0
	for _, l := range big {
		if i < len(small) && small[i] == l {
			i++
		}
	}
	return i == len(small)
}
