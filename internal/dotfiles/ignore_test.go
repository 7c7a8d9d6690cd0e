package dotfiles

import (
	"strings"
	"testing"
)

func TestIgnoreSet(t *testing.T) {
	const text = `
README.md
*.txt            # top level only
*/*.log
.config/secret/
backups/**
notes/**/*.tmp
!notes/keep/*.tmp
file#hash        # a # inside a name is kept
# a comment line
   .padded   
{.a,.b}
`
	var s IgnoreSet
	if err := s.ParseIgnore(".chezmoiignore", "", text); err != nil {
		t.Fatal(err)
	}
	var sub IgnoreSet
	if err := sub.ParseIgnore("dot_config/.chezmoiignore", ".config", "local.conf\n!keep.conf\n*.conf\n"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		set     *IgnoreSet
		path    string
		match   bool
		ignored bool
	}{
		{&s, "README.md", true, true},
		{&s, "a.txt", true, true},
		{&s, "dir/a.txt", false, false},
		{&s, "dir/a.log", true, true},
		{&s, "dir/sub/a.log", false, false},
		{&s, ".config/secret", true, true},
		{&s, ".config/secret/key", false, true},
		// doublestar's ** also matches zero segments, so "backups/**"
		// matches the directory itself; chezmoi matches with doublestar too.
		{&s, "backups", true, true},
		{&s, "backups/x/y", true, true},
		{&s, "notes/a/b/c.tmp", true, true},
		{&s, "notes/c.tmp", true, true},
		{&s, "notes/keep/c.tmp", false, false},
		{&s, "file#hash", true, true},
		{&s, ".padded", true, true},
		{&s, ".a", true, true},
		{&s, ".b", true, true},
		{&s, ".c", false, false},
		{&s, "# a comment line", false, false},
		{&sub, ".config/local.conf", true, true},
		{&sub, ".config/keep.conf", false, false},
		{&sub, ".config/other.conf", true, true},
		{&sub, "local.conf", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := tt.set.Match(tt.path); got != tt.match {
				t.Errorf("Match(%q) = %v, want %v", tt.path, got, tt.match)
			}
			if got := tt.set.Ignored(tt.path); got != tt.ignored {
				t.Errorf("Ignored(%q) = %v, want %v", tt.path, got, tt.ignored)
			}
		})
	}
}

func TestIgnoreInvalidPatternNamesFileAndLine(t *testing.T) {
	var s IgnoreSet
	err := s.ParseIgnore("home/.chezmoiignore", "", "ok\n[unclosed\n")
	if err == nil || !strings.Contains(err.Error(), "home/.chezmoiignore:2") {
		t.Fatalf("err = %v, want one naming home/.chezmoiignore:2", err)
	}
}

// escapeGlob quotes every doublestar metacharacter so the pattern matches
// the path literally.
func escapeGlob(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`\*?[]{}!`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzIgnore checks the matcher's laws on arbitrary patterns and paths:
// no panics; a path is matched by its own escaped pattern; an exclude of
// the path beats any includes, wherever it appears; and a path below an
// ignored directory is ignored.
func FuzzIgnore(f *testing.F) {
	f.Add("*.txt\n!keep.txt\n", "a.txt")
	f.Add("**/x\n", "a/b/x")
	f.Add("{a,b}/c # comment\n", "b/c")
	f.Add("[a-z]*\n", "q/r")
	f.Fuzz(func(t *testing.T, text, path string) {
		var s IgnoreSet
		_ = s.ParseIgnore("fuzz", "", text) // invalid patterns are an error, not a panic
		s.Match(path)
		s.Ignored(path)
		if path == "" || strings.ContainsAny(path, "\n\r#") || strings.TrimSpace(path) != path ||
			strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/") || strings.Contains(path, "//") || path[0] == '!' || hasDotSegment(path) {
			return
		}
		var lit IgnoreSet
		if err := lit.ParseIgnore("lit", "", escapeGlob(path)); err != nil {
			t.Fatalf("escaped pattern for %q rejected: %v", path, err)
		}
		if !lit.Match(path) {
			t.Fatalf("escaped pattern %q does not match %q", escapeGlob(path), path)
		}
		var both IgnoreSet
		if err := both.ParseIgnore("both", "", "!"+escapeGlob(path)+"\n**\n"+escapeGlob(path)); err != nil {
			t.Fatal(err)
		}
		if both.Match(path) {
			t.Fatalf("exclude of %q did not win over includes", path)
		}
		if !lit.Ignored(path + "/child") {
			t.Fatalf("%q/child not ignored below ignored %q", path, path)
		}
	})
}

func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}
