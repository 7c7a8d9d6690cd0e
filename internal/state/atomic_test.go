package state

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteFileAtomicReplacesAndKeepsMode(t *testing.T) {
	dir := tempDir(t)
	p := filepath.Join(dir, "f.json")
	for _, c := range []struct {
		data string
		perm os.FileMode
	}{{"one", 0o600}, {"two", 0o644}} {
		if err := WriteFileAtomic(p, []byte(c.data), c.perm); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(p)
		fi, _ := os.Stat(p)
		if string(got) != c.data || fi.Mode().Perm() != c.perm {
			t.Fatalf("got %q %v, want %q %v", got, fi.Mode().Perm(), c.data, c.perm)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
	if len(left) != 0 {
		t.Fatalf("temp files left behind: %v", left)
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	err := WriteFileAtomic("/nonexistent-dir/x/state.json", []byte("x"), 0o644)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("/nonexistent-dir/x/state.json")) {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

// TestWriteFileAtomicSurvivesSIGKILL kills a writer process at random points
// while it rewrites a state file, many times, and checks the file is always
// exactly the old or the new content, never a mix or a truncation.
func TestWriteFileAtomicSurvivesSIGKILL(t *testing.T) {
	rounds := 40
	if testing.Short() {
		rounds = 10
	}
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("seed %d", seed)
	dir := tempDir(t)
	p := filepath.Join(dir, "job.json")
	a, b := content('a'), content('b')
	if err := WriteFileAtomic(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$", p)
		cmd.Env = append(os.Environ(), "HEARTH_STATE_CHILD=writer")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("round %d: child did not start: %v", i, err)
		}
		// The kill point is random on purpose; it is not waiting for anything.
		time.Sleep(time.Duration(rng.IntN(20000)) * time.Microsecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("round %d (seed %d): %v", i, seed, err)
		}
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("round %d (seed %d): torn state file: %d bytes, first %q", i, seed, len(got), got[:min(8, len(got))])
		}
	}
}
