package dotfiles

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEscapingSourceEntriesRejected(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, src string)
		want  string
	}{
		{"dot_ dir to ..", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "dot_.", "dot_bashrc"), "x\n", 0o644)
		}, "dot_."},
		{"literal_ file ..", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "sub", "literal_.."), "x\n", 0o644)
		}, "sub/literal_.."},
		{"symlink_ named ..", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "symlink_dot_."), "/etc\n", 0o644)
		}, "symlink_dot_."},
		{"chezmoiroot outside", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, ".chezmoiroot"), "../elsewhere\n", 0o644)
		}, ".chezmoiroot"},
		{"chezmoiroot absolute", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, ".chezmoiroot"), "/etc\n", 0o644)
		}, ".chezmoiroot"},
		{"include outside the source", func(t *testing.T, src string) {
			writeFile(t, filepath.Join(src, "dot_x.tmpl"), `{{ include "../../etc/passwd" }}`, 0o644)
		}, "dot_x.tmpl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "")
			tt.setup(t, f.src)
			rep, err := Apply(context.Background(), f.opts)
			if err != nil {
				t.Fatalf("a bad entry failed the run: %v", err)
			}
			if held := heldText(rep.Held); !strings.Contains(held, tt.want) || !strings.Contains(held, errEscapes.Error()) {
				t.Fatalf("held = %s\nwant an escape naming %s", held, tt.want)
			}
			filepath.WalkDir(f.home, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					t.Errorf("rejected source wrote %s", p)
				}
				return nil
			})
		})
	}
}

// TestNoWriteThroughOutsideSymlink: a home directory replaced by a symlink
// to somewhere outside home is held, and nothing is written through it.
func TestNoWriteThroughOutsideSymlink(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_config", "app", "conf"), "x\n", 0o644)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(f.home, ".config")); err != nil {
		t.Fatal(err)
	}
	rep := mustApply(t, f.opts)
	if !hasReason(rep.Held, ".config", ReasonNotDirectory) || !hasReason(rep.Held, ".config/app/conf", ReasonParentHeld) {
		t.Errorf("held = %v", rep.Held)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("apply wrote through the symlink: %v", ents)
	}
}

func TestCheckNoEscape(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "out")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(root, "in")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		ok   bool
	}{
		{"f", true},
		{"real/f", true},
		{"in/f", true},
		{"missing/dir/f", true},
		{"out/f", false},
		{"out/missing/f", false},
	}
	for _, tt := range tests {
		err := checkNoEscape(root, filepath.Join(root, tt.path))
		if (err == nil) != tt.ok {
			t.Errorf("checkNoEscape(%s) = %v, want ok=%v", tt.path, err, tt.ok)
		}
	}
}

func TestIncludeRoots(t *testing.T) {
	tests := []struct {
		name, include string
		ok            bool
	}{
		{"inside", "api_key", true},
		{"outside", "/etc/hostname", false},
		{"dotdot out of root", "../secrets-other/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "")
			writeFile(t, filepath.Join(f.secrets, "api_key"), "k\n", 0o600)
			p := tt.include
			if !filepath.IsAbs(p) {
				p = filepath.Join(f.secrets, p)
			}
			writeFile(t, filepath.Join(f.src, "dot_x.tmpl"), `{{ include "`+p+`" }}`, 0o644)
			f.opts.IncludeRoots = []string{f.secrets}
			rep, err := Apply(context.Background(), f.opts)
			if err != nil {
				t.Fatal(err)
			}
			held := heldText(rep.Held)
			if tt.ok && held != "" {
				t.Fatalf("include inside the roots held: %s", held)
			}
			if !tt.ok && (!strings.Contains(held, errEscapes.Error()) || !strings.Contains(held, "dot_x.tmpl")) {
				t.Fatalf("held = %s, want an escape naming dot_x.tmpl", held)
			}
		})
	}
}
