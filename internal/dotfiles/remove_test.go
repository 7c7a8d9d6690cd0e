package dotfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/trash"
)

func TestRemoveEntryTrashesWhatHearthDidNotWrite(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.home, ".old"), "precious\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".olddir/x"), "x\n", 0o644)
	f.source(t, map[string]string{"remove_dot_old": "", "remove_dot_olddir": "anything\n", "remove_dot_absent": ""})
	rep := mustApply(t, f.opts)
	for _, p := range []string{".old", ".olddir"} {
		if _, err := os.Lstat(filepath.Join(f.home, p)); !os.IsNotExist(err) {
			t.Errorf("%s not removed: %v; held:\n%s", p, err, heldText(rep.Held))
		}
	}
	if len(rep.Trashed) != 2 {
		t.Fatalf("trashed %+v, want .old and .olddir kept in the trash", rep.Trashed)
	}
	tr := trash.Trash{Dir: trash.Dir(filepath.Dir(f.opts.StatePath))}
	if _, err := tr.Restore(rep.Trashed[0].ID, false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(f.home, ".old")); got != "precious\n" {
		t.Errorf("restored .old = %q", got)
	}
}

func TestRemoveEntryUnlinksWhatHearthWrote(t *testing.T) {
	f := newFixture(t, "")
	f.source(t, map[string]string{"dot_a": "a\n"})
	mustApply(t, f.opts)
	if err := os.Rename(filepath.Join(f.src, "dot_a"), filepath.Join(f.src, "remove_dot_a")); err != nil {
		t.Fatal(err)
	}
	rep := mustApply(t, f.opts)
	if _, err := os.Lstat(filepath.Join(f.home, ".a")); !os.IsNotExist(err) {
		t.Fatalf(".a not removed: %v; held:\n%s", err, heldText(rep.Held))
	}
	if len(rep.Trashed) != 0 {
		t.Errorf("hearth's own file went to the trash: %+v", rep.Trashed)
	}
}

func TestChezmoiRemovePatterns(t *testing.T) {
	f := newFixture(t, "")
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "old-victim"), "outside\n", 0o644)
	for _, p := range []string{".cache/old-a", ".cache/old-b", ".cache/old-keep", ".cache/new", ".cfg/old-x", ".managed-old", ".ignored-old"} {
		writeFile(t, filepath.Join(f.home, p), p+"\n", 0o644)
	}
	if err := os.Symlink(outside, filepath.Join(f.home, ".link")); err != nil {
		t.Fatal(err)
	}
	f.source(t, map[string]string{
		".chezmoiremove": "{{ if eq .chezmoi.os \"linux\" }}.cache/old-*\n!.cache/old-keep\n.link/*\n.*-old\n{{ end }}\n",
		// Patterns of a subdirectory's file are relative to it.
		"dot_cfg/.chezmoiremove": "old-*\n",
		".chezmoiignore":         ".ignored-old\n",
		"dot_managed-old":        "managed\n",
	})
	rep := mustApply(t, f.opts)
	gone := []string{".cache/old-a", ".cache/old-b", ".cfg/old-x"}
	kept := []string{".cache/old-keep", ".cache/new", ".ignored-old", ".link"}
	for _, p := range gone {
		if _, err := os.Lstat(filepath.Join(f.home, p)); !os.IsNotExist(err) {
			t.Errorf("%s not removed (%v); held:\n%s", p, err, heldText(rep.Held))
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(filepath.Join(f.home, p)); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	// Managed (held here: home's copy predates hearth), never removed.
	if _, err := os.Lstat(filepath.Join(f.home, ".managed-old")); err != nil {
		t.Errorf("a managed target was removed: %v", err)
	}
	if got := readFile(t, filepath.Join(outside, "old-victim")); got != "outside\n" {
		t.Errorf("a pattern reached through a symlink out of home: %q", got)
	}
	for _, e := range rep.Trashed {
		if !strings.Contains(e.Reason, ".chezmoiremove") {
			t.Errorf("trash reason %q does not name .chezmoiremove", e.Reason)
		}
	}
}
