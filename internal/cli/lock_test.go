package cli_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// hearthProcess runs the test binary as a real, separate hearth process.
func hearthProcess(t *testing.T, cfg string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "HEARTH_TEST_AS_MAIN=1", "HEARTH_CONFIG="+cfg)
	return cmd
}

// TestTwoProcessesContendForLock: one hearth process holds the sync lock; a
// second waits its bounded time, exits 1 and names the holder; after the
// holder finishes, the second one gets the lock.
func TestTwoProcessesContendForLock(t *testing.T) {
	testutil.RequireProgram(t, "sh")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hearth.toml")
	state := filepath.Join(dir, "state")
	if err := os.WriteFile(cfg, []byte("host = \"h1\"\nstate_dir = \""+state+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	holder := hearthProcess(t, cfg, "lock", "sync", "--", "sh", "-c", "echo held; read x || true")
	in, _ := holder.StdinPipe()
	out, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("holder did not start: %q %v", line, err)
	}

	second := hearthProcess(t, cfg, "lock", "sync", "--wait", "300ms", "--", "true")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	err := second.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("second process: want exit 1, got %v (stderr %s)", err, stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{"job sync", "held by pid " + strconv.Itoa(holder.Process.Pid), "hearth lock sync"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}

	in.Close()
	if err := holder.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	again := hearthProcess(t, cfg, "lock", "sync", "--wait", "5s", "--", "true")
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("after release: %v\n%s", err, out)
	}
}
