package dotfiles

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestDisplacedVersionIsKeptBeforeTheSourceIsWritten: a capture that takes
// home's version over an overlapping source edit hands the source's version
// to KeepDisplaced while the source still holds it, so a run killed at any
// instant leaves that version in the source or wherever KeepDisplaced put
// it; when keeping fails, the source is left as it is.
func TestDisplacedVersionIsKeptBeforeTheSourceIsWritten(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(map[bool]string{false: "kept", true: "keeping fails"}[fail], func(t *testing.T) {
			f := newFixture(t, "")
			src := filepath.Join(f.src, "dot_bashrc")
			writeFile(t, src, "a = 1\nb = 2\n", 0o644)
			mustApply(t, f.opts)
			writeFile(t, src, "a = source\nb = 2\n", 0o644)
			writeFile(t, filepath.Join(f.home, ".bashrc"), "a = home\nb = 2\n", 0o644)

			opts := f.opts
			opts.KeepBothOnOverlap = true
			var kept []string
			opts.KeepDisplaced = func(source string, content []byte) error {
				kept = append(kept, source)
				if got := readFile(t, src); got != string(content) {
					t.Errorf("when the displaced version is kept the source holds %q, want it still %q", got, content)
				}
				if fail {
					return errors.New("disk full")
				}
				return nil
			}
			rep, err := Capture(context.Background(), opts)
			if len(kept) != 1 || kept[0] != "dot_bashrc" {
				t.Fatalf("KeepDisplaced got %v, want [dot_bashrc]", kept)
			}
			if len(rep.Displaced) != 0 {
				t.Errorf("reported as displaced too (the caller would keep it twice): %v", rep.Displaced)
			}
			want := "a = home\nb = 2\n"
			if fail {
				want = "a = source\nb = 2\n"
				if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), ".bashrc") {
					t.Errorf("capture error %v, want one naming .bashrc and the failure", err)
				}
				if len(rep.Captured) != 0 {
					t.Errorf("captured although its displaced version was not kept: %v", rep.Captured)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if got := readFile(t, src); got != want {
				t.Errorf("source after the capture %q, want %q", got, want)
			}
		})
	}
}
