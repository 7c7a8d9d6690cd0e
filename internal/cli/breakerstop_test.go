package cli_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestAStopDuringCaptureKeepsItsMark: a capture that is still running when
// the unit's deadline sends SIGTERM (forty modify_ scripts of 29 s each,
// or any source slower to plan than the deadline) used to clear its mark
// on the graceful stop. Every later round then planned the same source,
// met the same deadline and stopped before its fetch: the remote's fix
// never arrived (found by running it: two rounds stopped at the deadline,
// the fix pushed in between never fetched). A stop inside capture now
// leaves the mark, so the next round skips its capture and fetches.
func TestAStopDuringCaptureKeepsItsMark(t *testing.T) {
	testutil.RequireProgram(t, "git")
	bin := buildCampaignBinaries(t)
	seed := maps.Clone(dotfilesSeed)
	// A template that runs until the render deadline: capture stays in it.
	// It is stopped at its 10 s render deadline, past dotsync's
	// slowCapture (5 s): a stop before that is a person's Ctrl-C and clears
	// the mark.
	seed["dot_slow.tmpl"] = "{{ range until 1000000 }}{{ range until 1000000 }}{{ end }}{{ end }}\n"
	r := testutil.NewRemote(t)
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	runProc(t, bin, h, -1, "sync")

	mark := filepath.Join(h.StateDir, "dotfiles-capture.running")
	cmd := exec.Command(bin, "sync")
	cmd.Env = append(os.Environ(), "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(mark); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatal("the capture's mark never appeared")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The deadline's graceful stop, as systemd sends it, once the capture
	// has run longer than a quick Ctrl-C (the mark's mtime is its start).
	for {
		fi, err := os.Stat(mark)
		if err != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Fatalf("the capture ended before the stop: %v", err)
		}
		if time.Since(fi.ModTime()) > 6*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	waitGroupGone(t, cmd.Process.Pid)
	if _, err := os.Lstat(mark); err != nil {
		t.Errorf("a capture stopped by SIGTERM cleared its mark (%v): the next round would capture, and stop, again", err)
	}

	pushFromElsewhere(t, r, map[string]string{"dot_slow.tmpl": "fast\n", "dot_fixed": "fixed\n"}, nil)
	res := runProc(t, bin, h, -1, "sync")
	if res.Code != 0 || !strings.Contains(res.Out, "capture skipped") {
		t.Fatalf("sync after a capture stopped by SIGTERM: exit %d, want 0 with the capture skipped:\n%.3000s", res.Code, res.Out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".fixed")); got != "fixed\n" {
		t.Errorf("the remote's fix did not arrive: .fixed = %q", got)
	}
}
