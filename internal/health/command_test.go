package health

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// alive reports whether pid still runs (a zombie waiting to be reaped is dead).
func alive(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state is the field after the ")" that closes the command name.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// A timed-out command check kills its whole process group, not just the
// shell: a grandchild left behind would pile up at every boot check.
func TestCommandTimeoutKillsProcessGroup(t *testing.T) {
	testutil.RequireProgram(t, "sh")
	testutil.RequireProgram(t, "sleep")
	pidFile := filepath.Join(t.TempDir(), "pid")
	script := `sleep 30 & echo $! > "$1"; wait`
	c := Check{Name: "forks", Command: []string{"sh", "-c", script, "sh", pidFile}, Timeout: 500 * time.Millisecond, Required: true}
	v := (&Runner{}).RunOnce(context.Background(), []Check{c})
	if v.OK || !strings.Contains(v.Results[0].Detail, "timed out") {
		t.Fatalf("verdict %+v, want a timed-out failure", v)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the script did not start its child: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// SIGKILL was sent before RunOnce returned; its delivery is asynchronous,
	// so poll the condition with a generous bound rather than sleeping once.
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still running after the check timed out", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Systemctl maps exit statuses to active/inactive; systemd is not PID 1 here,
// so a recording script stands in for systemctl and logs its arguments.
func TestSystemctlExitStatus(t *testing.T) {
	testutil.RequireProgram(t, "sh")
	dir := t.TempDir()
	logFile := filepath.Join(dir, "args")
	prog := filepath.Join(dir, "systemctl")
	script := "#!/bin/sh\necho \"$@\" >> " + logFile + "\ncase \"$4\" in up.service) exit 0;; hang.service) exec sleep 30;; *) exit 3;; esac\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		unit       string
		timeout    time.Duration
		wantActive bool
		wantErr    bool
	}{
		{unit: "up.service", timeout: 10 * time.Second, wantActive: true},
		{unit: "down.service", timeout: 10 * time.Second},
		{unit: "hang.service", timeout: 300 * time.Millisecond, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.unit, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			active, err := Systemctl{Program: prog}.IsActive(ctx, tt.unit)
			if active != tt.wantActive || (err != nil) != tt.wantErr {
				t.Errorf("IsActive = %v, %v; want %v, error %v", active, err, tt.wantActive, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.unit) {
				t.Errorf("error %q does not name the unit", err)
			}
		})
	}
	if _, err := (Systemctl{Program: filepath.Join(dir, "missing")}).IsActive(context.Background(), "x.service"); err == nil {
		t.Error("a missing systemctl must be an error, not an inactive unit")
	}
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "is-active --quiet -- up.service") {
		t.Errorf("systemctl called as %q, want is-active --quiet -- UNIT", b)
	}
}
