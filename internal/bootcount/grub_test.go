package bootcount

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestGrubEnvCounter(t *testing.T) {
	testutil.RequireProgram(t, "grub-editenv")
	g := GrubEnv{Path: filepath.Join(t.TempDir(), "grubenv")}
	s, err := g.Count(3)
	if err != nil || !s.Counted || s.TriesLeft != 3 || s.State() != "counting" {
		t.Fatalf("count: %+v %v", s, err)
	}
	if st, _ := os.Stat(g.Path); st.Size() != 1024 {
		t.Fatalf("grubenv is %d bytes, GRUB reads a 1024-byte block", st.Size())
	}
	// A running assessment keeps its tries (GRUB may have spent some).
	if _, err := g.run("set", "boot_counter=1"); err != nil {
		t.Fatal(err)
	}
	if s, _ := g.Count(3); s.TriesLeft != 1 {
		t.Fatalf("recount reset the tries: %+v", s)
	}
	if s, err := g.MarkBad(); err != nil || !s.Bad() || s.State() != "bad" {
		t.Fatalf("mark bad: %+v %v", s, err)
	}
	s, err = g.Bless()
	if err != nil || s.Counted || !s.Blessed {
		t.Fatalf("bless: %+v %v", s, err)
	}
	out, _ := g.run("list")
	if strings.Contains(string(out), "boot_counter") || !strings.Contains(string(out), "boot_success=1") {
		t.Fatalf("grubenv after bless:\n%s", out)
	}
}

func TestGrubEnvRefusesLink(t *testing.T) {
	testutil.RequireProgram(t, "grub-editenv")
	dir := t.TempDir()
	target := filepath.Join(dir, "other")
	if err := os.WriteFile(target, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	g := GrubEnv{Path: filepath.Join(dir, "grubenv")}
	if err := os.Symlink(target, g.Path); err != nil {
		t.Fatal(err)
	}
	if _, err := g.MarkBad(); err == nil {
		t.Fatal("grubenv written through a link")
	}
	if data, _ := os.ReadFile(target); string(data) != "x" {
		t.Fatalf("link target changed: %q", data)
	}
}

// The snippet must be valid grub.cfg: the real grub-script-check parses it.
func TestGrubSnippetParses(t *testing.T) {
	check := testutil.RequireProgram(t, "grub-script-check")
	snip := GrubSnippet(3, "NixOS - Profile 'hearth-golden'>0")
	for _, want := range []string{"set boot_counter=2", "set boot_counter=0", `set default='NixOS - Profile '\''hearth-golden'\''>0'`} {
		if !strings.Contains(snip, want) {
			t.Errorf("snippet lacks %q:\n%s", want, snip)
		}
	}
	f := filepath.Join(t.TempDir(), "grub.cfg")
	if err := os.WriteFile(f, []byte(snip), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(check, f).CombinedOutput(); err != nil {
		t.Fatalf("grub-script-check: %v: %s\n%s", err, out, snip)
	}
}
