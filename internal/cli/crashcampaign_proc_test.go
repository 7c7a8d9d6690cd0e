package cli_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// buildCampaignBinaries builds hearth and hearth-sops side by side (the
// secrets helper is found next to hearth), without -race even when the
// test binary has it: the campaign starts hundreds of them.
// HEARTH_CAMPAIGN_BIN names a hearth binary (hearth-sops beside it) to
// run instead, e.g. an older build to see what the campaign finds there.
func buildCampaignBinaries(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("HEARTH_CAMPAIGN_BIN"); bin != "" {
		return bin
	}
	goBin := testutil.RequireProgram(t, "go")
	dir := t.TempDir()
	cmd := exec.Command(goBin, "build", "-o", dir+"/", "github.com/hearth-fleet/hearth/cmd/hearth", "github.com/hearth-fleet/hearth/cmd/hearth-sops")
	var env []string
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); k == "GOFLAGS" {
			kv = "GOFLAGS=" + strings.Join(slicesWithout(strings.Fields(v), "-race"), " ")
		}
		env = append(env, kv)
	}
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build hearth, hearth-sops: %v\n%s", err, b)
	}
	return filepath.Join(dir, "hearth")
}

func slicesWithout(s []string, drop string) []string {
	var out []string
	for _, x := range s {
		if x != drop {
			out = append(out, x)
		}
	}
	return out
}

// procResult is one hearth process: whether the kill landed before it
// exited, its exit code otherwise, its output and how long it ran.
type procResult struct {
	Killed bool
	Code   int
	Out    string
	Took   time.Duration
}

// runProc runs the hearth binary as host h. With killAfter >= 0 the
// process group is SIGKILLed that long after the start, as a crash or a
// unit stop would (git children die with hearth through their parent-death
// signal); with killAfter < 0 it runs to the end.
func runProc(t *testing.T, bin string, h *clitest.Host, killAfter time.Duration, args ...string) procResult {
	t.Helper()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HEARTH_CONFIG="+h.Config, "HOME="+h.Home)
	// A file, not a pipe: Wait must not wait for helpers that outlive hearth.
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var werr error
	if killAfter < 0 {
		werr = <-done
	} else {
		timer := time.NewTimer(killAfter)
		select {
		case werr = <-done:
			timer.Stop()
		case <-timer.C: // the random kill instant, not a wait for anything
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			werr = <-done
			waitGroupGone(t, cmd.Process.Pid)
		}
	}
	res := procResult{Took: time.Since(start), Code: cmd.ProcessState.ExitCode()}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		res.Killed = true
	} else if werr != nil && !errors.As(werr, new(*exec.ExitError)) {
		t.Fatal(werr)
	}
	b, _ := os.ReadFile(out.Name())
	res.Out = string(b)
	return res
}

// waitGroupGone waits until no live process is left in process group
// pgid (what the kill left must be gone before the next round starts).
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still alive 10s after SIGKILL", pgid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func groupAlive(pgid int) bool {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return false
	}
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...: comm may hold spaces, so cut
		// after its closing parenthesis.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}
