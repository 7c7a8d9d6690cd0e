package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

var syncCall = regexp.MustCompile(`(?m)^\d+\s+(fsync|fdatasync|syncfs|sync_file_range)\(`)

// TestFirstApplySyncsPerDirectoryNotPerFile: a real `hearth apply` process
// writing 1,000 new files in 10 directories, traced by strace, makes them
// durable with a number of sync calls bounded by the directories (one
// syncfs per filesystem, plus the few state files), not one or two
// fsyncs per file.
func TestFirstApplySyncsPerDirectoryNotPerFile(t *testing.T) {
	strace := testutil.RequireProgram(t, "strace")
	h := clitest.NewHost(t, "a")
	src := filepath.Join(h.Root, "source")
	h.WriteConfig(t, fmt.Sprintf("[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		"file:///nonexistent", src, h.Home))
	const dirs, perDir = 10, 100
	for d := range dirs {
		if err := os.MkdirAll(filepath.Join(src, fmt.Sprintf("dot_d%d", d)), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range perDir {
			if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("dot_d%d/f%03d", d, i)), fmt.Appendf(nil, "%d/%d\n", d, i), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	trace := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command(strace, "-f", "-qq", "-o", trace, "-e", "trace=fsync,fdatasync,syncfs,sync_file_range", os.Args[0], "apply")
	cmd.Env = append(os.Environ(), "HEARTH_TEST_AS_MAIN=1", "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "ptrace") {
			testutil.Missing(t, fmt.Sprintf("strace cannot trace here: %v\n%s", err, out))
			return
		}
		t.Fatalf("hearth apply: %v\n%s", err, out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".d9", "f099")); got != "9/99\n" {
		t.Fatalf("apply did not write the files: %q", got)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	n := len(syncCall.FindAll(b, -1))
	if n == 0 || n > 2*dirs+20 {
		t.Errorf("%d sync calls for %d files in %d directories; want at most %d", n, dirs*perDir, dirs, 2*dirs+20)
	}
	t.Logf("%d sync calls", n)
}
