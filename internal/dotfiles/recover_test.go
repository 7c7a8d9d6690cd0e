package dotfiles

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestInterruptedRunsRecover stops Apply and Capture right after a file
// was written but before the state file records it (as a kill would), by
// failing the chown step; the next normal run finishes without holding
// anything and without writing the same content again.
func TestInterruptedRunsRecover(t *testing.T) {
	f := setupCorpus(t)
	failing := f.opts
	failing.Owner = &Owner{UID: 0, GID: 0}
	failing.Chown = func(path string, _, _ int) error {
		if strings.HasSuffix(path, ".bashrc") || strings.HasSuffix(path, "dot_vimrc.tmpl") || strings.HasSuffix(path, "dot_bashrc") {
			return errors.New("killed")
		}
		return nil
	}
	if _, err := Apply(t.Context(), failing); err == nil {
		t.Fatal("interrupted apply reported no error")
	}
	if got := readFile(t, filepath.Join(f.home, ".bashrc")); !strings.Contains(got, "alias ll") {
		t.Fatalf(".bashrc not written before the interruption: %q", got)
	}
	rep := mustApply(t, f.opts)
	if len(rep.Held) != 0 || hasChange(rep.Changes, ".bashrc", ActWrite) {
		t.Errorf("recovery apply: held %v, changes %v", rep.Held, rep.Changes)
	}

	writeFile(t, filepath.Join(f.home, ".bashrc"), "edited\n", 0o644)
	if _, err := Capture(t.Context(), failing); err == nil {
		t.Fatal("interrupted capture reported no error")
	}
	if got := readFile(t, filepath.Join(f.src, "home", "dot_bashrc")); got != "edited\n" {
		t.Fatalf("source not written before the interruption: %q", got)
	}
	if c := mustCapture(t, f.opts); len(c.Held) != 0 {
		t.Errorf("recovery capture held %v", c.Held)
	}
	if rep := mustApply(t, f.opts); len(rep.Held) != 0 || rep.Writes != 0 {
		t.Errorf("apply after recovered capture: held %v, %d writes", rep.Held, rep.Writes)
	}
}
