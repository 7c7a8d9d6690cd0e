package units

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func allJobs() Spec {
	return Spec{Binary: "/usr/bin/hearth", SyncUser: "rain", SyncHome: "/home/rain", Sync: true, Upgrade: true, BootCheck: true, Secrets: true}
}

// parsed is a unit file as section -> key -> values (keys may repeat).
type parsed map[string]map[string][]string

func parse(t *testing.T, content string) parsed {
	t.Helper()
	p := parsed{}
	sec := ""
	for i, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			sec = line[1 : len(line)-1]
			p[sec] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || sec == "" {
				t.Fatalf("line %d: %q is not key=value in a section", i+1, line)
			}
			p[sec][k] = append(p[sec][k], v)
		}
	}
	return p
}

func (p parsed) get(sec, key string) string { return strings.Join(p[sec][key], " ") }

func byName(t *testing.T, us []Unit) map[string]parsed {
	t.Helper()
	m := map[string]parsed{}
	for _, u := range us {
		m[u.Name] = parse(t, u.Content)
	}
	return m
}

func TestGenerateWhichUnits(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"all jobs", allJobs(), []string{SecretsService, SyncService, UpgradeService, BootCheckService, "hearth-upgrade.timer"}},
		{"sync only: the timer starts the sync", Spec{Binary: "/b", SyncUser: "u", SyncHome: "/home/u", Sync: true}, []string{SyncService, "hearth-sync.timer"}},
		{"user units", Spec{Binary: "/b", User: true, Sync: true}, []string{SyncService, "hearth-sync.timer"}},
		{"secrets only: no timer", Spec{Binary: "/b", Secrets: true}, []string{SecretsService}},
		{"upgrade without sync", Spec{Binary: "/b", Upgrade: true}, []string{UpgradeService, "hearth-upgrade.timer"}},
		{"watcher instead of the sync timer", Spec{Binary: "/b", SyncUser: "u", SyncHome: "/home/u", Sync: true, Watch: true},
			[]string{SyncService, WatchService}},
		{"watcher and the sync timer", Spec{Binary: "/b", SyncUser: "u", SyncHome: "/home/u", Sync: true, Watch: true, WatchKeepTimer: true},
			[]string{SyncService, WatchService, "hearth-sync.timer"}},
		{"user watcher", Spec{Binary: "/b", User: true, Sync: true, Watch: true}, []string{SyncService, WatchService}},
		{"watcher beside the upgrade: its timer stays", Spec{Binary: "/b", SyncUser: "u", SyncHome: "/home/u", Sync: true, Watch: true, Upgrade: true},
			[]string{SyncService, WatchService, UpgradeService, "hearth-upgrade.timer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			us, err := Generate(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range us {
				got = append(got, u.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("units %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGenerateProperties(t *testing.T) {
	spec := allJobs()
	spec.ConfigFile = "/etc/hearth/config.toml"
	spec.BootCheckTimeout = 7 * time.Minute
	us, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	u := byName(t, us)
	tests := []struct {
		name, unit, section, key, want string
	}{
		{"sync runs as the configured user", SyncService, "Service", "User", "rain"},
		{"sync runs hearth sync with the config", SyncService, "Service", "ExecStart", "/usr/bin/hearth --config /etc/hearth/config.toml sync"},
		{"upgrade runs after the sync", UpgradeService, "Unit", "After", "network-online.target hearth-sync.service"},
		{"upgrade pulls in the sync", UpgradeService, "Unit", "Wants", "network-online.target hearth-sync.service"},
		{"upgrade runs as root", UpgradeService, "Service", "User", ""},
		{"upgrade keeps the original unit name", UpgradeService, "Install", "Alias", UpgradeAlias},
		{"boot check after multi-user and network-online", BootCheckService, "Unit", "After", "multi-user.target network-online.target"},
		{"boot check has a deadline", BootCheckService, "Service", "TimeoutStartSec", "420"},
		{"boot check logs as golden-generation", BootCheckService, "Service", "SyslogIdentifier", "golden-generation"},
		{"boot check runs once per boot", BootCheckService, "Install", "WantedBy", "multi-user.target"},
		{"boot check gates boot-complete.target", BootCheckService, "Unit", "Before", "boot-complete.target"},
		{"boot-complete.target requires the boot check", BootCheckService, "Install", "RequiredBy", "boot-complete.target"},
		{"secrets early at boot", SecretsService, "Unit", "Before", "sysinit.target shutdown.target"},
		{"secrets without default dependencies", SecretsService, "Unit", "DefaultDependencies", "no"},
		{"secrets start with sysinit", SecretsService, "Install", "WantedBy", "sysinit.target"},
		{"secrets decrypt offline", SecretsService, "Service", "PrivateNetwork", "yes"},
		{"secrets may write the secrets root's dir", SecretsService, "Service", "ReadWritePaths", "/run"},
		{"timer default 04:00", "hearth-upgrade.timer", "Timer", "OnCalendar", "04:00"},
		{"timer randomized", "hearth-upgrade.timer", "Timer", "RandomizedDelaySec", "1800"},
		{"timer persistent", "hearth-upgrade.timer", "Timer", "Persistent", "true"},
		{"timer starts the upgrade", "hearth-upgrade.timer", "Timer", "Unit", UpgradeService},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := u[tc.unit].get(tc.section, tc.key); got != tc.want {
				t.Errorf("%s [%s] %s = %q, want %q", tc.unit, tc.section, tc.key, got, tc.want)
			}
		})
	}
}

// The watcher restarts after a crash, runs hearth watch as the sync user,
// and carries the sync round's sandbox.
func TestWatchUnit(t *testing.T) {
	spec := allJobs()
	spec.Watch = true
	spec.ConfigFile = "/etc/hearth/config.toml"
	spec.SyncWritable = []string{"/srv/dotfiles.git"}
	us, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	u := byName(t, us)
	w, sync := u[WatchService], u[SyncService]
	for _, tc := range []struct{ section, key, want string }{
		{"Service", "ExecStart", "/usr/bin/hearth --config /etc/hearth/config.toml watch"},
		{"Service", "Type", "simple"},
		{"Service", "Restart", "on-failure"},
		{"Service", "RestartSec", "15"},
		{"Unit", "StartLimitIntervalSec", "0"},
		{"Service", "User", "rain"},
		{"Service", "SuccessExitStatus", "130"},
		{"Install", "WantedBy", "multi-user.target"},
	} {
		if got := w.get(tc.section, tc.key); got != tc.want {
			t.Errorf("[%s] %s = %q, want %q", tc.section, tc.key, got, tc.want)
		}
	}
	for k, v := range sync["Service"] {
		switch k {
		case "Type", "ExecStart", "TimeoutStartSec", "SyslogIdentifier", "RestrictAddressFamilies":
			continue // what differs between a round and a long-running service
		}
		if got := w.get("Service", k); got != strings.Join(v, " ") {
			t.Errorf("watcher %s = %q, the sync round's is %q: the sandbox must be the same", k, got, strings.Join(v, " "))
		}
	}
	user, err := Generate(Spec{Binary: "/b", User: true, Sync: true, Watch: true})
	if err != nil {
		t.Fatal(err)
	}
	uw := byName(t, user)[WatchService]
	if got := uw.get("Install", "WantedBy"); got != "default.target" {
		t.Errorf("user watcher WantedBy %q, want default.target", got)
	}
	if got := uw.get("Service", "User"); got != "" {
		t.Errorf("user watcher sets User=%s", got)
	}
}

// The system sync unit writes where the sync user's files are, not where
// the service manager's home is: %h in a system unit is /root. A local
// remote outside the home and the metrics dir are writable too, else the
// second push or the metrics write fails under ProtectSystem=strict.
func TestSyncUnitWritesTheUsersPaths(t *testing.T) {
	spec := allJobs()
	spec.SyncWritable = []string{"/srv/dotfiles.git"}
	spec.MetricsFile = "/var/lib/node-exporter/hearth.prom"
	us, err := Generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	svc := byName(t, us)[SyncService]
	if got, want := svc.get("Service", "ReadWritePaths"), "/home/rain -/srv/dotfiles.git -/var/lib/node-exporter"; got != want {
		t.Errorf("ReadWritePaths %q, want %q", got, want)
	}
	if got := svc.get("Service", "Environment"); got != "HOME=/home/rain" {
		t.Errorf("Environment %q, want HOME=/home/rain", got)
	}
	for _, u := range us {
		if strings.Contains(u.Content, "%h") {
			t.Errorf("%s uses %%h, the service manager's home in a system unit", u.Name)
		}
	}
}

// hearth exits 130 when systemd stops it with SIGTERM (shutdown, a reboot
// hearth itself started): that is not a failed unit.
func TestServicesTakeInterruptAsSuccess(t *testing.T) {
	us, err := Generate(allJobs())
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range byName(t, us) {
		if !strings.HasSuffix(name, ".service") {
			continue
		}
		if got := p.get("Service", "SuccessExitStatus"); got != "130" {
			t.Errorf("%s SuccessExitStatus %q, want 130", name, got)
		}
	}
}

// Every service carries hardening; the ones that only touch files carry the
// full sandbox.
func TestGenerateHardening(t *testing.T) {
	us, err := Generate(allJobs())
	if err != nil {
		t.Fatal(err)
	}
	u := byName(t, us)
	strict := []string{"NoNewPrivileges", "ProtectSystem", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
		"ProtectKernelModules", "ProtectControlGroups", "RestrictSUIDSGID", "RestrictNamespaces", "SystemCallArchitectures"}
	for name, p := range u {
		if !strings.HasSuffix(name, ".service") {
			continue
		}
		if p.get("Service", "RestrictRealtime") != "yes" {
			t.Errorf("%s: no RestrictRealtime=yes", name)
		}
		if name == SecretsService || name == SyncService {
			for _, k := range strict {
				if len(p["Service"][k]) == 0 {
					t.Errorf("%s: missing %s", name, k)
				}
			}
		}
	}
	if got := u[SecretsService].get("Service", "CapabilityBoundingSet"); strings.Contains(got, "CAP_SYS_ADMIN") || got == "" {
		t.Errorf("secrets capabilities %q: want a small explicit set", got)
	}
	if got := u[SyncService]["Service"]["CapabilityBoundingSet"]; len(got) != 1 || got[0] != "" {
		t.Errorf("sync as a user keeps capabilities %q, want none", got)
	}
}

func TestGenerateRefusesBadSpecs(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"relative binary", Spec{Binary: "hearth", Secrets: true}, "binary"},
		{"binary with a space", Spec{Binary: "/opt/my hearth", Secrets: true}, "binary"},
		{"config with a percent", Spec{Binary: "/b", ConfigFile: "/etc/%h.toml", Secrets: true}, "config"},
		{"system sync without a user", Spec{Binary: "/b", Sync: true}, "--sync-user"},
		{"bad user name", Spec{Binary: "/b", Sync: true, SyncUser: "rain\nExecStart=/bin/evil", SyncHome: "/home/rain"}, "sync user"},
		{"sync user without a home", Spec{Binary: "/b", Sync: true, SyncUser: "rain"}, "no usable home"},
		{"sync user with / as home", Spec{Binary: "/b", Sync: true, SyncUser: "nobody", SyncHome: "/"}, "no usable home"},
		{"sync writable path with a space", Spec{Binary: "/b", Sync: true, SyncUser: "rain", SyncHome: "/home/rain", SyncWritable: []string{"/srv/my dots"}}, "sync writable path"},
		// systemd ends a line at a lone \r too (systemd-analyze verify
		// reports the injected key): a local remote file:///etc%0D... decodes to one.
		{"sync writable path with a carriage return", Spec{Binary: "/b", Sync: true, SyncUser: "rain", SyncHome: "/home/rain", SyncWritable: []string{"/etc\rExecStartPre=/bin/evil"}}, "sync writable path"},
		{"config with a carriage return", Spec{Binary: "/b", ConfigFile: "/etc/h.toml\rExecStartPre=/bin/evil", Secrets: true}, "config"},
		{"calendar with a carriage return", Spec{Binary: "/b", Secrets: true, Upgrade: true, OnCalendar: "04:00\rExecStartPre=/x"}, "on-calendar"},
		{"upgrade as user units", Spec{Binary: "/b", User: true, Sync: true, Upgrade: true}, "need root"},
		{"calendar injecting a line", Spec{Binary: "/b", Secrets: true, Upgrade: true, OnCalendar: "04:00\nExecStart=/x"}, "on-calendar"},
		{"nothing to do", Spec{Binary: "/b"}, "no job"},
		{"watcher without dotfile sync", Spec{Binary: "/b", Secrets: true, Watch: true}, "needs dotfile sync"},
		{"sync timer kept without a watcher", Spec{Binary: "/b", User: true, Sync: true, WatchKeepTimer: true}, "needs the watcher"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			us, err := Generate(tc.spec)
			if err == nil {
				t.Fatalf("Generate succeeded with %d units", len(us))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestInstall(t *testing.T) {
	us, err := Generate(allJobs())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "system")
	if err := Install(dir, us); err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		data, err := os.ReadFile(filepath.Join(dir, u.Name))
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != u.Content {
			t.Errorf("%s: installed content differs from the generated one", u.Name)
		}
	}
	if err := Install(dir, []Unit{{Name: "../escape.service", Content: "x"}}); err == nil {
		t.Error("Install accepted a unit name escaping the dir")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.service")); err == nil {
		t.Error("a file was written outside the install dir")
	}
}

// The wrappers run the hearth command with the config and pass their own
// arguments through unchanged, whatever characters the paths hold.
func TestAliasesRun(t *testing.T) {
	testutil.RequireProgram(t, "sh")
	dir := t.TempDir()
	// A stand-in binary that prints its arguments one per line.
	bin := filepath.Join(t.TempDir(), "hear th")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "/etc/hearth/it's.toml"
	if err := InstallAliases(dir, bin, conf); err != nil {
		t.Fatal(err)
	}
	for _, a := range Aliases {
		t.Run(a.Name, func(t *testing.T) {
			out, err := exec.Command(filepath.Join(dir, a.Name), "--json", "two words").Output()
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			want := append(append([]string{"--config", conf}, a.Args...), "--json", "two words")
			if !slices.Equal(got, want) {
				t.Errorf("arguments %q, want %q", got, want)
			}
		})
	}
}
