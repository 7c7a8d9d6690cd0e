package chezmoicompat

import (
	"strings"
	"testing"
)

func TestParseKnown(t *testing.T) {
	doc := "# x\n\n" + KnownHeading + "\n\ntext\n\n| case | path | reason |\n|---|---|---|\n" +
		"| txtar/a | `.dir/**` | external_ |\n| repo/* | .x | because |\n\nafter\n| not | a | row |\n"
	k, err := ParseKnown([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(k) != 2 {
		t.Fatalf("got %d rows, want 2: %+v", len(k), k)
	}
	for _, tt := range []struct {
		c, p string
		want bool
	}{
		{"txtar/a", ".dir", true}, {"txtar/a", ".dir/f/g", true}, {"txtar/a", ".dirx", false},
		{"txtar/b", ".dir", false}, {"repo/kvokka", ".x", true}, {"repo/kvokka", ".x/y", false},
	} {
		got := k[0].Matches(tt.c, tt.p) || k[1].Matches(tt.c, tt.p)
		if got != tt.want {
			t.Errorf("%s %s: matched %v, want %v", tt.c, tt.p, got, tt.want)
		}
	}
	for _, bad := range []string{
		KnownHeading + "\n| case | path |\n|---|---|\n",
		KnownHeading + "\n| case | path | reason |\n|---|---|---|\n| a | b | |\n",
		"no section\n",
	} {
		if _, err := ParseKnown([]byte(bad)); err == nil {
			t.Errorf("ParseKnown(%q) accepted it", strings.SplitN(bad, "\n", 3)[1])
		}
	}
}

func TestCompare(t *testing.T) {
	a := Tree{"f": {Type: "file", Perm: 0o644, Content: []byte("x")}, "d": {Type: "dir", Perm: 0o755},
		"l": {Type: "symlink", Link: "f"}, "only": {Type: "file"}}
	b := Tree{"f": {Type: "file", Perm: 0o600, Content: []byte("y")}, "d": {Type: "dir", Perm: 0o755},
		"l": {Type: "symlink", Link: "g"}, "new": {Type: "dir"}}
	diffs, n := Compare(a, b)
	if n != 5 {
		t.Errorf("entries = %d, want 5", n)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.Path+": "+d.What)
	}
	want := []string{`f: perm 0644 vs 0600, content "x" vs "y"`, `l: link "f" vs "g"`, "new: only in hearth (dir)", "only: only in chezmoi (file)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diffs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSelectScript: the rule that picks chezmoi's apply scripts.
func TestSelectScript(t *testing.T) {
	src := "-- " + SourcePrefix + "dot_file --\nx\n"
	for _, tt := range []struct {
		name, script string
		ok           bool
	}{
		{"plain", "exec chezmoi apply --force\ncmp $HOME/.file golden/.file\n" + src, true},
		{"guards and setup", "[windows] skip 'UNIX only'\n[!umask:022] skip\nchmod 700 $CHEZMOISOURCEDIR/dot_file\nsymlink $HOME/l -> .file\nexec chezmoi apply\n" + src, true},
		{"skips on linux", "[unix] skip 'Windows only'\nexec chezmoi apply\n" + src, false},
		{"dry run", "exec chezmoi apply --dry-run\n" + src, false},
		{"target", "exec chezmoi apply $HOME/.file\n" + src, false},
		{"other command first", "exec chezmoi add $HOME/.file\nexec chezmoi apply\n" + src, false},
		{"generated source", "mksourcedir\nexec chezmoi apply\n", false},
		{"source not in archive", "exec chezmoi apply\n-- home/user/.file --\nx\n", false},
	} {
		s, why := SelectScript(tt.name+".txtar", []byte(tt.script))
		if (s != nil) != tt.ok {
			t.Errorf("%s: selected %v (%s), want %v", tt.name, s != nil, why, tt.ok)
		}
	}
}
