package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestBigFileHeldInBoundedMemory: a 200 MB target in the source and in
// home (sparse, so the disk stays cheap) is held with its size and the
// limit, the other targets apply, and the peak RSS of the hearth process
// stays under 64 MiB.
func TestBigFileHeldInBoundedMemory(t *testing.T) {
	h := clitest.NewHost(t, "a")
	src := filepath.Join(h.Root, "source")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "dot_bashrc"), []byte("small\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const size = 200 << 20
	for _, p := range []string{filepath.Join(src, "dot_big"), filepath.Join(h.Home, ".big")} {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n", src, h.Home))
	// The peak is measured by GNU time around a plain (not race-built)
	// hearth: rusage of a child a Go test starts counts the test process's
	// own memory (it is started with vfork), and the race detector
	// multiplies a program's memory.
	timeBin := testutil.RequireProgram(t, "/usr/bin/time")
	bin := buildHearthBinary(t)
	peakFile := filepath.Join(t.TempDir(), "peak")
	cmd := exec.Command(timeBin, "-f", "%M", "-o", peakFile, bin, "apply")
	cmd.Env = append(os.Environ(), "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "held .big:") || !strings.Contains(string(out), fmt.Sprint(size)) {
		t.Errorf("apply does not hold .big naming its size:\n%s", out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".bashrc")); got != "small\n" {
		t.Errorf(".bashrc = %q: the other target was not applied", got)
	}
	rss, err := strconv.Atoi(strings.TrimSpace(readFile(t, peakFile))) // KiB
	if err != nil {
		t.Fatalf("GNU time's output: %v", err)
	}
	t.Logf("peak RSS %d KiB", rss)
	if rss >= 64<<10 {
		t.Errorf("peak RSS %d KiB, want under 64 MiB", rss)
	}
}
