package dotfiles

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestNothingLostRandomized drives random home edits, source edits (as a
// merge from another host would), deletions, captures and applies over a
// few plain files, and checks after every step that no content was
// destroyed unless it also exists elsewhere:
//   - Apply replaces home content only if hearth wrote it or captured it;
//   - Capture replaces source content only if home had it (applied or
//     captured before), so an unapplied source change is never lost.
func TestNothingLostRandomized(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { nothingLost(t, seed, 120) })
	}
}

func nothingLost(t *testing.T, seed uint64, steps int) {
	r := rand.New(rand.NewPCG(seed, 99))
	f := newFixture(t, "")
	names := []string{"a", "b", "c", "d"}
	srcPath := func(n string) string {
		// The source name may have been renamed by a captured mode change.
		for _, pfx := range []string{"", "executable_", "private_", "private_executable_", "empty_", "empty_executable_", "private_empty_", "private_empty_executable_"} {
			p := filepath.Join(f.src, pfx+"dot_"+n)
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		t.Fatalf("source for %s vanished", n)
		return ""
	}
	homePath := func(n string) string { return filepath.Join(f.home, "."+n) }
	read := func(p string) (string, bool) {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return "", false
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(b), true
	}
	applied := map[string]bool{}  // contents Apply wrote to home
	captured := map[string]bool{} // contents Capture wrote to the source
	for i, n := range names {
		writeFile(t, filepath.Join(f.src, "dot_"+n), fmt.Sprintf("initial %d\n", i), 0o644)
	}
	mustApply(t, f.opts)
	for _, n := range names {
		c, _ := read(homePath(n))
		applied[c] = true
	}
	counter, applies, captures := 0, 0, 0
	fresh := func(kind string) string { counter++; return fmt.Sprintf("%s edit %d\n", kind, counter) }

	for step := range steps {
		n := names[r.IntN(len(names))]
		switch op := r.IntN(7); op {
		case 0, 1:
			writeFile(t, homePath(n), fresh("home"), []os.FileMode{0o644, 0o755, 0o600}[r.IntN(3)])
		case 2:
			writeFile(t, srcPath(n), fresh("source"), 0o644)
		case 3:
			if r.IntN(4) == 0 {
				if err := os.Remove(homePath(n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
			}
		case 4, 5:
			before := map[string]string{}
			for _, m := range names {
				before[m], _ = read(homePath(m))
			}
			opts := f.opts
			opts.Force = false
			mustApply(t, opts)
			for _, m := range names {
				after, ok := read(homePath(m))
				if ok && after != before[m] {
					if before[m] != "" && !applied[before[m]] && !captured[before[m]] {
						t.Fatalf("step %d: apply destroyed home content %q of .%s", step, before[m], m)
					}
					applied[after] = true
					applies++
				}
			}
		case 6:
			before := map[string]string{}
			for _, m := range names {
				before[m], _ = read(srcPath(m))
			}
			mustCapture(t, f.opts)
			for _, m := range names {
				after, _ := read(srcPath(m))
				if after != before[m] {
					if !applied[before[m]] && !captured[before[m]] {
						t.Fatalf("step %d: capture destroyed source content %q of %s", step, before[m], m)
					}
					captured[after] = true
					captures++
				}
			}
		}
	}
	// Merge bases are pruned with their records: at most one per target.
	if ents, err := os.ReadDir(f.opts.StatePath + ".bases"); err != nil || len(ents) > len(names) {
		t.Errorf("base store holds %d files (%v), want at most %d", len(ents), err, len(names))
	}
	if applies == 0 || captures == 0 {
		t.Fatalf("the run changed nothing to check: %d applies, %d captures", applies, captures)
	}
}
