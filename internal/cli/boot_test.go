package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// bootMachine is a simulated NixOS host for CLI boot tests: real nix
// profiles in an isolated store, a "booted system" link we control, reboots
// recorded by the configured reboot command.
type bootMachine struct {
	t       *testing.T
	h       *clitest.Host
	env     testutil.NixEnv
	repo    *testutil.NixSystemRepo
	paths   testutil.BootPaths
	golden  string
	actLog  string
	reboots string
	netDown string
}

func newBootMachine(t *testing.T) *bootMachine {
	env := testutil.Nix(t)
	h := clitest.NewHost(t, "nixos")
	m := &bootMachine{t: t, h: h, env: env, repo: testutil.NewNixSystemRepo(t, env)}
	run := filepath.Join(h.Root, "run")
	m.paths = testutil.BootPaths{
		SystemProfile: filepath.Join(env.ProfilesDir, "system"),
		BootedSystem:  filepath.Join(run, "booted-system"),
		CurrentSystem: filepath.Join(run, "current-system"),
		BootIDFile:    filepath.Join(run, "boot_id"),
	}
	m.golden = filepath.Join(env.ProfilesDir, "system-profiles", "hearth-golden")
	m.actLog = filepath.Join(h.Root, "activations")
	m.reboots = filepath.Join(h.Root, "reboots")
	m.netDown = filepath.Join(h.Root, "net-down")
	// nix runs as a child of the in-process CLI, so it sees the process env.
	for _, kv := range append(env.Vars, testutil.ActivationLogEnv+"="+m.actLog) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	h.WriteConfig(t, fmt.Sprintf(`
[system]
profile = %q
booted_system = %q
current_system = %q

[boot]
max_attempts = 2
timeout = "3s"
sustain = "50ms"
interval = "20ms"
golden_profile = %q
boot_id_file = %q
motd_file = %q
reboot_command = ["/bin/sh", "-c", "echo reboot >> %s"]

[[boot.check]]
name = "net"
command = ["/bin/sh", "-c", "test ! -e %s"]

[[boot.check]]
name = "extras"
command = ["/bin/false"]
required = false
`, m.paths.SystemProfile, m.paths.BootedSystem, m.paths.CurrentSystem, m.golden, m.paths.BootIDFile,
		filepath.Join(h.Root, "motd"), m.reboots, m.netDown))
	return m
}

func (m *bootMachine) deploy(version string) string {
	out := m.repo.Build(m.t, testutil.NixSystem{Version: version})
	m.env.Run(m.t, "nix-env", "-p", m.paths.SystemProfile, "--set", out)
	return out
}

func (m *bootMachine) boot(netDown bool) { m.setNet(netDown); testutil.SimulateBoot(m.t, m.paths) }

func (m *bootMachine) setNet(down bool) {
	if down {
		os.WriteFile(m.netDown, nil, 0o644)
	} else {
		os.Remove(m.netDown)
	}
}

func (m *bootMachine) check(wantCode int, wantOut string) string {
	m.t.Helper()
	r := m.h.Run(m.t.Context(), "boot", "check")
	if r.Code != wantCode || !strings.Contains(r.Stdout+r.Stderr, wantOut) {
		m.t.Fatalf("boot check: exit %d (want %d), want %q in output:\n%s\n%s", r.Code, wantCode, wantOut, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

func (m *bootMachine) resolve(link string) string {
	p, err := filepath.EvalSymlinks(link)
	if err != nil {
		m.t.Fatal(err)
	}
	return p
}

func (m *bootMachine) rebootCount() int {
	b, _ := os.ReadFile(m.reboots)
	return strings.Count(string(b), "reboot")
}

// TestBootSequencesThroughCLI drives simulated boots through `hearth boot
// check` against real nix profile generations: a good boot pins golden; a bad
// boot retries; a second bad boot rolls back to golden (system profile at
// golden, switch-to-configuration boot recorded, reboot recorded); golden
// failing does not loop; a corrupt boot.json is reported and recovered from.
func TestBootSequencesThroughCLI(t *testing.T) {
	m := newBootMachine(t)
	v1 := m.deploy("v1")
	m.boot(false)
	out := m.check(0, "GREEN")
	if !strings.Contains(out, "FAIL extras (wanted)") || m.resolve(m.golden) != v1 {
		t.Fatalf("good boot did not pin v1:\n%s", out)
	}

	v2 := m.deploy("v2")
	m.boot(true)
	m.check(0, "RED")
	if m.rebootCount() != 1 || m.resolve(m.paths.SystemProfile) != v2 {
		t.Fatalf("first bad boot: reboots %d, system %s", m.rebootCount(), m.resolve(m.paths.SystemProfile))
	}
	m.boot(true)
	m.check(0, "rolling back to golden") // hearth fixed it itself: not a failure
	if m.resolve(m.paths.SystemProfile) != v1 || m.rebootCount() != 2 {
		t.Fatalf("second bad boot: system profile %s (want golden %s), reboots %d", m.resolve(m.paths.SystemProfile), v1, m.rebootCount())
	}
	acts := testutil.ReadActivations(t, m.actLog)
	if len(acts) != 1 || acts[0].Action != "boot" || acts[0].StorePath != v1 {
		t.Fatalf("activations %+v, want one 'boot %s'", acts, v1)
	}
	st := m.h.MustRun(t, "boot", "status").Stdout
	if !strings.Contains(st, "golden:    "+v1) {
		t.Errorf("boot status:\n%s", st)
	}

	// Back on golden, and golden itself fails: reported, no rollback, no reboot.
	m.boot(true)
	m.check(1, "golden")
	m.boot(true)
	m.check(1, "golden")
	if m.rebootCount() != 2 || m.resolve(m.paths.SystemProfile) != v1 {
		t.Fatalf("golden failing looped: reboots %d", m.rebootCount())
	}

	// A corrupt boot.json is reported by status and rebuilt by the next check.
	if err := os.WriteFile(filepath.Join(m.h.StateDir, "boot.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	st = m.h.MustRun(t, "boot", "status").Stdout
	if !strings.Contains(st, "problem:") || !strings.Contains(st, "boot.json") {
		t.Errorf("corrupt boot.json not reported:\n%s", st)
	}
	m.boot(false)
	m.check(0, "GREEN")
	if show := m.h.MustRun(t, "golden", "show").Stdout; !strings.Contains(show, v1) {
		t.Errorf("golden show after recovery:\n%s", show)
	}
	rec := m.h.MustRun(t, "status", "--json").Stdout
	if !strings.Contains(rec, `"job": "golden"`) || !strings.Contains(rec, `"result": "golden-healthy"`) {
		t.Errorf("status record of the boot check missing:\n%s", rec)
	}
}

// TestGoldenManualCommands: pin the running generation (after checks, or
// forced), and roll back with --yes (refused without it off a terminal).
func TestGoldenManualCommands(t *testing.T) {
	m := newBootMachine(t)
	m.deploy("v1")
	v2 := m.deploy("v2")
	m.boot(true)
	if r := m.h.Run(t.Context(), "golden", "pin"); r.Code != 1 || !strings.Contains(r.Stderr, "net") {
		t.Fatalf("pin with a failing required check: exit %d\n%s", r.Code, r.Stderr)
	}
	m.setNet(false)
	if out := m.h.MustRun(t, "golden", "pin").Stdout; !strings.Contains(out, v2) {
		t.Fatalf("pin: %s", out)
	}
	v3 := m.deploy("v3")
	m.boot(true)
	m.h.MustRun(t, "golden", "pin", "--force")
	if m.resolve(m.golden) != v3 {
		t.Fatal("forced pin did not pin v3")
	}
	m.deploy("v4")
	if r := m.h.Run(t.Context(), "golden", "rollback"); r.Code != 2 || !strings.Contains(r.Stderr, "--yes") {
		t.Fatalf("rollback without --yes off a terminal: exit %d %s", r.Code, r.Stderr)
	}
	out := m.h.MustRun(t, "golden", "rollback", "--yes").Stdout
	if m.resolve(m.paths.SystemProfile) != v3 || !strings.Contains(out, v3) {
		t.Fatalf("rollback: %s", out)
	}
}
