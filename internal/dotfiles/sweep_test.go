package dotfiles

import (
	"context"
	"os"
	"path/filepath"
	"testing"
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
