package safefile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Hashing every file of a big home must not allocate a fresh 64 KiB read
// buffer per file: 50,000 of them made gigabytes of garbage per round,
// which stayed in the process's RSS.
func TestHashReusesItsReadBuffer(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("small dotfile\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const files = 200
	if _, _, err := Hash(p, nil); err != nil { // warm the pool
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range files {
		if _, _, err := Hash(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	perFile := (after.TotalAlloc - before.TotalAlloc) / files
	t.Logf("%d bytes allocated per hash of a small file", perFile)
	// A GC emptying the pool mid-loop costs one buffer, not one per file;
	// under -race the pool drops a quarter of what it is given.
	if perFile > 32<<10 {
		t.Errorf("hashing a small file allocated %d bytes, want under 32 KiB (no buffer per file)", perFile)
	}
}
