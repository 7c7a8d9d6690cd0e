package dotfiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/safefile"
)

func TestTempOf(t *testing.T) {
	tests := []struct {
		name, base string
		ok         bool
	}{
		{".bashrc.tmp-381566600", "bashrc", true},
		{"..bashrc.tmp-1", ".bashrc", true},
		{".dot_bashrc.tmp-42", "dot_bashrc", true},
		{".bashrc.tmp-", "", false},
		{".bashrc.tmp-12a", "", false},
		{"bashrc.tmp-12", "", false},
		{"..tmp-12", "", false},
	}
	for _, tt := range tests {
		base, ok := tempOf(tt.name)
		if base != tt.base || ok != tt.ok {
			t.Errorf("tempOf(%q) = %q, %v; want %q, %v", tt.name, base, ok, tt.base, tt.ok)
		}
	}
}

// A run killed between writing a temporary file and renaming it leaves the
// file behind; the next writing run removes such leftovers, in home and in
// the source, and nothing else.
func TestInterruptedWritesAreSwept(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_bashrc"), "b\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_config", "app.conf"), "a\n", 0o644)
	mustApply(t, f.opts)

	leftovers := []string{
		filepath.Join(f.home, "..bashrc.tmp-381566600"),
		filepath.Join(f.home, ".config", ".app.conf.tmp-7"),
		filepath.Join(f.src, ".dot_bashrc.tmp-99"),
	}
	kept := []string{
		filepath.Join(f.home, ".unmanaged.tmp-5"), // not next to a target of that name
		filepath.Join(f.home, ".notes.txt"),
	}
	for _, p := range append(leftovers, kept...) {
		writeFile(t, p, "junk\n", 0o600)
	}

	// Without the mark (no interrupted run) nothing is removed.
	mustApply(t, f.opts)
	for _, p := range leftovers {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s removed without an interrupted run: %v", p, err)
		}
	}

	// With it, the next writing run sweeps.
	p, err := makePlan(context.Background(), f.opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.beginWrites(); err != nil {
		t.Fatal(err)
	}
	mustApply(t, f.opts)
	for _, p := range leftovers {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("leftover %s not removed (%v)", p, err)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if _, err := os.Stat(f.opts.StatePath + ".writing"); !os.IsNotExist(err) {
		t.Errorf("the writing mark is still there (%v)", err)
	}
}

// TestLongNameWritesAndSweeps: a target and a source whose names are
// 250 and 253 bytes are written (their temporary names fit NAME_MAX), and
// the leftovers of killed writes beside them, named as writers name them
// now or as an older hearth did, are swept by the next writing run.
func TestLongNameWritesAndSweeps(t *testing.T) {
	f := newFixture(t, "")
	long := strings.Repeat("w", 249)
	writeFile(t, filepath.Join(f.src, "dot_"+long), "v\n", 0o644)
	writeFile(t, filepath.Join(f.src, "symlink_dot_"+long[:243]), "target\n", 0o644)
	mid := strings.Repeat("m", 219)
	writeFile(t, filepath.Join(f.src, "dot_"+mid), "m\n", 0o644)
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 {
		t.Fatalf("held: %s", heldText(rep.Held))
	}
	if got := readFile(t, filepath.Join(f.home, "."+long)); got != "v\n" {
		t.Fatalf("home .%s... = %q", long[:8], got)
	}
	if got, err := os.Readlink(filepath.Join(f.home, "."+long[:243])); err != nil || got != "target" {
		t.Fatalf("home link with a long name: %q, %v", got, err)
	}
	// A home edit is captured: the source's temporary file fits too.
	writeFile(t, filepath.Join(f.home, "."+long), "v2\n", 0o644)
	mustCapture(t, f.opts)
	if got := readFile(t, filepath.Join(f.src, "dot_"+long)); got != "v2\n" {
		t.Fatalf("source after capture = %q", got)
	}
	leftovers := []string{
		filepath.Join(f.home, "."+safefile.TempBase("."+long)+".tmp-381566600"),
		filepath.Join(f.src, "."+safefile.TempBase("dot_"+long)+".tmp-7"),
		filepath.Join(f.home, ".."+mid+".tmp-12"), // an older hearth's name
	}
	for _, p := range leftovers {
		if len(filepath.Base(p)) > 255 {
			t.Fatalf("leftover name of %d bytes", len(filepath.Base(p)))
		}
		writeFile(t, p, "junk\n", 0o600)
	}
	if err := os.WriteFile(f.opts.StatePath+".writing", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	mustApply(t, f.opts)
	for _, p := range leftovers {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("leftover %s... not swept", filepath.Base(p)[:12])
		}
	}
}
