package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSyncSweepsScratchIndexesOfKilledProcesses: scratch indexes that killed
// hearth processes left in the clone's git dir are removed by the next
// `hearth sync`; one that belongs to a process still running stays.
func TestSyncSweepsScratchIndexesOfKilledProcesses(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	gitDir := filepath.Join(h.Root, "source", ".git")

	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	live := exec.Command("cat")
	stdin, err := live.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = live.Wait() }()

	stale := []string{
		fmt.Sprintf("hearth-index-p%d-1234", dead.Process.Pid),
		fmt.Sprintf("hearth-index-p%d-1234.lock", dead.Process.Pid),
		"hearth-index-2837465", // the older naming, without a pid
	}
	kept := fmt.Sprintf("hearth-index-p%d-99", live.Process.Pid)
	for _, name := range append(stale, kept) {
		if err := os.WriteFile(filepath.Join(gitDir, name), []byte("DIRC partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h.MustRun(t, "sync")
	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(gitDir, name)); err == nil {
			t.Errorf("%s of a killed process is still there after a sync", name)
		}
	}
	if _, err := os.Lstat(filepath.Join(gitDir, kept)); err != nil {
		t.Errorf("the scratch index of the running process %d was removed: %v", live.Process.Pid, err)
	}
}
