package dotfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBrokenIgnoreStillCaptures: when the root .chezmoiignore fails to
// render, apply holds every target naming the file (what it may write is
// unknown), while capture still takes a home edit of a plain file, and
// every record is kept.
func TestBrokenIgnoreStillCaptures(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_a"), "a\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_b"), "b\n", 0o644)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.src, ".chezmoiignore"), "{{ .nope }}\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_b"), "b from source\n", 0o644)
	writeFile(t, filepath.Join(f.home, ".a"), "a edited\n", 0o644)
	rep := mustApply(t, f.opts)
	if len(rep.Changes) != 0 || !strings.Contains(heldText(rep.Held), ".b (dot_b): render .chezmoiignore") {
		t.Fatalf("apply with a broken ignore: changes %v, held:\n%s", rep.Changes, heldText(rep.Held))
	}
	if got := readFile(t, filepath.Join(f.home, ".b")); got != "b\n" {
		t.Errorf(".b written despite the broken ignore: %q", got)
	}
	c := mustCapture(t, f.opts)
	if len(c.Captured) != 1 || c.Captured[0].Target != ".a" {
		t.Fatalf("captured %v, want .a", c.Captured)
	}
	if got := readFile(t, filepath.Join(f.src, "dot_a")); got != "a edited\n" {
		t.Errorf("source dot_a = %q", got)
	}
	os.Remove(filepath.Join(f.src, ".chezmoiignore"))
	rep = mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".b")); got != "b from source\n" || len(rep.Held) != 0 {
		t.Errorf("after the fix: .b = %q, held %v", got, rep.Held)
	}
}

// TestTargetsInHearthsPlacesAreRefused: targets inside the source dir, a
// protected path, or a .git dir are held as refused and never written (a
// target reached through a home link into the source is held too), and an
// exact_ parent never removes them.
func TestTargetsInHearthsPlacesAreRefused(t *testing.T) {
	f := newFixture(t, "")
	state := filepath.Join(f.home, ".local", "state", "hearth")
	if err := os.MkdirAll(state, 0o755); err != nil {
		t.Fatal(err)
	}
	f.opts.Protected = []string{state}
	// The source lives in home here, as by default.
	src := filepath.Join(f.home, ".local", "share", "chezmoi")
	if err := os.MkdirAll(filepath.Dir(src), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(f.src, src); err != nil {
		t.Fatal(err)
	}
	f.opts.SourceDir = src
	if err := os.Symlink(".local/share/chezmoi", filepath.Join(f.home, "dots")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(src, "exact_dot_local", "exact_share", "chezmoi", "loot"), "x\n", 0o644)
	writeFile(t, filepath.Join(src, "dots", "loot2"), "x\n", 0o644)
	writeFile(t, filepath.Join(src, "exact_dot_local", "exact_state", "other"), "x\n", 0o644)
	writeFile(t, filepath.Join(state, "sync.json"), "{}\n", 0o644)
	writeFile(t, filepath.Join(src, "repo", "dot_git", "config"), "x\n", 0o644)
	writeFile(t, filepath.Join(src, "dot_ok"), "ok\n", 0o644)
	rep := mustApply(t, f.opts)
	reasons := map[string]string{}
	for _, c := range rep.Held {
		reasons[c.Target] = c.Reason
	}
	for _, target := range []string{".local/share/chezmoi", "repo/.git"} {
		if !strings.HasPrefix(reasons[target], "refused") {
			t.Errorf("%s held for %q, want refused; held:\n%s", target, reasons[target], heldText(rep.Held))
		}
	}
	if reasons["dots/loot2"] == "" {
		t.Errorf("dots/loot2, below a home link into the source, not held:\n%s", heldText(rep.Held))
	}
	for _, p := range []string{"loot", "loot2"} {
		if _, err := os.Lstat(filepath.Join(src, p)); err == nil {
			t.Errorf("%s written into the source", p)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "sync.json")); err != nil {
		t.Errorf("an exact_ parent removed the state dir: %v", err)
	}
	if got := readFile(t, filepath.Join(f.home, ".ok")); got != "ok\n" {
		t.Errorf(".ok = %q", got)
	}
}

// TestHugeTemplateOutputIsHeld: a template whose output grows over the
// size limit stops there and is held; the other targets apply.
func TestHugeTemplateOutputIsHeld(t *testing.T) {
	f := newFixture(t, "")
	f.opts.MaxFileSize = 1 << 20
	writeFile(t, filepath.Join(f.src, "dot_huge.tmpl"), `{{ range until 100000 }}{{ repeat 100 "x" }}{{ end }}`, 0o644)
	writeFile(t, filepath.Join(f.src, "dot_ok"), "ok\n", 0o644)
	rep := mustApply(t, f.opts)
	if !strings.Contains(heldText(rep.Held), "over the limit of 1048576") {
		t.Errorf("held:\n%s", heldText(rep.Held))
	}
	if got := readFile(t, filepath.Join(f.home, ".ok")); got != "ok\n" {
		t.Errorf(".ok = %q", got)
	}
}
