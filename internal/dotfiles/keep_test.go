package dotfiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestExactUnlinksOnlyWhatHearthWrote: once the source drops entries of
// an exact_ dir, what hearth wrote there (a file, a directory it filled)
// is unlinked, and what it did not write (a file a person added, a
// directory holding one, a file edited since) goes to the trash.
func TestExactUnlinksOnlyWhatHearthWrote(t *testing.T) {
	f := newFixture(t, "")
	for _, p := range []string{"exact_dot_d/keep", "exact_dot_d/gone", "exact_dot_d/edited", "exact_dot_d/sub/x", "exact_dot_d/mixed/y"} {
		writeFile(t, filepath.Join(f.src, p), p+"\n", 0o644)
	}
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.home, ".d", "mine"), "a person's file\n", 0o600)
	writeFile(t, filepath.Join(f.home, ".d", "mixed", "theirs"), "theirs\n", 0o600)
	writeFile(t, filepath.Join(f.home, ".d", "edited"), "edited in home\n", 0o644)
	for _, p := range []string{"gone", "edited", "sub", "mixed"} {
		if err := os.RemoveAll(filepath.Join(f.src, "exact_dot_d", p)); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustApply(t, f.opts)
	trashed := map[string]bool{}
	for _, e := range rep.Trashed {
		trashed[e.Path] = true
	}
	for p, want := range map[string]bool{".d/gone": false, ".d/sub": false, ".d/mine": true, ".d/mixed": true, ".d/edited": true} {
		if trashed[p] != want {
			t.Errorf("%s: trashed %v, want %v (trashed: %v)", p, trashed[p], want, trashed)
		}
		if _, err := os.Lstat(filepath.Join(f.home, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s still in home", p)
		}
	}
	list, err := f.opts.trash().List()
	if err != nil || len(list) != 3 {
		t.Fatalf("trash holds %v (%v), want 3 entries", list, err)
	}
	if got := readFile(t, filepath.Join(f.home, ".d", "keep")); got != "exact_dot_d/keep\n" {
		t.Errorf("kept entry: %q", got)
	}
}
