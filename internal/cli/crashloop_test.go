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

// TestDeeplyNestedDataIsHeldNotFatal: the remote commits a TOML value
// nested millions of brackets deep. The decoder recursed once per level
// and overflowed the stack, a fatal error that ended every later round
// before it could fetch a fix. It is now refused as bad data, naming the
// file: the round completes and the fix arrives.
func TestDeeplyNestedDataIsHeldNotFatal(t *testing.T) {
	testutil.RequireProgram(t, "git")
	bin := buildCampaignBinaries(t)
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	if res := runProc(t, bin, h, -1, "sync"); res.Code != 0 {
		t.Fatalf("first sync: exit %d\n%s", res.Code, res.Out)
	}
	pushFromElsewhere(t, r, map[string]string{".chezmoidata.toml": "a = " + strings.Repeat("[", 3<<20) + "\n"}, nil)
	for i := range 2 {
		res := runProc(t, bin, h, -1, "sync")
		if res.Code != 0 || !strings.Contains(res.Out, ".chezmoidata.toml") || !strings.Contains(res.Out, "nested more than") {
			t.Fatalf("sync %d over the deep value: exit %d, want 0 and the file held, named:\n%.2000s", i, res.Code, res.Out)
		}
	}
	pushFromElsewhere(t, r, map[string]string{".chezmoidata.toml": "a = 1\n", "dot_fixed": "fixed\n"}, nil)
	if res := runProc(t, bin, h, -1, "sync"); res.Code != 0 {
		t.Fatalf("sync after the remote's fix: exit %d\n%.3000s", res.Code, res.Out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".fixed")); got != "fixed\n" {
		t.Errorf("the fix did not arrive: .fixed = %q", got)
	}
}

// TestARoundAfterACaptureThatDiedSkipsItsCapture: a capture that never
// finishes (hearth killed in it: the way a source that crashes or hangs
// hearth ends, by a fatal error or the unit's deadline) leaves its mark;
// the next round skips its capture, so it cannot die there again, and
// still fetches what the remote has; the round after captures again.
func TestARoundAfterACaptureThatDiedSkipsItsCapture(t *testing.T) {
	testutil.RequireProgram(t, "git")
	bin := buildCampaignBinaries(t)
	seed := maps.Clone(dotfilesSeed)
	// A template that runs until the render deadline: capture stays in it.
	seed["dot_slow.tmpl"] = "{{ range until 1000000 }}{{ range until 1000000 }}{{ end }}{{ end }}\n"
	r := testutil.NewRemote(t)
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	runProc(t, bin, h, -1, "sync") // the slow template is held at its deadline

	mark := filepath.Join(h.StateDir, "dotfiles-capture.running")
	cmd := exec.Command(bin, "sync")
	cmd.Env = append(os.Environ(), "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once it is inside its capture, which the mark shows.
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
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Wait()
	waitGroupGone(t, cmd.Process.Pid)

	writeFile(t, filepath.Join(h.Home, ".bashrc"), "export EDITOR=vi\nalias ll='ls -l'\n# home edit\n")
	pushFromElsewhere(t, r, map[string]string{"dot_slow.tmpl": "fast\n", "dot_fixed": "fixed\n"}, nil)
	res := runProc(t, bin, h, -1, "sync")
	if res.Code != 0 || !strings.Contains(res.Out, "capture skipped") {
		t.Fatalf("sync after a capture that died: exit %d, want 0 with the capture skipped:\n%.3000s", res.Code, res.Out)
	}
	if got := readFile(t, filepath.Join(h.Home, ".fixed")); got != "fixed\n" {
		t.Errorf("the remote's change did not arrive: .fixed = %q", got)
	}
	if out, _ := testutil.GitErr(r.Dir, "grep", "-l", "home edit", "main"); out != "" {
		t.Errorf("the round that skipped its capture took the home edit anyway")
	}
	if res := runProc(t, bin, h, -1, "sync"); res.Code != 0 {
		t.Fatalf("the next sync: exit %d\n%.3000s", res.Code, res.Out)
	}
	if out, _ := testutil.GitErr(r.Dir, "grep", "-l", "home edit", "main"); out == "" {
		t.Errorf("the home edit was not captured by the round after")
	}
}
