package dotfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKindChangeReplacesOnlyWhatHearthWrote: when the source turns a
// file into a directory or back, home's entry is replaced if it is
// exactly what hearth wrote, and held (left as it is) if it holds
// anything of the user's: an edit, or a file hearth never wrote.
func TestKindChangeReplacesOnlyWhatHearthWrote(t *testing.T) {
	for _, tt := range []struct {
		name     string
		dirFirst bool
		userEdit func(t *testing.T, home string)
		replaced bool
	}{
		{"file to dir", false, nil, true},
		{"edited file to dir", false, func(t *testing.T, home string) { writeFile(t, filepath.Join(home, ".k"), "mine\n", 0o644) }, false},
		{"dir to file", true, nil, true},
		{"dir with a user's file to file", true, func(t *testing.T, home string) { writeFile(t, filepath.Join(home, ".k", "own"), "mine\n", 0o644) }, false},
		{"empty dir of the user's to file", true, func(t *testing.T, home string) {
			os.RemoveAll(filepath.Join(home, ".k"))
			os.Mkdir(filepath.Join(home, ".k"), 0o755)
		}, false},
		{"dir with an edited file to file", true, func(t *testing.T, home string) { writeFile(t, filepath.Join(home, ".k", "in"), "mine\n", 0o644) }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "")
			if tt.dirFirst {
				writeFile(t, filepath.Join(f.src, "dot_k", "in"), "in\n", 0o644)
			} else {
				writeFile(t, filepath.Join(f.src, "dot_k"), "k\n", 0o644)
			}
			mustApply(t, f.opts)
			if tt.userEdit != nil {
				tt.userEdit(t, f.home)
			}
			if err := os.RemoveAll(filepath.Join(f.src, "dot_k")); err != nil {
				t.Fatal(err)
			}
			if tt.dirFirst {
				writeFile(t, filepath.Join(f.src, "dot_k"), "now a file\n", 0o644)
			} else {
				writeFile(t, filepath.Join(f.src, "dot_k", "in"), "now in a dir\n", 0o644)
			}
			rep := mustApply(t, f.opts)
			st, err := os.Lstat(filepath.Join(f.home, ".k"))
			if err != nil {
				t.Fatal(err)
			}
			nowDir := st.IsDir()
			if got := nowDir != tt.dirFirst; got != tt.replaced {
				t.Fatalf("replaced = %v, want %v; held:\n%s", got, tt.replaced, heldText(rep.Held))
			}
			if !tt.replaced && !strings.Contains(heldText(rep.Held), ".k") {
				t.Errorf("not replaced and not held: %s", heldText(rep.Held))
			}
			if tt.replaced && len(rep.Held) != 0 {
				t.Errorf("held after replacing: %s", heldText(rep.Held))
			}
			if tt.replaced && tt.dirFirst {
				if got := readFile(t, filepath.Join(f.home, ".k")); got != "now a file\n" {
					t.Errorf(".k = %q", got)
				}
			}
			if tt.replaced && !tt.dirFirst {
				if got := readFile(t, filepath.Join(f.home, ".k", "in")); got != "now in a dir\n" {
					t.Errorf(".k/in = %q", got)
				}
			}
			// The next apply changes nothing.
			if rep := mustApply(t, f.opts); tt.replaced && (len(rep.Changes) != 0 || len(rep.Held) != 0) {
				t.Errorf("second apply: changes %v, held %s", rep.Changes, heldText(rep.Held))
			}
		})
	}
}
