package nixsys_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/nixsys"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestStoppedBuildTakesBuildersWithIt: a build that is stopped (its timeout
// or a cancellation; both end the same way) must not leave its builders
// running. The fake nix starts a builder in a session of its own, as nix's
// builders are, that sleeps forever; once the build returns, that builder
// must be dead.
func TestStoppedBuildTakesBuildersWithIt(t *testing.T) {
	testutil.RequireProgram(t, "setsid")
	testutil.RequireProgram(t, "sleep")
	bin := t.TempDir()
	pidFile := filepath.Join(t.TempDir(), "builder.pid")
	script := fmt.Sprintf("#!/bin/sh\nsetsid -w sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 1000000' &\nwait\n", pidFile, pidFile, pidFile)
	if err := os.WriteFile(filepath.Join(bin, "nix"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	n := nixsys.New(nixsys.Options{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := n.Build(ctx, nixsys.BuildSpec{Repo: t.TempDir(), Rev: strings.Repeat("a", 40), Attr: "toplevel"})
		done <- err
	}()
	pid := 0
	for deadline := time.Now().Add(30 * time.Second); pid == 0; {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		} else if time.Now().After(deadline) {
			t.Fatal("the fake builder never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a cancelled build succeeded")
	}
	for deadline := time.Now().Add(10 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("builder %d is still running after its build was stopped", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// alive reports whether pid is a process that has not exited (a zombie has).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// TestActivationTimeoutIsItsOwn: switch-to-configuration is bounded by
// ActivationTimeout, not by the shorter limit of profile commands, and a
// switch that overruns it is stopped.
func TestActivationTimeoutIsItsOwn(t *testing.T) {
	store := t.TempDir()
	sys := filepath.Join(store, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-system")
	if err := os.MkdirAll(filepath.Join(sys, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Quick unless HANG=1.
	script := "#!/bin/sh\n[ \"$HANG\" = 1 ] || exit 0\nexec sleep 1000000\n"
	if err := os.WriteFile(filepath.Join(sys, "bin", "switch-to-configuration"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	n := nixsys.New(nixsys.Options{StoreDir: store, CommandTimeout: time.Nanosecond, ActivationTimeout: time.Hour})
	if err := n.SwitchToConfiguration(context.Background(), sys, nixsys.ActionTest, nil); err != nil {
		t.Fatalf("a quick switch within ActivationTimeout failed (the command limit applied?): %v", err)
	}
	n = nixsys.New(nixsys.Options{StoreDir: store, Env: []string{"HANG=1"}, ActivationTimeout: 300 * time.Millisecond})
	err := n.SwitchToConfiguration(context.Background(), sys, nixsys.ActionTest, nil)
	if err == nil || !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Fatalf("hanging switch: %v, want timed out after 300ms", err)
	}
}
