package units

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestSystemdAnalyzeVerify runs systemd's own checker over the generated
// files. It exits 0 on unknown keys, so any output at all is a failure.
func TestSystemdAnalyzeVerify(t *testing.T) {
	sa := testutil.RequireProgram(t, "systemd-analyze")
	exe, err := os.Executable() // verify insists that ExecStart exists
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(conf, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec Spec
		args []string
	}{
		{"system units", Spec{Binary: exe, ConfigFile: conf, SyncUser: "root", SyncHome: "/root", SyncWritable: []string{"/srv/dotfiles.git"}, Sync: true, Upgrade: true, BootCheck: true, Secrets: true,
			MetricsFile: "/var/lib/prometheus-node-exporter/hearth.prom"}, nil},
		{"system units, state outside /var/lib", Spec{Binary: exe, Secrets: true, Upgrade: true, StateDir: t.TempDir()}, nil},
		{"sync-only host", Spec{Binary: exe, SyncUser: "root", SyncHome: "/root", Sync: true, OnCalendar: "*-*-* 03:30:00"}, nil},
		{"user units", Spec{Binary: exe, User: true, Sync: true}, []string{"--user"}},
		{"user watcher", Spec{Binary: exe, ConfigFile: conf, User: true, Sync: true, Watch: true}, []string{"--user"}},
		{"system watcher with the timer", Spec{Binary: exe, SyncUser: "root", SyncHome: "/root", SyncWritable: []string{"/srv/dotfiles.git"},
			Sync: true, Watch: true, WatchKeepTimer: true, MetricsFile: "/var/lib/prometheus-node-exporter/hearth.prom"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			us, err := Generate(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := Install(dir, us); err != nil {
				t.Fatal(err)
			}
			args := append(tc.args, "verify", "--man=no")
			for _, u := range us {
				args = append(args, filepath.Join(dir, u.Name))
			}
			cmd := exec.Command(sa, args...)
			// The user manager needs a runtime dir even to verify.
			runtime := t.TempDir()
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+runtime, "SYSTEMD_LOG_COLOR=0")
			out, err := cmd.CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Fatalf("systemd-analyze %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		})
	}
}
