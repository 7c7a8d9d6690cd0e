package secrets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A generations dir without hearth's marker is another tool's unless it
// holds no generation (a crash right after hearth created it).
func TestGenerationsDirMarker(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, gens string)
		refused bool
	}{
		{"empty dir left by a crash", func(t *testing.T, gens string) {}, false},
		{"only a temp leftover", func(t *testing.T, gens string) {
			mkdirMode(t, filepath.Join(gens, tmpPrefix+"x"), 0o700)
		}, false},
		{"another tool's generation", func(t *testing.T, gens string) {
			mkdirMode(t, filepath.Join(gens, "7"), 0o751)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := f.opts(Spec{Name: "a", SopsFile: f.sops("s.yaml", "yaml", "a: v\n"), Key: "a"})
			gens := o.Root + ".d"
			mkdirMode(t, gens, genDirMode)
			tt.setup(t, gens)
			_, err := Install(t.Context(), o)
			if tt.refused {
				if err == nil || !strings.Contains(err.Error(), "not made by hearth") || !strings.Contains(err.Error(), "secrets.root") {
					t.Fatalf("err = %v, want a refusal with the way out", err)
				}
				if _, err := os.Lstat(o.Root); !os.IsNotExist(err) {
					t.Errorf("root created despite the refusal: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(gens, markerName)); err != nil {
				t.Errorf("marker not written: %v", err)
			}
		})
	}
}

func mkdirMode(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(p, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}
