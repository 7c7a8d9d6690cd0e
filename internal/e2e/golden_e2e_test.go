package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const goldenConfig = `[system]
remote = "/srv/system.git"
attr = "` + systemAttr + `"
operation = "boot"

[boot]
timeout = "6s"
sustain = "2s"
interval = "500ms"
motd_file = "/run/hearth-motd"

[[boot.check]]
name = "app"
unit = "e2e-app.service"
`

// TestGoldenGenerationWithRealReboots deploys, through hearth's units on a
// booted machine, a first generation that boots GREEN and is pinned golden,
// then one whose required unit fails: at the next boot hearth's boot check
// reboots the machine itself to retry, then rolls back to golden and
// reboots again; that boot is GREEN on golden, and the broken generation
// is never tried again (the next upgrade round leaves it alone).
func TestGoldenGenerationWithRealReboots(t *testing.T) {
	m := newHearthMachine(t, "golden")
	putSystem(m)
	m.Put("/etc/hearth/config.toml", []byte(goldenConfig), 0o644)
	m.Start()

	m.Sh(`hearth units --install /etc/systemd/system
systemctl daemon-reload
systemctl enable hearth-boot-check.service`)
	initSystemRemote(m)
	commitSystem(m, "good", "/bin/true")
	upgrade(t, m)
	goodPath := strings.TrimSpace(m.Sh("readlink -f /nix/var/nix/profiles/system"))
	testReboots := 1
	m.Reboot()

	// Boot 2: the first generation passes and is pinned.
	v := waitVerdict(t, m)
	if !v.green(m.BootID()) || v.Booted != goodPath || v.Golden.StorePath != goodPath {
		t.Fatalf("first boot of %s: %+v (boot %+v), want GREEN and pinned golden", goodPath, v, v.State.Boot)
	}

	// A generation whose required unit fails, deployed for the next boot.
	bad := commitSystem(m, "bad", "/bin/false")
	upgrade(t, m)
	badPath := strings.TrimSpace(m.Sh("readlink -f /nix/var/nix/profiles/system"))
	if badPath == goodPath {
		t.Fatalf("the upgrade to %s did not set the profile", bad)
	}
	testReboots++
	boot := m.BootID()
	_, _ = m.try("systemctl", "reboot", "--no-block")

	// hearth reboots to retry, then rolls back and reboots: the machine
	// ends on golden, GREEN, without anyone rebooting it.
	m.Poll(3*time.Minute, "a GREEN boot on golden after the rollback", func() bool {
		id, err := m.try("cat", "/proc/sys/kernel/random/boot_id")
		if err != nil || strings.TrimSpace(id) == boot {
			return false
		}
		out, err := m.try("hearth", "--json", "boot", "status")
		if err != nil {
			return false
		}
		var st bootStatus
		return json.Unmarshal([]byte(out), &st) == nil && st.Booted == goodPath && st.green(strings.TrimSpace(id)) &&
			m.activeState("hearth-boot-check.service") == "active"
	})
	if got := m.Reboots() - testReboots; got != 2 {
		t.Errorf("hearth rebooted %d times, want 2 (a retry, then the rollback)", got)
	}
	boots := strings.Fields(m.Sh("cut -d' ' -f2 /var/log/e2e-boots | tr '\\n' ' '"))
	want := []string{goodPath, badPath, badPath, goodPath}
	if strings.Join(boots, " ") != strings.Join(want, " ") {
		t.Errorf("generations booted %v, want %v (good, bad twice, good)", boots, want)
	}
	if p := strings.TrimSpace(m.Sh("readlink -f /nix/var/nix/profiles/system")); p != goodPath {
		t.Errorf("system profile %s after the rollback, want golden %s", p, goodPath)
	}
	if motd := m.Sh("head -n1 /run/hearth-motd"); !strings.Contains(motd, "GREEN") {
		t.Errorf("motd %q, want GREEN", motd)
	}

	// The broken commit is still the remote's tip: the next round does not
	// deploy it again.
	upgrade(t, m)
	if p := strings.TrimSpace(m.Sh("readlink -f /nix/var/nix/profiles/system")); p != goodPath {
		t.Errorf("the next upgrade round set the profile to %s: the broken generation was retried", p)
	}
}

// bootStatus is what the test reads of `hearth --json boot status`.
type bootStatus struct {
	Booted string `json:"booted"`
	Golden struct {
		StorePath string `json:"store_path"`
	} `json:"golden"`
	State struct {
		Boot *struct {
			ID      string `json:"id"`
			Verdict string `json:"verdict"`
			Action  string `json:"action"`
			Done    bool   `json:"done"`
		} `json:"boot"`
	} `json:"state"`
}

// green reports whether the boot with id was judged GREEN and fully acted on.
func (s bootStatus) green(id string) bool {
	b := s.State.Boot
	return b != nil && b.ID == id && b.Verdict == "green" && b.Done
}

// upgrade runs one upgrade round through its unit.
func upgrade(t *testing.T, m *Machine) {
	t.Helper()
	if _, err := m.Run("", "systemctl", "start", "hearth-upgrade.service"); err != nil {
		t.Fatalf("upgrade unit: %v\n%s", err, m.MustRun("journalctl", "-b", "--no-pager", "-u", "hearth-upgrade", "-n", "60"))
	}
}

// waitVerdict waits for this boot's check to finish and returns its status.
func waitVerdict(t *testing.T, m *Machine) bootStatus {
	t.Helper()
	m.Poll(time.Minute, "the boot check to finish", func() bool {
		s := m.activeState("hearth-boot-check.service")
		return s == "active" || s == "failed"
	})
	var st bootStatus
	out := m.MustRun("hearth", "--json", "boot", "status")
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("boot status: %v\n%s", err, out)
	}
	return st
}

func (m *Machine) activeState(unit string) string {
	out, _ := m.try("systemctl", "show", "-P", "ActiveState", unit)
	return strings.TrimSpace(out)
}
