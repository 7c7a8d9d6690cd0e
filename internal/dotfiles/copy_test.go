package dotfiles

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestApplyStreamsAPlainFile: applying a plain file copies it from the
// source without holding it in memory (what it allocates stays well under
// the file's size), and the merge base it stores is the same bytes.
func TestApplyStreamsAPlainFile(t *testing.T) {
	if os.Getenv("HEARTH_TEST_ISOLATED") != "1" {
		// The allocation count is the process's: run alone, away from
		// what other tests left running (an abandoned template, say).
		cmd := exec.Command(os.Args[0], "-test.run", "^TestApplyStreamsAPlainFile$", "-test.v")
		cmd.Env = append(os.Environ(), "HEARTH_TEST_ISOLATED=1")
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("isolated run: %v\n%s", err, out)
		}
		return
	}
	f := newFixture(t, "")
	const size = 48 << 20
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	if err := os.WriteFile(filepath.Join(f.src, "dot_big"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rep, err := Apply(context.Background(), f.opts)
	runtime.ReadMemStats(&after)
	if err != nil || rep.Writes != 1 {
		t.Fatalf("apply: %v, %d writes", err, rep.Writes)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > size/4 {
		t.Errorf("applying a %d MiB file allocated %d MiB: it was read into memory", size>>20, got>>20)
	}
	got, err := os.ReadFile(filepath.Join(f.home, ".big"))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("home .big differs from the source (%v)", err)
	}
	recs, err := loadRecords(f.opts.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	if base, ok := recs.base(hashBytes(content)); !ok || !bytes.Equal(base, content) {
		t.Errorf("no merge base of the copied file")
	}
}
