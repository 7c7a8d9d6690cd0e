package dotfiles

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// countingDurability counts sync calls and can fail them all, like a
// power cut before the sync: the files are renamed into place, the sync
// never happens, the records are never saved.
type countingDurability struct {
	syncFSCalls, fsyncCalls atomic.Int64
	fail                    bool
}

var errPowerCut = errors.New("power cut")

func (c *countingDurability) syncFS(dir string) error {
	c.syncFSCalls.Add(1)
	if c.fail {
		return errPowerCut
	}
	return osDurability{}.syncFS(dir)
}

func (c *countingDurability) fsync(p string) error {
	c.fsyncCalls.Add(1)
	if c.fail {
		return errPowerCut
	}
	return osDurability{}.fsync(p)
}

// TestApplySyncsPerFilesystemNotPerFile: a first apply of 1,000 files in
// 10 directories makes its writes durable with O(filesystems) sync calls
// (home and the state dir here share one), not one fsync per file.
func TestApplySyncsPerFilesystemNotPerFile(t *testing.T) {
	f := newFixture(t, "")
	for d := range 10 {
		for i := range 100 {
			writeFile(t, filepath.Join(f.src, fmt.Sprintf("dot_d%d/f%03d", d, i)), fmt.Sprintf("file %d/%d\n", d, i), 0o644)
		}
	}
	c := &countingDurability{}
	f.opts.durable = c
	rep := mustApply(t, f.opts)
	if rep.Writes != 1010 {
		t.Fatalf("writes %d, want 1010", rep.Writes)
	}
	n := c.syncFSCalls.Load() + c.fsyncCalls.Load()
	if n == 0 || n > 10 {
		t.Errorf("%d sync calls (%d syncfs, %d fsync) for 1,000 files in 10 dirs; want 1 to 10", n, c.syncFSCalls.Load(), c.fsyncCalls.Load())
	}
	if got := readFile(t, filepath.Join(f.home, ".d7", "f042")); got != "file 7/42\n" {
		t.Errorf("content %q", got)
	}
}

// TestPowerCutBeforeSyncIsNotCaptured: an apply is cut off after renaming
// its files into place and before its sync, and the power cut leaves them
// empty (delayed allocation). The records were never saved, so home
// differs from them; the next round must write the files again, not
// capture the emptied files over the source.
func TestPowerCutBeforeSyncIsNotCaptured(t *testing.T) {
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_bashrc"), "v1\n", 0o644)
	mustApply(t, f.opts)
	writeFile(t, filepath.Join(f.src, "dot_bashrc"), "v2\n", 0o644)
	writeFile(t, filepath.Join(f.src, "dot_newrc"), "new\n", 0o644)

	cut := f.opts
	cut.durable = &countingDurability{fail: true}
	if _, err := Apply(context.Background(), cut); err == nil || !strings.Contains(err.Error(), "power cut") {
		t.Fatalf("apply with a failing sync: %v", err)
	}
	// What the disk may hold after the cut: the renames, not the data;
	// an empty file (ext4) or one of zero bytes (xfs).
	for n, size := range map[string]int64{".bashrc": 0, ".newrc": 3} {
		p := filepath.Join(f.home, n)
		if err := os.Truncate(p, 0); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, size); err != nil {
			t.Fatal(err)
		}
	}

	// As a sync round runs it: an overlapping home edit is taken.
	round := f.opts
	round.KeepBothOnOverlap = true
	pass := NewPass(round)
	crep, err := pass.Capture(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(crep.Captured) != 0 {
		t.Errorf("captured torn files into the source: %v", crep.Captured)
	}
	for src, want := range map[string]string{"dot_bashrc": "v2\n", "dot_newrc": "new\n"} {
		if got := readFile(t, filepath.Join(f.src, src)); got != want {
			t.Errorf("source %s = %q, want %q", src, got, want)
		}
	}
	if _, err := pass.Apply(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	for n, want := range map[string]string{".bashrc": "v2\n", ".newrc": "new\n"} {
		if got := readFile(t, filepath.Join(f.home, n)); got != want {
			t.Errorf("home %s = %q, want %q", n, got, want)
		}
	}
	if _, err := os.Stat(pendingPath(f.opts.StatePath)); !os.IsNotExist(err) {
		t.Errorf("pending list not cleared after a good apply: %v", err)
	}
	// A genuine later edit is captured again as usual.
	writeFile(t, filepath.Join(f.home, ".bashrc"), "", 0o644)
	if rep := mustCapture(t, f.opts); len(rep.Captured) != 1 {
		t.Errorf("an emptied file after a completed apply is a home edit; captured %v", rep.Captured)
	}
}
